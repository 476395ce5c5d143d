#include "sidetag/sources/mapped/signature.hpp"

#include <charconv>
#include <cstdlib>

#include "sidetag/util/crypto.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::mapped {

namespace {

AuthResult fail(std::string reason) { return AuthResult{false, std::move(reason)}; }
AuthResult pass() { return AuthResult{true, {}}; }

bool parse_int(std::string_view s, std::int64_t& v) {
  s = util::trim(s);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

std::optional<AuthResult> check_age(std::int64_t ts_s, std::int64_t now_s, std::int64_t tolerance_s) {
  const std::int64_t diff = now_s > ts_s ? now_s - ts_s : ts_s - now_s;
  if (diff > tolerance_s) {
    return fail("timestamp outside tolerance (" + std::to_string(diff) + " s > " + std::to_string(tolerance_s) +
                " s)");
  }
  return std::nullopt;
}

// HubSpot v3 decodes these percent-escapes in the request URI before signing (HubSpot "Validating requests"
// docs, v3 table); every other escape stays as sent.
std::string hubspot_decode_uri(std::string_view uri) {
  static constexpr struct {
    const char* esc;
    char ch;
  } kTable[] = {{"3A", ':'}, {"2F", '/'}, {"3F", '?'}, {"40", '@'}, {"21", '!'}, {"24", '$'},
                {"27", '\''}, {"28", '('}, {"29", ')'}, {"2A", '*'}, {"2C", ','}, {"3B", ';'}};
  std::string out;
  out.reserve(uri.size());
  for (std::size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size()) {
      bool done = false;
      for (const auto& e : kTable) {
        if (util::iequals(uri.substr(i + 1, 2), e.esc)) {
          out.push_back(e.ch);
          i += 2;
          done = true;
          break;
        }
      }
      if (done) continue;
    }
    out.push_back(uri[i]);
  }
  return out;
}

}  // namespace

const char* to_string(AuthScheme s) {
  switch (s) {
    case AuthScheme::none: return "none";
    case AuthScheme::bearer: return "bearer";
    case AuthScheme::hmac_sha256_base64: return "hmac_sha256_base64";
    case AuthScheme::hmac_sha256_hex: return "hmac_sha256_hex";
    case AuthScheme::stripe: return "stripe";
    case AuthScheme::hubspot_v3: return "hubspot_v3";
  }
  return "?";
}

bool parse_auth_scheme(std::string_view text, AuthScheme& out) {
  for (AuthScheme s : {AuthScheme::none, AuthScheme::bearer, AuthScheme::hmac_sha256_base64,
                       AuthScheme::hmac_sha256_hex, AuthScheme::stripe, AuthScheme::hubspot_v3}) {
    if (text == to_string(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

std::optional<std::string_view> WebhookRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (util::iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

AuthResult verify_webhook(const AuthSpec& spec, const WebhookRequest& req, std::int64_t now_s) {
  if (spec.scheme != AuthScheme::none && spec.secret.empty()) return fail("no secret configured");
  switch (spec.scheme) {
    case AuthScheme::none:
      return pass();

    case AuthScheme::bearer: {
      const std::string name = spec.header.empty() ? "Authorization" : spec.header;
      auto h = req.header(name);
      if (!h) return fail("missing header " + name);
      std::string_view token = util::trim(*h);
      if (spec.header.empty()) {
        if (token.size() < 7 || !util::iequals(token.substr(0, 7), "Bearer ")) {
          return fail("Authorization header is not a Bearer token");
        }
        token = util::trim(token.substr(7));
      }
      if (!util::constant_time_equal(token, spec.secret)) return fail("invalid API key");
      return pass();
    }

    case AuthScheme::hmac_sha256_base64: {
      const std::string name = spec.header.empty() ? "X-Shopify-Hmac-Sha256" : spec.header;
      auto h = req.header(name);
      if (!h) return fail("missing header " + name);
      const std::string expected = util::base64_encode(util::hmac_sha256_raw(spec.secret, req.body));
      if (!util::constant_time_equal(util::trim(*h), expected)) return fail("signature mismatch");
      return pass();
    }

    case AuthScheme::hmac_sha256_hex: {
      if (spec.header.empty()) return fail("no signature header configured");
      auto h = req.header(spec.header);
      if (!h) return fail("missing header " + spec.header);
      std::string_view sig = util::trim(*h);
      if (!spec.prefix.empty()) {
        if (!util::starts_with(sig, spec.prefix)) return fail("signature header lacks prefix '" + spec.prefix + "'");
        sig.remove_prefix(spec.prefix.size());
      }
      std::string payload;
      if (!spec.timestamp_header.empty()) {
        auto th = req.header(spec.timestamp_header);
        if (!th) return fail("missing header " + spec.timestamp_header);
        std::int64_t ts = 0;
        if (!parse_int(*th, ts)) return fail("malformed timestamp in " + spec.timestamp_header);
        const std::int64_t ts_s = ts > 100000000000LL ? ts / 1000 : ts;
        if (auto r = check_age(ts_s, now_s, spec.tolerance_s)) return *r;
        payload.reserve(th->size() + 1 + req.body.size());
        payload.append(util::trim(*th)).append(".").append(req.body);
      } else {
        payload.assign(req.body);
      }
      const std::string expected = util::hmac_sha256_hex(spec.secret, payload);
      if (!util::constant_time_equal(util::ascii_lower(sig), expected)) return fail("signature mismatch");
      return pass();
    }

    case AuthScheme::stripe: {
      const std::string name = spec.header.empty() ? "Stripe-Signature" : spec.header;
      auto h = req.header(name);
      if (!h) return fail("missing header " + name);
      std::string_view t;
      std::vector<std::string_view> v1;
      for (std::string_view item : util::split(*h, ',')) {
        item = util::trim(item);
        auto eq = item.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view k = item.substr(0, eq), v = item.substr(eq + 1);
        if (k == "t") {
          t = v;
        } else if (k == "v1") {
          v1.push_back(v);
        }
      }
      std::int64_t ts = 0;
      if (t.empty() || !parse_int(t, ts)) return fail("malformed " + name + ": no timestamp");
      if (v1.empty()) return fail("malformed " + name + ": no v1 signature");
      if (auto r = check_age(ts, now_s, spec.tolerance_s)) return *r;
      std::string payload;
      payload.reserve(t.size() + 1 + req.body.size());
      payload.append(t).append(".").append(req.body);
      const std::string expected = util::hmac_sha256_hex(spec.secret, payload);
      bool match = false;
      for (std::string_view s : v1) match |= util::constant_time_equal(s, expected);  // check all: no early exit
      if (!match) return fail("signature mismatch");
      return pass();
    }

    case AuthScheme::hubspot_v3: {
      const std::string name = spec.header.empty() ? "X-HubSpot-Signature-v3" : spec.header;
      auto h = req.header(name);
      if (!h) return fail("missing header " + name);
      auto th = req.header("X-HubSpot-Request-Timestamp");
      if (!th) return fail("missing header X-HubSpot-Request-Timestamp");
      std::int64_t ts_ms = 0;
      if (!parse_int(*th, ts_ms)) return fail("malformed X-HubSpot-Request-Timestamp");
      const std::int64_t ts_s = ts_ms >= 0 ? ts_ms / 1000 : (ts_ms - 999) / 1000;
      if (auto r = check_age(ts_s, now_s, spec.tolerance_s)) return *r;
      std::string payload;
      payload.append(req.method);
      if (!req.uri.empty() && req.uri.front() == '/') payload.append(spec.public_base_url);
      payload.append(hubspot_decode_uri(req.uri)).append(req.body).append(util::trim(*th));
      const std::string expected = util::base64_encode(util::hmac_sha256_raw(spec.secret, payload));
      if (!util::constant_time_equal(util::trim(*h), expected)) return fail("signature mismatch");
      return pass();
    }
  }
  return fail("unknown auth scheme");
}

}  // namespace sidetag::sources::mapped
