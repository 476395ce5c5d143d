#pragma once
// One GA4 hit -> sGTM-style event data (developers.google.com/tag-platform/tag-manager/server-side/common-event-data).
// Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidetag/sources/ga4/cookies.hpp"
#include "sidetag/sources/ga4/query.hpp"

namespace sidetag::sources::ga4 {

struct RequestInfo {
  std::string user_agent;
  std::string sec_ch_ua;       // Sec-CH-UA header -> client_hints.brands (when present)
  std::string client_ip;       // already resolved (resolve_client_ip) -> ip_override
  CookieList cookies;          // views must outlive the to_event_data call
  // FbCookies::from(cookies) when the caller already has it (the route: once per request, shared by its hits);
  // without it to_event_data checks _fbp/_fbc itself. Same result either way.
  std::optional<FbCookies> fb_cookies;
  std::int64_t received_ms = 0;  // -> x-sst-system_properties.request_start_time_ms
  bool trust_uip = false;      // when true a `_uip` param replaces client_ip in ip_override
  bool use_fpid = false;       // FPID mode: client_id from the FPID cookie, cid -> x-ga-js_client_id
};

// Event-data key listing user_data paths that came from Google-normalised hashes (phone with '+', names) and
// must NOT be forwarded to Meta (hash of a different normalisation). Array of dotted paths.
inline constexpr const char* kNotForwardableKey = "x-sidetag-ud_not_forwardable";

// Parses a number for numeric slots (epn.*, sct, _et, price...): finite decimal, whole string. Integers that
// fit int64 become JSON integers, others doubles. nullopt for "NaN", "", "1e999", "12abc".
std::optional<nlohmann::json> parse_number(std::string_view s);

// pr<N> (raw value) -> item object. Numeric codes pr/qt/ds/lp become numbers (non-numeric: kept as a
// string + note). Custom k<i>/v<i> pairs become item[name] = value. Unknown codes are kept as item["x-ga-<code>"].
nlohmann::json decode_item(std::string_view raw_value, std::vector<std::string>* notes = nullptr);

// em (raw value) -> user_data object. Emails: "sha256_email_address" (string, array if several);
// phones: "sha256_phone_number"; address index i -> {sha256_first_name, sha256_last_name, sha256_street,
// postal_code, country}; "address" is an object for one index, an array (by index) for several.
// Base64url digests (43 chars) and 64-hex are converted to lowercase hex; anything else is dropped (noted).
// `not_forwardable` receives the dotted paths of Google-normalised hashes (phone, names, street).
// Returns null when em is malformed (no/duplicate tv.1, > 20000 chars) or yields nothing.
nlohmann::json decode_user_provided_data(std::string_view raw_em, std::vector<std::string>* not_forwardable,
                                         std::vector<std::string>* notes = nullptr);

// Sec-CH-UA structured-header list ("Chromium";v="116", "Not)A;Brand";v="24") -> [{brand, version}].
// Members that are not a quoted string are skipped.
nlohmann::json parse_sec_ch_ua(std::string_view header);

// The whole mapping. Never throws; every emitted string is valid UTF-8 (invalid ones dropped, noted).
nlohmann::json to_event_data(const Params& params, const RequestInfo& request,
                             std::vector<std::string>* notes = nullptr);
// The same result, for a caller that gives the parameters away (the route owns each parsed hit): value strings
// are moved into the event data instead of copied. `params` keeps its keys, but its values are unspecified
// afterwards (moved from): read what you need from it before the call.
nlohmann::json to_event_data(Params&& params, const RequestInfo& request, std::vector<std::string>* notes = nullptr);

}  // namespace sidetag::sources::ga4
