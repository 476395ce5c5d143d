#include <gtest/gtest.h>

#include "sidetag/sources/capi_json/parse.hpp"
#include "sidetag/util/strings.hpp"

using namespace sidetag::sources::capi_json;

TEST(CapiJson, MapsAnEventIntoEventData) {
  auto r = parse(R"({"data":[{"event_name":"Purchase","event_time":1700000000,"event_id":"o-1",
    "action_source":"website","event_source_url":"https://s.example/t","referrer_url":"https://r.example/",
    "user_data":{"em":["A@B.COM","c@d.com"],"ph":"123","client_ip_address":"203.0.113.1","client_user_agent":"UA",
    "fbc":"fb.1.1.abc","fbp":"fb.1.2.3","zp":94107,"external_id":null},
    "custom_data":{"value":1.5,"currency":"usd"},"opt_out":false,"app_data":{"x":1},
    "data_processing_options":["LDU"],"data_processing_options_country":1,"data_processing_options_state":1000}],
    "test_event_code":"TEST1"})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.test_event_code, "TEST1");
  ASSERT_EQ(r.records.size(), 1u);
  const auto& d = r.records[0].event_data;
  EXPECT_EQ(d["event_name"], "Purchase");
  EXPECT_EQ(d["page_location"], "https://s.example/t");
  EXPECT_EQ(d["page_referrer"], "https://r.example/");
  EXPECT_EQ(d["x-fb-ud-em"], nlohmann::json::array({"A@B.COM", "c@d.com"}));
  EXPECT_EQ(d["x-fb-ud-ph"], "123");
  EXPECT_EQ(d["x-fb-ud-zp"], "94107");
  EXPECT_FALSE(d.contains("x-fb-ud-external_id"));
  EXPECT_EQ(d["ip_override"], "203.0.113.1");
  EXPECT_EQ(d["user_agent"], "UA");
  EXPECT_EQ(d["x-fb-ck-fbc"], "fb.1.1.abc");
  EXPECT_EQ(d["x-fb-ck-fbp"], "fb.1.2.3");
  EXPECT_EQ(d["custom_data"]["currency"], "usd");
  EXPECT_EQ(d["opt_out"], false);
  EXPECT_EQ(d["x-fb-app_data"]["x"], 1);
  EXPECT_EQ(d["x-fb-dpo"], nlohmann::json::array({"LDU"}));
  EXPECT_EQ(d["x-fb-dpo_country"], 1);
  EXPECT_EQ(d["x-fb-dpo_state"], 1000);
}

TEST(CapiJson, BadRecordsAreRejectedOneByOne) {
  auto r = parse(R"({"data":[{"event_name":"Lead"},5,{"user_data":"x"},{"event_name":7},{"event_time":true},
    {"user_data":{"em":{"a":1}}},{"custom_data":[1]},{"opt_out":"yes"}]})");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.records.size(), 8u);
  EXPECT_TRUE(r.records[0].ok);
  EXPECT_EQ(r.records[1].error, "event must be a JSON object");
  EXPECT_EQ(r.records[2].error, "user_data must be an object");
  EXPECT_EQ(r.records[3].error, "event_name must be a string");
  EXPECT_EQ(r.records[4].error, "event_time must be a number (Unix seconds) or a string");
  EXPECT_EQ(r.records[5].error, "user_data.em must be a string or a list of strings");
  EXPECT_EQ(r.records[6].error, "custom_data must be an object");
  EXPECT_EQ(r.records[7].error, "opt_out must be true or false");
  EXPECT_EQ(r.records[7].index, 7u);
}

TEST(CapiJson, MalformedRequests) {
  EXPECT_EQ(parse("").error, "empty body: expected {\"data\":[...]}");
  EXPECT_EQ(parse("{").error, "body is not valid JSON");
  EXPECT_EQ(parse("[1]").error, "expected a JSON object {\"data\":[...]}");
  EXPECT_EQ(parse("{}").error, "missing \"data\" array");
  EXPECT_EQ(parse(R"({"data":{}})").error, "missing \"data\" array");
  EXPECT_EQ(parse(R"({"data":[]})").error, "\"data\" is empty");
  EXPECT_EQ(parse("{\"data\":[\"\xff\"]}").error, "body is not valid UTF-8");
  std::string deep = "{\"data\":[" + std::string(100, '[') + std::string(100, ']') + "]}";
  EXPECT_EQ(parse(deep).error, "JSON nested deeper than 32 levels");
  std::string many = "{\"data\":[";
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + "{}";
  many += "]}";
  EXPECT_EQ(parse(many).error, "too many events: 1001 > 1000");
}

TEST(CapiJson, DepthIgnoresBracketsInStrings) {
  EXPECT_EQ(sidetag::util::json_nesting_depth(R"({"a":"[[[[{{{{"})", 32), 1u);
  EXPECT_EQ(sidetag::util::json_nesting_depth(R"({"a":"\"[[["})", 32), 1u);
  EXPECT_EQ(sidetag::util::json_nesting_depth("[[[]]]", 32), 3u);
}
