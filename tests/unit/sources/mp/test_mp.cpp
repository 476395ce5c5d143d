#include <gtest/gtest.h>

#include "sidetag/sources/mp/parse.hpp"

using namespace sidetag::sources::mp;
using nlohmann::json;

namespace {
const std::string kHash = "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3";
}

TEST(MeasurementProtocol, MapsRequestAndEventsIntoEventData) {
  std::string body = R"({"client_id":"123.456","user_id":"u-1","timestamp_micros":1700000000123456,
    "user_properties":{"tier":{"value":"gold"}},
    "user_data":{"sha256_email_address":[")" + kHash + R"("],"sha256_phone_number":")" + kHash + R"(",
      "address":[{"sha256_first_name":")" + kHash + R"(","city":"Berlin","postal_code":"10115","country":"DE"}]},
    "consent":{"ad_user_data":"GRANTED"},
    "events":[{"name":"purchase","params":{"currency":"EUR","value":12.5,"transaction_id":"T1","session_id":"99",
      "items":[{"item_id":"SKU","price":12.5,"quantity":1}],"event_name":"hijack","user_data":{"x":1}}},
      {"name":"page_view","timestamp_micros":1700000001000000}]})";
  auto r = parse(body);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.events.size(), 2u);
  const json& d = r.events[0].event_data;
  EXPECT_EQ(d["event_name"], "purchase");
  EXPECT_EQ(d["client_id"], "123.456");
  EXPECT_EQ(d["user_id"], "u-1");
  EXPECT_EQ(d["event_time"], 1700000000);
  EXPECT_EQ(d["currency"], "EUR");
  EXPECT_EQ(d["transaction_id"], "T1");
  EXPECT_EQ(d["ga_session_id"], "99");
  EXPECT_EQ(d["items"][0]["item_id"], "SKU");
  EXPECT_EQ(d["x-ga-mp2-user_properties"]["tier"], "gold");
  EXPECT_EQ(d["user_data"]["sha256_email_address"], json::array({kHash}));
  EXPECT_EQ(d["user_data"]["address"]["city"], "Berlin");
  EXPECT_FALSE(d["user_data"]["address"].contains("sha256_first_name"));
  EXPECT_TRUE(d["x-sidetag-ud_not_forwardable"].contains("sha256_phone_number"));
  EXPECT_FALSE(d["user_data"].contains("x"));  // params cannot overwrite derived keys
  EXPECT_EQ(r.events[1].event_data["event_time"], 1700000001);
}

TEST(MeasurementProtocol, RejectsMalformedRequests) {
  EXPECT_EQ(parse("").error, "empty body: expected a Measurement Protocol JSON object");
  EXPECT_EQ(parse("[]").error, "body is not a JSON object");
  EXPECT_EQ(parse(R"({"events":[{"name":"x"}]})").error, "client_id (or user_id) is required");
  EXPECT_EQ(parse(R"({"client_id":5,"events":[{"name":"x"}]})").error, "client_id must be a string");
  EXPECT_EQ(parse(R"({"client_id":"c","events":[]})").error, "events must be a non-empty array");
  EXPECT_EQ(parse(R"({"client_id":"c","timestamp_micros":"soon","events":[{"name":"x"}]})").error,
            "timestamp_micros must be an integer");
  auto bad_hash = parse(R"({"client_id":"c","user_id":"u","user_data":{"sha256_email_address":["nothex"]},"events":[{"name":"x"}]})");
  ASSERT_TRUE(bad_hash.ok);
  EXPECT_FALSE(bad_hash.events[0].event_data.contains("user_data"));
  EXPECT_EQ(bad_hash.events[0].notes,
            std::vector<std::string>{"user_data.sha256_email_address[0] dropped: not a 64-character hex SHA-256 digest"});
  std::string many = R"({"client_id":"c","events":[)";
  for (int i = 0; i < 26; ++i) many += std::string(i ? "," : "") + R"({"name":"e"})";
  EXPECT_EQ(parse(many + "]}").error, "too many events: 26 > 25");
  EXPECT_EQ(parse("{\"client_id\":\"\xff\"}").error, "body is not valid UTF-8");
}

TEST(MeasurementProtocol, BadEventsAreRejectedOneByOne) {
  auto r = parse(R"({"client_id":"c","events":[{"name":"ok"},{"params":{}},{"name":"p","params":[1]},5]})");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.events.size(), 4u);
  EXPECT_TRUE(r.events[0].ok);
  EXPECT_EQ(r.events[1].error, "event needs a non-empty string name");
  EXPECT_EQ(r.events[2].error, "params must be an object");
  EXPECT_EQ(r.events[3].error, "event needs a non-empty string name");
}

#include <sstream>

#include "support/fixture.hpp"

TEST(MeasurementProtocol, FixtureSamplesParse) {
  std::istringstream in(sidetag_test::read_fixture("ga4-hits.txt"));
  std::string line;
  std::size_t samples = 0;
  while (std::getline(in, line)) {
    if (line.rfind("POST ", 0) != 0 || line.find("/mp/collect") == std::string::npos) continue;
    std::ostringstream body;
    while (std::getline(in, line) && line.rfind("#== end", 0) != 0) body << line << "\n";
    auto r = parse(body.str());
    ASSERT_TRUE(r.ok) << r.error;
    auto doc = json::parse(body.str());
    ASSERT_EQ(r.events.size(), doc["events"].size());
    for (std::size_t i = 0; i < r.events.size(); ++i) {
      EXPECT_TRUE(r.events[i].ok);
      EXPECT_EQ(r.events[i].event_data["event_name"], doc["events"][i]["name"]);
      EXPECT_EQ(r.events[i].event_data["client_id"], doc["client_id"]);
    }
    ++samples;
  }
  EXPECT_EQ(samples, 2u);
}
