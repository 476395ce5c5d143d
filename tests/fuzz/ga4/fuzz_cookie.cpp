// libFuzzer: Cookie header parsing, _fbc/_fbp logic, host -> domain, Set-Cookie builder.
// Input: "<cookie header>\n<page url>\n<host>".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sidetag/sources/ga4/cookies.hpp"

using namespace sidetag::sources::ga4;

namespace {
std::string_view next_line(std::string_view& in) {
  auto nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  return line;
}
void check_set_cookie(const std::string& sc) {
  for (char c : sc)
    if (c == '\r' || c == '\n' || c == '\0') std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view cookie_header = next_line(in);
  std::string_view url = next_line(in);
  std::string_view host = in;

  CookieList cookies = parse_cookie_header(cookie_header);
  for (const auto& [n, v] : cookies) {
    if (n.size() > cookie_header.size() || v.size() > cookie_header.size()) std::abort();
  }
  std::string_view fbc = find_cookie(cookies, "_fbc").value_or("");
  std::string_view fbp = find_cookie(cookies, "_fbp").value_or("");
  (void)valid_fb_cookie(fbp);
  (void)fb_cookie_segment3(fbc);

  std::string reg = registrable_domain(host);
  int idx = subdomain_index_for_host(host);
  if (idx < 0) std::abort();
  std::string fbclid = extract_fbclid(url).value_or("");
  FbcResult r = build_fbc(fbc, fbclid, 1764340310123, idx);
  if (r.action != FbcAction::none && !valid_fb_cookie(r.value)) std::abort();
  if (r.action == FbcAction::minted && fb_cookie_segment3(r.value) != fbclid) std::abort();
  std::string fbp_new = mint_fbp(1764340310123, static_cast<std::uint32_t>(size * 2654435761u), idx);
  if (!valid_fb_cookie(fbp_new)) std::abort();

  SetCookieOptions opts;
  opts.domain = reg;
  check_set_cookie(build_set_cookie("_fbc", r.value, opts));
  check_set_cookie(build_set_cookie("_fbp", fbp_new, opts));
  opts.domain = std::string(host);
  check_set_cookie(build_set_cookie(cookie_header, url, opts));
  (void)url_host(url);
  return 0;
}
