#pragma once
// The decisions the /g/collect route makes per hit, as pure functions (no Asio, unit-tested and fuzzable):
// origin allow-list, Meta browser ids (_fbp/_fbc) with deterministic fbp minting, the cookie domain, the consent
// decision per destination and its effect on the event data, and the query sent to Google's collector.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidetag/config/ga4.hpp"
#include "sidetag/sources/ga4/consent.hpp"
#include "sidetag/sources/ga4/cookies.hpp"
#include "sidetag/sources/ga4/query.hpp"

namespace sidetag::sources::ga4 {

// Origin allow-list. `allowed` entries are full origins ("https://shop.com", compared case-insensitively, default
// port ignored) or "*.shop.com" (that domain and any subdomain, http or https). With no entries, every site domain
// d allows https://d and https://<sub>.d (and http:// for localhost only). An empty or "null" origin is never
// allowed (the caller treats a missing Origin header as "no CORS needed").
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed,
                    const std::vector<std::string>& site_domains);

// True when `host` (lowercase, no port) is `domain` or a subdomain of it.
bool host_in_domain(std::string_view host, std::string_view domain);

// The random part of a minted fbp, derived from the browser's client id so that parallel first hits of one client
// (a batch, two tabs, a page_view racing a scroll) agree without shared state: SHA-256(salt ":" client_id),
// first 4 bytes, modulo 2147483647 (cpb's range).
std::uint32_t fbp_random_for(std::string_view client_id, std::string_view salt);

struct BrowserIdInput {
  FbCookies cookies;               // the request's _fbp/_fbc, checked once per request (FbCookies::from)
  std::string_view page_location;  // dl: fbclid is read from its query
  std::string_view client_id;      // browser cid (not FPID): fbp seed
  std::string_view session_id;     // sid (unix s): fbp creation time, so parallel hits agree
  std::string_view page_id;        // _p (ms timestamp of the page load in current gtag builds): fbc click time
  std::int64_t now_ms = 0;
  int subdomain_index = 1;         // from the cookie domain (Meta's fbc/fbp format)
  bool generate_fbp = true;
  std::string_view salt;           // site id
};
struct BrowserIds {
  std::string fbp, fbc;            // "" when none
  bool fbp_minted = false;
  FbcAction fbc_action = FbcAction::none;
};
// fbp: the valid cookie is kept; else (generate_fbp and a client id) fb.<idx>.<t>.<fbp_random_for(cid)> where t is
// sid*1000 when sid is within the last 7 days, else the cid's first-seen second *1000 when that is within the last
// 7 days, else now_ms. fbc: build_fbc with the click time = _p when it is a plausible recent ms timestamp, else now.
BrowserIds resolve_browser_ids(const BrowserIdInput& in);

// Cookie Domain attribute: `configured` unless "auto"/""; auto = the page's registrable domain when the request
// host lies inside it, else the request host's registrable domain; "" (omit Domain) for IPs and single labels.
std::string choose_cookie_domain(std::string_view configured, std::string_view request_host,
                                 std::string_view page_location);

// The consent decision for one destination.
struct ConsentDecision {
  bool drop = false;
  bool strip_user_data = false;
  bool ldu = false;
  bool cookies_allowed = true;  // _fbp/_fbc may be set: not dropped and ad_storage not denied
  std::string reason;           // "ad_storage denied (gcd) -> drop; gpc -> ldu"; never contains PII
  std::string label() const;    // "drop", "forward", "forward_without_user_data", "ldu", "forward_without_user_data+ldu"
};
ConsentDecision decide_consent(const Consent& consent, const config::ConsentPolicy& policy);

// Applies a non-drop decision to GA4 event data: strip_user_data removes every key Meta's prep reads personal data
// from (user_data, user_id, email, phone, names, address parts, external_id, x-fb-ud-* except the IP/UA ones);
// ldu sets x-fb-dpo ["LDU"], x-fb-dpo_country 0, x-fb-dpo_state 0 (Meta geolocates). Returns the keys removed.
std::vector<std::string> apply_consent(nlohmann::json& data, const ConsentDecision& decision);

// The query string forwarded to Google's collector: the browser's query with any `_uip` removed and
// `_uip=<ip>` appended when ip is not empty (ip is a canonical address, no escaping needed).
std::string google_passthrough_query(std::string_view query, std::string_view ip);

// Reverse proxy header policy: request headers forwarded upstream and response headers passed back (lowercase
// names; hop-by-hop headers, Host and Content-Length never).
bool proxy_request_header_allowed(std::string_view lowercase_name);
bool proxy_response_header_allowed(std::string_view lowercase_name);

}  // namespace sidetag::sources::ga4
