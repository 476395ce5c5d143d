#include <gtest/gtest.h>

#include "sidetag/destinations/meta/graph.hpp"

using namespace sidetag::destinations::meta;

namespace {
std::string err(int code, int subcode = 0, bool transient = false) {
  std::string s = R"({"error":{"message":"m","type":"OAuthException","code":)" + std::to_string(code);
  if (subcode) s += ",\"error_subcode\":" + std::to_string(subcode);
  if (transient) s += ",\"is_transient\":true";
  return s + R"(,"fbtrace_id":"Ftrace"}})";
}
}  // namespace

TEST(GraphClassify, Success) {
  auto r = classify_response(200, R"({"events_received":3,"messages":["w"],"fbtrace_id":"A1"})");
  EXPECT_EQ(r.cls, ResultClass::ok);
  EXPECT_EQ(r.events_received, 3);
  EXPECT_EQ(r.fbtrace_id, "A1");
  EXPECT_EQ(r.messages, std::vector<std::string>{"w"});
}

TEST(GraphClassify, ByCodeNotByType) {
  EXPECT_EQ(classify_response(0, "").cls, ResultClass::transient);
  EXPECT_EQ(classify_response(503, "<html>").cls, ResultClass::transient);
  EXPECT_EQ(classify_response(500, err(1)).cls, ResultClass::transient);
  EXPECT_EQ(classify_response(400, err(2)).cls, ResultClass::transient);
  EXPECT_EQ(classify_response(400, err(100, 0, true)).cls, ResultClass::transient);
  EXPECT_EQ(classify_response(400, err(368)).cls, ResultClass::transient);
  EXPECT_EQ(classify_response(400, err(4)).throttle_scope, "app");
  EXPECT_EQ(classify_response(400, err(17, 2446079)).throttle_scope, "user");
  EXPECT_EQ(classify_response(400, err(32)).throttle_scope, "page");
  EXPECT_EQ(classify_response(400, err(613, 1487742)).throttle_scope, "pixel");
  EXPECT_EQ(classify_response(400, err(80004)).throttle_scope, "business");
  EXPECT_EQ(classify_response(429, "{}").cls, ResultClass::throttle);
  for (int c : {102, 190, 3, 10, 200, 299, 2635}) EXPECT_EQ(classify_response(400, err(c)).cls, ResultClass::config) << c;
  EXPECT_EQ(classify_response(400, err(100, 33)).cls, ResultClass::config);
  auto d = classify_response(400, err(100, 2804050));
  EXPECT_EQ(d.cls, ResultClass::data);
  EXPECT_EQ(d.code, 100);
  EXPECT_EQ(d.subcode, 2804050);
  EXPECT_EQ(d.fbtrace_id, "Ftrace");
}

TEST(GraphClassify, PrefersUserMessage) {
  auto r = classify_response(400, R"({"error":{"message":"Invalid parameter","code":100,"error_user_msg":"insufficient customer information"}})");
  EXPECT_EQ(r.message, "insufficient customer information");
}

TEST(GraphBody, TokenInBodyProofAndRedaction) {
  nlohmann::json e = {{"event_name", "Lead"}};
  BatchRequest req{"EAAtoken", "appsecret", "TEST1", "sidetag"};
  auto body = nlohmann::json::parse(build_body({&e}, req, false));
  EXPECT_EQ(body["access_token"], "EAAtoken");
  EXPECT_EQ(body["appsecret_proof"].get<std::string>().size(), 64u);
  EXPECT_EQ(body["test_event_code"], "TEST1");
  EXPECT_EQ(body["partner_agent"], "sidetag");
  EXPECT_EQ(body["data"][0]["event_name"], "Lead");
  auto red = build_body({&e}, req, true);
  EXPECT_EQ(red.find("EAAtoken"), std::string::npos);
  EXPECT_EQ(events_url("https://graph.facebook.com", "v26.0", "123"), "https://graph.facebook.com/v26.0/123/events");
}

TEST(GraphBody, FromTextEqualsTheDomBody) {
  nlohmann::json a = {{"event_name", "Lead"}, {"event_id", "1"}}, b = {{"event_name", "Purchase"}, {"value", 1.5}};
  const std::string ta = a.dump(), tb = b.dump();
  for (const BatchRequest& req : {BatchRequest{"EAAtoken", "appsecret", "TEST1", "sidetag"}, BatchRequest{}}) {
    auto from_text = nlohmann::json::parse(build_body_from_text({&ta, &tb}, req));
    auto from_dom = nlohmann::json::parse(build_body({&a, &b}, req, false));
    EXPECT_EQ(from_text, from_dom);
  }
  EXPECT_EQ(build_body_from_text({}, BatchRequest{}), "{\"data\":[]}");
}
