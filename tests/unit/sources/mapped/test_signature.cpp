#include <gtest/gtest.h>

#include <string>

#include "sidetag/sources/mapped/signature.hpp"
#include "sidetag/util/crypto.hpp"

using namespace sidetag::sources::mapped;
namespace util = sidetag::util;

namespace {

WebhookRequest request(std::string_view body, std::vector<std::pair<std::string, std::string>> headers,
                       std::string_view uri = "/hook", std::string_view method = "POST") {
  WebhookRequest r;
  r.method = method;
  r.uri = uri;
  r.body = body;
  r.headers = std::move(headers);
  return r;
}

AuthSpec spec(AuthScheme s, std::string secret) {
  AuthSpec a;
  a.scheme = s;
  a.secret = std::move(secret);
  return a;
}

constexpr std::int64_t kNow = 1700000100;

}  // namespace

TEST(Signature, SchemeNames) {
  AuthScheme s{};
  for (const char* n : {"none", "bearer", "hmac_sha256_base64", "hmac_sha256_hex", "stripe", "hubspot_v3"}) {
    ASSERT_TRUE(parse_auth_scheme(n, s)) << n;
    EXPECT_STREQ(to_string(s), n);
  }
  EXPECT_FALSE(parse_auth_scheme("md5", s));
}

TEST(Signature, None) { EXPECT_TRUE(verify_webhook(AuthSpec{}, request("x", {}), kNow).ok); }

TEST(Signature, Bearer) {
  auto a = spec(AuthScheme::bearer, "k-123");
  EXPECT_TRUE(verify_webhook(a, request("", {{"authorization", "Bearer k-123"}}), kNow).ok);
  EXPECT_TRUE(verify_webhook(a, request("", {{"Authorization", "bearer  k-123 "}}), kNow).ok);
  auto r = verify_webhook(a, request("", {{"Authorization", "Bearer k-124"}}), kNow);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "invalid API key");
  EXPECT_EQ(verify_webhook(a, request("", {}), kNow).reason, "missing header Authorization");
  EXPECT_EQ(verify_webhook(a, request("", {{"Authorization", "Basic abc"}}), kNow).reason,
            "Authorization header is not a Bearer token");
  a.header = "X-Api-Key";
  EXPECT_TRUE(verify_webhook(a, request("", {{"x-api-key", "k-123"}}), kNow).ok);
  EXPECT_EQ(verify_webhook(a, request("", {{"Authorization", "Bearer k-123"}}), kNow).reason,
            "missing header X-Api-Key");
  EXPECT_EQ(verify_webhook(spec(AuthScheme::bearer, ""), request("", {{"Authorization", "Bearer "}}), kNow).reason,
            "no secret configured");
}

TEST(Signature, ShopifyBase64) {
  const std::string body = R"({"id":1})";
  auto a = spec(AuthScheme::hmac_sha256_base64, "shpss_secret");
  // Computed independently: printf '%s' '{"id":1}' | openssl dgst -sha256 -hmac shpss_secret -binary | base64
  const std::string published = "xocA3LkeJ/RvNrkxep1EUtFHuj7rIoIqZYaLU26LyPQ=";
  EXPECT_EQ(util::base64_encode(util::hmac_sha256_raw("shpss_secret", body)), published);
  EXPECT_TRUE(verify_webhook(a, request(body, {{"X-Shopify-Hmac-Sha256", published}}), kNow).ok);
  auto r = verify_webhook(a, request(body + " ", {{"X-Shopify-Hmac-Sha256", published}}), kNow);
  EXPECT_EQ(r.reason, "signature mismatch");
  EXPECT_EQ(verify_webhook(a, request(body, {}), kNow).reason, "missing header X-Shopify-Hmac-Sha256");
  a.header = "X-Signature";
  EXPECT_TRUE(verify_webhook(a, request(body, {{"X-Signature", published}}), kNow).ok);
}

TEST(Signature, GenericHexRfc4231Vector) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  const std::string expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  auto a = spec(AuthScheme::hmac_sha256_hex, "Jefe");
  a.header = "X-Signature";
  const std::string body = "what do ya want for nothing?";
  EXPECT_TRUE(verify_webhook(a, request(body, {{"X-Signature", expected}}), kNow).ok);
  std::string upper = expected;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(verify_webhook(a, request(body, {{"X-Signature", upper}}), kNow).ok);  // hex case-insensitive
  EXPECT_EQ(verify_webhook(a, request("what do ya want for nothing!", {{"X-Signature", expected}}), kNow).reason,
            "signature mismatch");
  a.prefix = "sha256=";
  EXPECT_TRUE(verify_webhook(a, request(body, {{"X-Signature", "sha256=" + expected}}), kNow).ok);
  EXPECT_EQ(verify_webhook(a, request(body, {{"X-Signature", expected}}), kNow).reason,
            "signature header lacks prefix 'sha256='");
  AuthSpec no_header = spec(AuthScheme::hmac_sha256_hex, "Jefe");
  EXPECT_EQ(verify_webhook(no_header, request(body, {}), kNow).reason, "no signature header configured");
}

TEST(Signature, GenericHexWithTimestampHeader) {
  auto a = spec(AuthScheme::hmac_sha256_hex, "s3cret");
  a.header = "X-Signature";
  a.timestamp_header = "X-Timestamp";
  const std::string body = R"({"call":{"id":"c1"}})";
  const std::string ts = std::to_string(kNow - 10);
  const std::string sig = util::hmac_sha256_hex("s3cret", ts + "." + body);
  EXPECT_TRUE(verify_webhook(a, request(body, {{"X-Signature", sig}, {"X-Timestamp", ts}}), kNow).ok);
  // Milliseconds are accepted too.
  const std::string ts_ms = std::to_string((kNow - 10) * 1000);
  const std::string sig_ms = util::hmac_sha256_hex("s3cret", ts_ms + "." + body);
  EXPECT_TRUE(verify_webhook(a, request(body, {{"X-Signature", sig_ms}, {"X-Timestamp", ts_ms}}), kNow).ok);
  // Signed without the timestamp: mismatch.
  EXPECT_EQ(verify_webhook(a, request(body, {{"X-Signature", util::hmac_sha256_hex("s3cret", body)},
                                             {"X-Timestamp", ts}}),
                           kNow)
                .reason,
            "signature mismatch");
  const std::string old = std::to_string(kNow - 412);
  EXPECT_EQ(verify_webhook(a, request(body, {{"X-Signature", util::hmac_sha256_hex("s3cret", old + "." + body)},
                                             {"X-Timestamp", old}}),
                           kNow)
                .reason,
            "timestamp outside tolerance (412 s > 300 s)");
  EXPECT_EQ(verify_webhook(a, request(body, {{"X-Signature", sig}}), kNow).reason, "missing header X-Timestamp");
  EXPECT_EQ(verify_webhook(a, request(body, {{"X-Signature", sig}, {"X-Timestamp", "soon"}}), kNow).reason,
            "malformed timestamp in X-Timestamp");
}

TEST(Signature, StripeKnownVector) {
  // printf '%s' '1700000000.{"id":"evt_1","type":"checkout.session.completed"}' \
  //   | openssl dgst -sha256 -hmac whsec_test_secret
  const std::string body = R"({"id":"evt_1","type":"checkout.session.completed"})";
  const std::string v1 = "a13d4b1f9003bc2fb6c06224e878b6056185eaa50d40e1e7dc05517f8af41d7b";
  auto a = spec(AuthScheme::stripe, "whsec_test_secret");
  EXPECT_TRUE(verify_webhook(a, request(body, {{"Stripe-Signature", "t=1700000000,v1=" + v1}}), 1700000000).ok);
  EXPECT_EQ(util::hmac_sha256_hex("whsec_test_secret", "1700000000." + body), v1);
}

TEST(Signature, Stripe) {
  const std::string body = R"({"id":"evt_2"})";
  auto a = spec(AuthScheme::stripe, "whsec_abc");
  const std::int64_t t = kNow - 5;
  const std::string good = util::hmac_sha256_hex("whsec_abc", std::to_string(t) + "." + body);
  const std::string other = util::hmac_sha256_hex("whsec_old", std::to_string(t) + "." + body);
  const std::string ts = "t=" + std::to_string(t);
  EXPECT_TRUE(verify_webhook(a, request(body, {{"Stripe-Signature", ts + ",v1=" + good}}), kNow).ok);
  // Several v1 signatures (secret rolling) and a v0: any v1 may match.
  EXPECT_TRUE(
      verify_webhook(a, request(body, {{"Stripe-Signature", ts + ",v1=" + other + ",v1=" + good + ",v0=zz"}}), kNow)
          .ok);
  EXPECT_EQ(verify_webhook(a, request(body, {{"Stripe-Signature", ts + ",v1=" + other}}), kNow).reason,
            "signature mismatch");
  EXPECT_EQ(verify_webhook(a, request(body, {{"Stripe-Signature", ts + ",v0=" + good}}), kNow).reason,
            "malformed Stripe-Signature: no v1 signature");
  EXPECT_EQ(verify_webhook(a, request(body, {{"Stripe-Signature", "v1=" + good}}), kNow).reason,
            "malformed Stripe-Signature: no timestamp");
  EXPECT_EQ(verify_webhook(a, request(body, {}), kNow).reason, "missing header Stripe-Signature");
  // Tolerance, both directions.
  const std::int64_t old = kNow - 412;
  const std::string old_sig = util::hmac_sha256_hex("whsec_abc", std::to_string(old) + "." + body);
  EXPECT_EQ(verify_webhook(a, request(body, {{"Stripe-Signature", "t=" + std::to_string(old) + ",v1=" + old_sig}}),
                           kNow)
                .reason,
            "timestamp outside tolerance (412 s > 300 s)");
  a.tolerance_s = 600;
  EXPECT_TRUE(verify_webhook(a, request(body, {{"Stripe-Signature", "t=" + std::to_string(old) + ",v1=" + old_sig}}),
                             kNow)
                  .ok);
  const std::int64_t future = kNow + 301;
  a.tolerance_s = 300;
  const std::string f_sig = util::hmac_sha256_hex("whsec_abc", std::to_string(future) + "." + body);
  EXPECT_EQ(verify_webhook(a, request(body, {{"Stripe-Signature", "t=" + std::to_string(future) + ",v1=" + f_sig}}),
                           kNow)
                .reason,
            "timestamp outside tolerance (301 s > 300 s)");
}

TEST(Signature, HubSpotV3) {
  const std::string body = R"([{"objectId":1}])";
  auto a = spec(AuthScheme::hubspot_v3, "hs_secret");
  a.public_base_url = "https://hooks.example.com";
  const std::int64_t now = 1700000000;
  const std::string ts = "1700000000123";
  // printf '%s' 'POSThttps://hooks.example.com/v1/sources/hubspot_deals?x=1[{"objectId":1}]1700000000123' \
  //   | openssl dgst -sha256 -hmac hs_secret -binary | base64
  const std::string sig = "rm9Jkhs8pA7t2ybtXUCZZggMlcroN+wnrgxKDGWs8lE=";
  EXPECT_EQ(util::base64_encode(util::hmac_sha256_raw(
                "hs_secret", "POSThttps://hooks.example.com/v1/sources/hubspot_deals?x=1" + body + ts)),
            sig);
  auto req = [&](std::string_view uri, std::string s, std::string t) {
    return request(body, {{"X-HubSpot-Signature-v3", std::move(s)}, {"X-HubSpot-Request-Timestamp", std::move(t)}},
                   uri);
  };
  EXPECT_TRUE(verify_webhook(a, req("/v1/sources/hubspot_deals?x=1", sig, ts), now).ok);
  // A full URL is used as is.
  EXPECT_TRUE(verify_webhook(a, req("https://hooks.example.com/v1/sources/hubspot_deals?x=1", sig, ts), now).ok);
  EXPECT_EQ(verify_webhook(a, req("/v1/sources/hubspot_deals?x=2", sig, ts), now).reason, "signature mismatch");
  // Older than 5 minutes: 1700000000 + 412 s.
  EXPECT_EQ(verify_webhook(a, req("/v1/sources/hubspot_deals?x=1", sig, ts), now + 412).reason,
            "timestamp outside tolerance (412 s > 300 s)");
  EXPECT_EQ(verify_webhook(a, request(body, {{"X-HubSpot-Signature-v3", sig}}), now).reason,
            "missing header X-HubSpot-Request-Timestamp");
  EXPECT_EQ(verify_webhook(a, request(body, {{"X-HubSpot-Request-Timestamp", ts}}), now).reason,
            "missing header X-HubSpot-Signature-v3");
  // HubSpot signs the URI with %3A, %2C, ... decoded; other escapes (%20) stay.
  const std::string q_sig = util::base64_encode(util::hmac_sha256_raw(
      "hs_secret", "POSThttps://hooks.example.com/hook?t=a:b,c%20d" + body + ts));
  EXPECT_TRUE(verify_webhook(a, req("/hook?t=a%3Ab%2cc%20d", q_sig, ts), now).ok);
  EXPECT_TRUE(verify_webhook(a, req("/hook?t=a:b,c%20d", q_sig, ts), now).ok);
  EXPECT_EQ(verify_webhook(a, req("/hook?t=a:b,c d", q_sig, ts), now).reason, "signature mismatch");
  // Method is part of the signed string.
  auto r = req("/v1/sources/hubspot_deals?x=1", sig, ts);
  r.method = "PUT";
  EXPECT_EQ(verify_webhook(a, r, now).reason, "signature mismatch");
}
