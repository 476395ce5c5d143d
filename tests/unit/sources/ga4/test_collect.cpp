// The per-hit decisions of the /g/collect route (collect.hpp) and the sites.<id>.ga4 configuration reader.
#include <gtest/gtest.h>

#include "sidetag/config/config.hpp"
#include "sidetag/sources/ga4/collect.hpp"

using namespace sidetag::sources::ga4;
using sidetag::config::ConsentAction;
using sidetag::config::ConsentPolicy;

namespace {
constexpr std::int64_t kNowMs = 1'764'000'000'000;  // 2025-11-24
}

TEST(Ga4Origin, DefaultsToSiteDomainsAndSubdomainsOverHttps) {
  std::vector<std::string> domains = {"shop.com"};
  EXPECT_TRUE(origin_allowed("https://shop.com", {}, domains));
  EXPECT_TRUE(origin_allowed("https://www.shop.com", {}, domains));
  EXPECT_TRUE(origin_allowed("https://WWW.Shop.com:443", {}, domains));
  EXPECT_TRUE(origin_allowed("https://shop.com:8443", {}, domains));
  EXPECT_FALSE(origin_allowed("http://shop.com", {}, domains));
  EXPECT_FALSE(origin_allowed("https://evilshop.com", {}, domains));
  EXPECT_FALSE(origin_allowed("https://shop.com.evil.net", {}, domains));
  EXPECT_FALSE(origin_allowed("null", {}, domains));
  EXPECT_FALSE(origin_allowed("", {}, domains));
  EXPECT_FALSE(origin_allowed("https://shop.com/path", {}, domains));
}

TEST(Ga4Origin, ExplicitListReplacesTheDefault) {
  std::vector<std::string> allowed = {"https://checkout.partner.net", "*.shop.com"};
  std::vector<std::string> domains = {"other.org"};
  EXPECT_TRUE(origin_allowed("https://checkout.partner.net", allowed, domains));
  EXPECT_FALSE(origin_allowed("http://checkout.partner.net", allowed, domains));
  EXPECT_FALSE(origin_allowed("https://www.partner.net", allowed, domains));
  EXPECT_TRUE(origin_allowed("https://a.b.shop.com", allowed, domains));
  EXPECT_TRUE(origin_allowed("http://shop.com", allowed, domains));
  EXPECT_FALSE(origin_allowed("https://other.org", allowed, domains));
}

TEST(Ga4BrowserIds, FbpMintedDeterministicallyFromClientIdAndSession) {
  BrowserIdInput in;
  in.client_id = "1256142397.1764000000";
  in.session_id = "1763999990";
  in.now_ms = kNowMs;
  in.salt = "shop";
  auto a = resolve_browser_ids(in);
  in.now_ms = kNowMs + 1234;  // a parallel hit, a little later
  auto b = resolve_browser_ids(in);
  EXPECT_TRUE(a.fbp_minted);
  EXPECT_EQ(a.fbp, b.fbp);
  EXPECT_EQ(a.fbp, "fb.1.1763999990000." + std::to_string(fbp_random_for(in.client_id, "shop")));
  EXPECT_TRUE(valid_fb_cookie(a.fbp));
  in.client_id = "999.1764000000";
  EXPECT_NE(resolve_browser_ids(in).fbp, a.fbp);
  EXPECT_LT(fbp_random_for("x", "y"), 2147483647u);
  EXPECT_NE(fbp_random_for("same", "shop"), fbp_random_for("same", "other-site"));
}

TEST(Ga4BrowserIds, FbpTimeFallsBackToClientIdThenNow) {
  BrowserIdInput in;
  in.client_id = "1.1763990000";  // first seen 10000 s ago
  in.now_ms = kNowMs;
  EXPECT_EQ(resolve_browser_ids(in).fbp.rfind("fb.1.1763990000000.", 0), 0u);
  in.session_id = "17";  // implausible sid: ignored
  EXPECT_EQ(resolve_browser_ids(in).fbp.rfind("fb.1.1763990000000.", 0), 0u);
  in.client_id = "1.1000000000";  // years old: not a creation time for a new cookie
  EXPECT_EQ(resolve_browser_ids(in).fbp.rfind("fb.1." + std::to_string(kNowMs) + ".", 0), 0u);
}

TEST(Ga4BrowserIds, ExistingFbpKeptNoClientIdNoMint) {
  BrowserIdInput in;
  in.cookies = FbCookies::from_values("fb.1.1596403881668.1116446470", "");
  in.client_id = "1.2";
  in.now_ms = kNowMs;
  auto r = resolve_browser_ids(in);
  EXPECT_EQ(r.fbp, "fb.1.1596403881668.1116446470");
  EXPECT_FALSE(r.fbp_minted);
  in.cookies = FbCookies::from_values("garbage", "");
  in.client_id = "";
  EXPECT_EQ(resolve_browser_ids(in).fbp, "");
  in.client_id = "1.2";
  in.generate_fbp = false;
  EXPECT_EQ(resolve_browser_ids(in).fbp, "");
}

TEST(Ga4BrowserIds, FbcFromFbclidKeepsCaseAndOriginalClickTime) {
  BrowserIdInput in;
  in.page_location = "https://shop.com/p?a=1&fbclid=IwAR_AbC-9&b=2#frag";
  const std::string page_id = std::to_string(kNowMs - 5000);  // page_id is a view: keep the string alive
  in.page_id = page_id;
  in.now_ms = kNowMs;
  auto r = resolve_browser_ids(in);
  EXPECT_EQ(r.fbc, "fb.1." + std::to_string(kNowMs - 5000) + ".IwAR_AbC-9");
  EXPECT_EQ(r.fbc_action, FbcAction::minted);
  // The cookie already carries this fbclid: the original click time stays (also with a 5th segment).
  in.cookies = FbCookies::from_values("", "fb.1.1700000000000.IwAR_AbC-9.AQQCAQAB");
  r = resolve_browser_ids(in);
  EXPECT_EQ(r.fbc, "fb.1.1700000000000.IwAR_AbC-9.AQQCAQAB");
  EXPECT_EQ(r.fbc_action, FbcAction::kept);
  // A different click id replaces it; a _p that is not a recent ms timestamp falls back to now.
  in.page_location = "https://shop.com/?fbclid=NewClick";
  in.page_id = "1486226803";
  r = resolve_browser_ids(in);
  EXPECT_EQ(r.fbc, "fb.1." + std::to_string(kNowMs) + ".NewClick");
  EXPECT_EQ(r.fbc_action, FbcAction::replaced);
  // No fbclid: the cookie is kept as is; none at all: nothing.
  in.page_location = "https://shop.com/";
  EXPECT_EQ(resolve_browser_ids(in).fbc, "fb.1.1700000000000.IwAR_AbC-9.AQQCAQAB");
  in.cookies = {};
  EXPECT_EQ(resolve_browser_ids(in).fbc_action, FbcAction::none);
}

TEST(Ga4CookieDomain, ConfiguredAutoAndHostOutsideThePage) {
  EXPECT_EQ(choose_cookie_domain("shop.com", "x.y", "https://a.b/"), "shop.com");
  EXPECT_EQ(choose_cookie_domain("auto", "metrics.shop.co.uk:443", "https://www.shop.co.uk/p"), "shop.co.uk");
  EXPECT_EQ(choose_cookie_domain("auto", "shop.com", "https://www.shop.com/p"), "shop.com");
  // Tagging host on another registrable domain than the page: the browser would reject Domain=<page domain>.
  EXPECT_EQ(choose_cookie_domain("auto", "track.agency.net", "https://www.shop.com/"), "agency.net");
  EXPECT_EQ(choose_cookie_domain("", "127.0.0.1:8080", "https://www.shop.com/"), "");
  EXPECT_EQ(choose_cookie_domain("auto", "metrics.shop.com", ""), "shop.com");
}

TEST(Ga4ConsentPolicy, MetaDefaults) {
  ConsentPolicy p;  // defaults: ad_storage denied -> drop, no signal -> forward
  auto d = decide_consent(decode_consent("G100", ""), p);
  EXPECT_TRUE(d.drop);
  EXPECT_FALSE(d.cookies_allowed);
  EXPECT_EQ(d.label(), "drop");
  EXPECT_EQ(d.reason, "ad_storage denied (gcs) -> drop");
  d = decide_consent(decode_consent("G111", ""), p);
  EXPECT_FALSE(d.drop);
  EXPECT_TRUE(d.cookies_allowed);
  EXPECT_EQ(d.label(), "forward");
  EXPECT_EQ(d.reason, "ad_storage granted (gcs)");
  d = decide_consent(decode_consent("", ""), p);
  EXPECT_EQ(d.label(), "forward");
  EXPECT_EQ(d.reason, "no ad_storage signal -> forward");
  // gcd wins over gcs: denied by default, granted by update.
  d = decide_consent(decode_consent("G100", "13r3r3r2r5l1"), p);
  EXPECT_EQ(d.label(), "forward");
  EXPECT_EQ(d.reason, "ad_storage granted (gcd update)");
  // Everything denied by default (cookieless ping): dropped; ad_user_data also noted.
  d = decide_consent(decode_consent("G100", "13p3p3p2p5l1"), p);
  EXPECT_TRUE(d.drop);
  EXPECT_NE(d.reason.find("ad_user_data denied (gcd) -> forward_without_user_data"), std::string::npos);
  // ad_storage granted but ad_user_data denied (gcd letter 'u' = granted by default, denied by update).
  d = decide_consent(decode_consent("", "13t3t3u2t5l1"), p);
  EXPECT_FALSE(d.drop);
  EXPECT_TRUE(d.strip_user_data);
  EXPECT_EQ(d.label(), "forward_without_user_data");
  // Sec-GPC and us_privacy opt-out -> LDU by default.
  d = decide_consent(decode_consent("G111", "", "1", "1YYN"), p);
  EXPECT_TRUE(d.ldu);
  EXPECT_EQ(d.label(), "ldu");
}

TEST(Ga4ConsentPolicy, PerSiteNoSignalAndOverrides) {
  ConsentPolicy eu;
  eu.no_signal = ConsentAction::drop;
  EXPECT_TRUE(decide_consent(decode_consent("", ""), eu).drop);
  EXPECT_TRUE(decide_consent(decode_consent("", "13l3l3l3l1l1"), eu).drop);  // 'l' = not set
  ConsentPolicy lenient;
  lenient.ad_storage_denied = ConsentAction::ldu;
  auto d = decide_consent(decode_consent("G100", ""), lenient);
  EXPECT_FALSE(d.drop);
  EXPECT_TRUE(d.ldu);
  EXPECT_FALSE(d.cookies_allowed) << "ad cookies are never written when ad_storage is denied";
  lenient.ad_storage_denied = ConsentAction::forward_without_user_data;
  lenient.gpc = ConsentAction::ldu;
  d = decide_consent(decode_consent("G100", "", "1"), lenient);
  EXPECT_EQ(d.label(), "forward_without_user_data+ldu");
}

TEST(Ga4ConsentPolicy, ApplyStripsUserDataAndSetsLdu) {
  nlohmann::json data = {{"event_name", "purchase"}, {"user_data", {{"sha256_email_address", "ab"}}},
                         {"user_id", "u1"}, {"email", "a@b.c"}, {"x-fb-ud-em", "x"},
                         {"x-fb-ud-client_ip_address", "81.2.69.160"}, {"ip_override", "81.2.69.160"},
                         {"user_agent", "UA"}, {"x-fb-ck-fbp", "fb.1.2.3"}, {"value", 3}};
  ConsentDecision d;
  d.strip_user_data = true;
  d.ldu = true;
  auto removed = apply_consent(data, d);
  EXPECT_EQ(removed.size(), 4u);
  EXPECT_FALSE(data.contains("user_data"));
  EXPECT_FALSE(data.contains("user_id"));
  EXPECT_FALSE(data.contains("email"));
  EXPECT_FALSE(data.contains("x-fb-ud-em"));
  EXPECT_TRUE(data.contains("x-fb-ud-client_ip_address"));
  EXPECT_EQ(data["ip_override"], "81.2.69.160");
  EXPECT_EQ(data["x-fb-ck-fbp"], "fb.1.2.3");
  EXPECT_EQ(data["value"], 3);
  EXPECT_EQ(data["x-fb-dpo"], nlohmann::json::array({"LDU"}));
  EXPECT_EQ(data["x-fb-dpo_country"], 0);
  EXPECT_EQ(data["x-fb-dpo_state"], 0);
  nlohmann::json untouched = {{"user_id", "u"}};
  apply_consent(untouched, ConsentDecision{});
  EXPECT_TRUE(untouched.contains("user_id"));
}

TEST(Ga4Passthrough, GoogleQueryReplacesBrowserUip) {
  EXPECT_EQ(google_passthrough_query("v=2&tid=G-1&_uip=6.6.6.6&en=x", "81.2.69.160"), "v=2&tid=G-1&en=x&_uip=81.2.69.160");
  EXPECT_EQ(google_passthrough_query("v=2&%5Fuip=1.1.1.1&richsstsse", ""), "v=2&richsstsse");
  EXPECT_EQ(google_passthrough_query("", "2001:db8::1"), "_uip=2001%3Adb8%3A%3A1");
  EXPECT_EQ(google_passthrough_query("dl=https%3A%2F%2Fa.b%2F&&x=1", ""), "dl=https%3A%2F%2Fa.b%2F&x=1");
}

TEST(Ga4Passthrough, ProxyHeaderPolicy) {
  EXPECT_TRUE(proxy_request_header_allowed("cookie"));
  EXPECT_TRUE(proxy_request_header_allowed("user-agent"));
  EXPECT_FALSE(proxy_request_header_allowed("host"));
  EXPECT_FALSE(proxy_request_header_allowed("x-forwarded-for"));  // rebuilt from the resolved client IP
  EXPECT_FALSE(proxy_request_header_allowed("authorization"));
  EXPECT_TRUE(proxy_response_header_allowed("set-cookie"));
  EXPECT_TRUE(proxy_response_header_allowed("content-type"));
  EXPECT_FALSE(proxy_response_header_allowed("transfer-encoding"));
  EXPECT_FALSE(proxy_response_header_allowed("content-length"));
  EXPECT_FALSE(proxy_response_header_allowed("connection"));
}

// sites.<id>.ga4 as the loader reads it.
namespace {
sidetag::config::LoadResult load(const std::string& ga4_yaml) {
  std::string text =
      "sites:\n  shop:\n    domains: [shop.com]\n    ga4:\n" + ga4_yaml + "environments:\n  dev: {}\n";
  return sidetag::config::load_string(text, "dev", [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}
}  // namespace

TEST(Ga4Config, Defaults) {
  auto r = load("      measurement_ids: [G-ABC123]\n");
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0]);
  const auto& g = r.config->sites[0].ga4;
  EXPECT_EQ(g.measurement_ids, std::vector<std::string>{"G-ABC123"});
  EXPECT_TRUE(g.allowed_origins.empty());
  EXPECT_EQ(g.path_prefix, "");
  EXPECT_EQ(g.max_events_per_request, 100u);
  EXPECT_EQ(g.passthrough, sidetag::config::PassthroughMode::google);
  EXPECT_EQ(g.passthrough_url, "https://www.google-analytics.com");
  EXPECT_EQ(g.proxy_url, "https://www.googletagmanager.com");
  EXPECT_TRUE(g.generate_fbp);
  EXPECT_TRUE(g.set_cookies);
  EXPECT_EQ(g.cookie_domain, "auto");
  EXPECT_FALSE(g.cookie_http_only);
  EXPECT_EQ(g.cookie_max_age_s, 7776000);
  EXPECT_FALSE(g.fpid);
  EXPECT_EQ(g.meta_consent.ad_storage_denied, ConsentAction::drop);
  EXPECT_EQ(g.meta_consent.no_signal, ConsentAction::forward);
}

TEST(Ga4Config, EverythingSet) {
  auto r = load(
      "      measurement_ids: [G-ABC123]\n"
      "      allowed_origins: [https://shop.com, '*.shop.com']\n"
      "      path_prefix: /metrics/\n"
      "      max_events_per_request: 50\n"
      "      passthrough: {sgtm: https://old-sgtm.shop.com/, timeout_ms: 2000}\n"
      "      cookies: {generate_fbp: false, domain: .shop.com, http_only: true, max_age_days: 30}\n"
      "      fpid: {enabled: true, max_age_days: 395}\n"
      "      consent:\n"
      "        meta: {ad_storage_denied: ldu, no_signal: drop, ad_user_data_denied: forward, gpc: forward, us_privacy_opt_out: drop}\n");
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0]);
  const auto& g = r.config->sites[0].ga4;
  EXPECT_EQ(g.path_prefix, "/metrics");
  EXPECT_EQ(g.max_events_per_request, 50u);
  EXPECT_EQ(g.passthrough, sidetag::config::PassthroughMode::sgtm);
  EXPECT_EQ(g.passthrough_url, "https://old-sgtm.shop.com");
  EXPECT_EQ(g.passthrough_timeout_ms, 2000);
  EXPECT_TRUE(g.relay_sgtm_cookies) << "an existing sGTM's collect cookies reach the browser by default";
  EXPECT_EQ(g.proxy_url, "https://old-sgtm.shop.com") << "the proxy defaults to the sGTM";
  EXPECT_FALSE(g.generate_fbp);
  EXPECT_EQ(g.cookie_domain, "shop.com");
  EXPECT_TRUE(g.cookie_http_only);
  EXPECT_EQ(g.cookie_max_age_s, 30 * 86400);
  EXPECT_TRUE(g.fpid);
  EXPECT_EQ(g.fpid_max_age_s, 395 * 86400);
  EXPECT_EQ(g.meta_consent.ad_storage_denied, ConsentAction::ldu);
  EXPECT_EQ(g.meta_consent.no_signal, ConsentAction::drop);
  EXPECT_EQ(g.meta_consent.us_privacy_opt_out, ConsentAction::drop);
  r = load("      measurement_ids: [G-ABC123]\n      passthrough: off\n      proxy: off\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->sites[0].ga4.passthrough, sidetag::config::PassthroughMode::off);
  EXPECT_EQ(r.config->sites[0].ga4.proxy_url, "");
  r = load("      measurement_ids: [G-ABC123]\n      passthrough: {google: region1}\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->sites[0].ga4.passthrough_url, "https://region1.google-analytics.com");
}

TEST(Ga4Config, RelayCookiesOnlyWithAnSgtm) {
  auto r = load("      measurement_ids: [G-ABC123]\n      passthrough: {sgtm: https://old.shop.com, relay_cookies: false}\n");
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0]);
  EXPECT_FALSE(r.config->sites[0].ga4.relay_sgtm_cookies);
  r = load("      measurement_ids: [G-ABC123]\n      passthrough: {google: region1, relay_cookies: true}\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.errors[0].find("sites.shop.ga4.passthrough.relay_cookies (line 6): only applies to passthrough to an "
                             "existing sGTM"),
            std::string::npos)
      << r.errors[0];
}

TEST(Ga4Config, ErrorsNameTheKeyAndLine) {
  auto r = load("      measurement_ids: [G-ABC123]\n      passthrough: somewhere\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.errors[0].find("sites.shop.ga4.passthrough (line 6)"), std::string::npos) << r.errors[0];
  r = load("      consent:\n        meta: {ad_storage_denied: maybe}\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.errors[0].find("sites.shop.ga4.consent.meta.ad_storage_denied"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("forward, forward_without_user_data, ldu, drop"), std::string::npos);
  r = load("      cookies: {domian: shop.com}\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.errors[0].find("did you mean 'domain'"), std::string::npos) << r.errors[0];
  r = load("      allowed_origins: [shop.com]\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.errors[0].find("allowed_origins"), std::string::npos);
}
