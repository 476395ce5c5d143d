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
// Splits on '.', at most 6 parts (more = invalid anyway).
std::size_t split_dots(std::string_view v, std::string_view (&parts)[6]) {
  std::size_t n = 0, start = 0;
  while (true) {
    std::size_t dot = v.find('.', start);
    if (n == 6) return 7;
    if (dot == std::string_view::npos) {
      parts[n++] = v.substr(start);
      return n;
    }
    parts[n++] = v.substr(start, dot - start);
    start = dot + 1;
  }
}
}  // namespace

bool valid_fb_cookie(std::string_view value) {
  if (value.empty() || value.size() > 2048) return false;
  for (char c : value)
    if (!safe_char(c)) return false;
  std::string_view p[6];
  std::size_t n = split_dots(value, p);
  if (n != 4 && n != 5) return false;
  if (p[0] != "fb" || !all_digits(p[1]) || !all_digits(p[2]) || p[3].empty()) return false;
  if (n == 5 && p[4].size() != 2 && p[4].size() != 8) return false;
  return true;
}

std::string_view fb_cookie_segment3(std::string_view value) {
  if (!valid_fb_cookie(value)) return {};
  std::string_view p[6];
  split_dots(value, p);
  return p[3];
}

bool valid_fbclid(std::string_view fbclid) {
  if (fbclid.empty() || fbclid.size() > 1024) return false;
  for (char c : fbclid)
    if (c == '.' || !safe_char(c)) return false;
  return true;
}

FbcResult build_fbc(std::string_view existing, std::string_view fbclid, std::int64_t now_ms, int subdomain_index) {
  FbcResult r;
  bool existing_ok = valid_fb_cookie(existing);
  bool have_click = valid_fbclid(fbclid);
  if (existing_ok && (!have_click || fb_cookie_segment3(existing) == fbclid)) {
    r.value = std::string(existing);
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
