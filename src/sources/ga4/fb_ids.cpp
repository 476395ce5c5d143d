#include "sidetag/sources/ga4/cookies.hpp"

namespace sidetag::sources::ga4 {

namespace {
bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
bool safe_char(char ch) {
  auto c = static_cast<unsigned char>(ch);
  if (c <= 0x20 || c >= 0x7F) return false;
  return ch != ';' && ch != ',' && ch != '"' && ch != '\\';
}
// valid_fb_cookie in one pass: every byte a safe character, the dots noted on the way (a 5th dot = a 6th part,
// invalid). On success *segment3 is part 3. A hit used to run this up to six times on the same cookies, each run
// a character scan plus a find() per part: the split is now part of the scan.
bool check_fb_cookie(std::string_view v, std::string_view* segment3) {
  if (v.empty() || v.size() > 2048) return false;
  std::size_t dot[4];
  std::size_t n = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '.') {
      if (n == 4) return false;
      dot[n++] = i;
    } else if (!safe_char(c)) {
      return false;
    }
  }
  if (n < 3) return false;  // 4 or 5 parts: [0, d0) (d0, d1) (d1, d2) (d2, end3) and (d3, end) when n == 4
  const std::size_t end3 = n == 4 ? dot[3] : v.size();
  if (dot[0] != 2 || v[0] != 'f' || v[1] != 'b') return false;
  if (!all_digits(v.substr(dot[0] + 1, dot[1] - dot[0] - 1)) || !all_digits(v.substr(dot[1] + 1, dot[2] - dot[1] - 1)))
    return false;
  if (end3 == dot[2] + 1) return false;
  if (n == 4 && v.size() - dot[3] - 1 != 2 && v.size() - dot[3] - 1 != 8) return false;
  *segment3 = v.substr(dot[2] + 1, end3 - dot[2] - 1);
  return true;
}
}  // namespace

bool valid_fb_cookie(std::string_view value) {
  std::string_view segment3;
  return check_fb_cookie(value, &segment3);
}

std::string_view fb_cookie_segment3(std::string_view value) {
  std::string_view segment3;
  return check_fb_cookie(value, &segment3) ? segment3 : std::string_view{};
}

FbCookies FbCookies::from(const CookieList& cookies) {
  const auto fbp = find_cookie(cookies, "_fbp");
  const auto fbc = find_cookie(cookies, "_fbc");
  return from_values(fbp.value_or(std::string_view{}), fbc.value_or(std::string_view{}));
}

FbCookies FbCookies::from_values(std::string_view fbp, std::string_view fbc) {
  FbCookies r;
  if (valid_fb_cookie(fbp)) r.fbp_ = fbp;
  if (check_fb_cookie(fbc, &r.fbc_segment3_)) r.fbc_ = fbc;
  return r;
}

bool valid_fbclid(std::string_view fbclid) {
  if (fbclid.empty() || fbclid.size() > 1024) return false;
  for (char c : fbclid)
    if (c == '.' || !safe_char(c)) return false;
  return true;
}

FbcResult build_fbc(std::string_view existing, std::string_view fbclid, std::int64_t now_ms, int subdomain_index) {
  return build_fbc(FbCookies::from_values({}, existing), fbclid, now_ms, subdomain_index);
}

FbcResult build_fbc(const FbCookies& existing, std::string_view fbclid, std::int64_t now_ms, int subdomain_index) {
  FbcResult r;
  const bool existing_ok = !existing.fbc().empty();
  const bool have_click = valid_fbclid(fbclid);
  if (existing_ok && (!have_click || existing.fbc_segment3() == fbclid)) {
    r.value = std::string(existing.fbc());
    r.action = FbcAction::kept;
    return r;
  }
  if (!have_click) return r;
  r.value = "fb." + std::to_string(subdomain_index) + "." + std::to_string(now_ms) + ".";
  r.value.append(fbclid);
  r.action = existing_ok ? FbcAction::replaced : FbcAction::minted;
  return r;
}

std::string mint_fbp(std::int64_t now_ms, std::uint32_t random, int subdomain_index) {
  return "fb." + std::to_string(subdomain_index) + "." + std::to_string(now_ms) + "." + std::to_string(random);
}

}  // namespace sidetag::sources::ga4
