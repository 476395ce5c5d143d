// libFuzzer: the per-hit decisions of /g/collect (origin allow-list, Meta browser ids, cookie domain, consent,
// Google passthrough query). Input: "<origin>\n<cookie header>\n<page location>\n<cid>\n<sid>\n<_p>\n<host>\n<query>".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sidetag/sources/ga4/collect.hpp"

using namespace sidetag::sources::ga4;

namespace {
std::string_view next_line(std::string_view& in) {
  auto nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  return line;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view origin = next_line(in), cookie = next_line(in), dl = next_line(in), cid = next_line(in),
                   sid = next_line(in), p = next_line(in), host = next_line(in), query = in;
  (void)origin_allowed(origin, {}, {"shop.com", "example.co.uk"});
  (void)origin_allowed(origin, {"https://a.b", "*.shop.com"}, {});
  auto cookies = parse_cookie_header(cookie);
  BrowserIdInput bi;
  bi.cookies = FbCookies::from(cookies);
  // FbCookies keeps exactly the first cookie of each name when it passes valid_fb_cookie (checked once per request).
  auto expected = [&](const char* name) {
    auto c = find_cookie(cookies, name);
    return c && valid_fb_cookie(*c) ? *c : std::string_view{};
  };
  if (bi.cookies.fbp() != expected("_fbp") || bi.cookies.fbc() != expected("_fbc") ||
      bi.cookies.fbc_segment3() != fb_cookie_segment3(bi.cookies.fbc()))
    std::abort();
  bi.page_location = dl;
  bi.client_id = cid;
  bi.session_id = sid;
  bi.page_id = p;
  bi.now_ms = 1'764'000'000'000;
  auto ids = resolve_browser_ids(bi);
  if (!ids.fbp.empty() && !valid_fb_cookie(ids.fbp)) std::abort();
  if (!ids.fbc.empty() && !valid_fb_cookie(ids.fbc)) std::abort();
  std::string domain = choose_cookie_domain("auto", host, dl);
  SetCookieOptions opts;
  opts.domain = domain;
  std::string sc = build_set_cookie("_fbp", ids.fbp, opts);
  if (sc.find_first_of("\r\n") != std::string::npos) std::abort();  // header injection
  auto consent = decode_consent(sid, p, cid, host);
  auto decision = decide_consent(consent, {});
  nlohmann::json ev = {{"user_data", {{"a", 1}}}, {"x-fb-ud-em", "x"}};
  apply_consent(ev, decision);
  std::string q = google_passthrough_query(query, "81.2.69.160");
  if (q.find("_uip=81.2.69.160") == std::string::npos) std::abort();
  return 0;
}
