#pragma once
// Authentication of webhook requests for mapped sources. Pure: works on the method, URI, headers and the RAW body
// bytes (verify before parsing; never re-serialise the body). All secret comparisons are constant-time.
//
// Schemes:
//   none                 no check (only for sources bound to a private network)
//   bearer               `Authorization: Bearer <secret>` (or `<header>: <secret>` when `header` is set,
//                        e.g. X-Api-Key)
//   hmac_sha256_base64   `<header>` (default X-Shopify-Hmac-Sha256) = base64(HMAC-SHA256(secret, body))
//   hmac_sha256_hex      `<header>` (required) = [prefix]hex(HMAC-SHA256(secret, payload)); payload = body, or
//                        "<timestamp>.<body>" when `timestamp_header` is set (the timestamp is then also
//                        checked against tolerance_s; seconds, or milliseconds when > 10^11). `prefix` such as
//                        "sha256=" (GitHub style) is stripped from the header value first. Hex compare ignores case.
//   stripe               `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=<hex>...]`, payload "<t>.<body>", any v1
//                        may match (secret rotation); |now - t| <= tolerance_s (default 300)
//   hubspot_v3           `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(secret, method + uri + body + ts)),
//                        `X-HubSpot-Request-Timestamp` in ms; rejected when more than tolerance_s (default 300)
//                        old (or in the future). `uri` must be the full URL HubSpot called
//                        (https://host/path?query); when the request URI starts with '/', `public_base_url`
//                        (e.g. "https://hooks.example.com") is prepended. Like HubSpot, the escapes %3A %2F %3F
//                        %40 %21 %24 %27 %28 %29 %2A %2C %3B in the URI are decoded before signing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sidetag::sources::mapped {

enum class AuthScheme { none, bearer, hmac_sha256_base64, hmac_sha256_hex, stripe, hubspot_v3 };

const char* to_string(AuthScheme s);
// "bearer", "stripe", ... -> scheme; false when unknown.
bool parse_auth_scheme(std::string_view text, AuthScheme& out);

struct AuthSpec {
  AuthScheme scheme = AuthScheme::none;
  std::string secret;             // API key or signing secret (already ${ENV}-expanded)
  std::string header;             // overrides the scheme's default header name
  std::string timestamp_header;   // hmac_sha256_hex only: optional timestamp header
  std::string prefix;             // hmac_sha256_hex only: prefix of the header value, e.g. "sha256="
  std::string public_base_url;    // hubspot_v3 only: prepended to a path-only request URI
  std::int64_t tolerance_s = 300; // timestamp tolerance for stripe, hubspot_v3, hmac_sha256_hex+timestamp
};

struct WebhookRequest {
  std::string_view method;  // "POST"
  std::string_view uri;     // as received: path + query, or a full URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;    // raw bytes
  // Case-insensitive header lookup (first match).
  std::optional<std::string_view> header(std::string_view name) const;
};

struct AuthResult {
  bool ok = false;
  std::string reason;  // "missing header X-Shopify-Hmac-Sha256", "signature mismatch",
                       // "timestamp outside tolerance (412 s > 300 s)"; never contains the secret
};

// Verifies `req` against `spec` at wall time `now_unix_s` (inject the clock in tests).
AuthResult verify_webhook(const AuthSpec& spec, const WebhookRequest& req, std::int64_t now_unix_s);

}  // namespace sidetag::sources::mapped
