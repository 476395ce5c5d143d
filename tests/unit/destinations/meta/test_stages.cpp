#include <gtest/gtest.h>

#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/util/crypto.hpp"

using namespace sidetag;
using namespace sidetag::destinations::meta;
using nlohmann::json;

namespace {
constexpr std::int64_t kNow = 1'790'000'000;

struct Collect : DispatchSink {
  std::vector<DispatchItem> items;
  bool submit(DispatchItem item, std::string&) override {
    items.push_back(std::move(item));
    return true;
  }
};

struct Fixture : ::testing::Test {
  std::shared_ptr<config::Config> cfg = std::make_shared<config::Config>();
  config::SiteConfig site;
  pipeline::StageContext ctx;
  void SetUp() override {
    site.id = "shop";
    site.default_region = "GB";
    site.pixels.push_back({"123", "EAAtoken", "", "TEST1"});
    ctx.config = cfg;
    ctx.site = &site;
    ctx.now_s = kNow;
  }
  pipeline::Event run_all(json data) {
    pipeline::Event ev;
    ev.trace.trace_id = "0123456789abcdef0123456789abcdef";
    ev.data = std::move(data);
    for (auto* stage : {prep.get(), assemble.get(), validate.get()}) {
      auto r = stage->run(ev, ctx);
      if (r.outcome == pipeline::Outcome::stopped) {
        ev.stopped = true;
        ev.stop_reason = r.detail;
        break;
      }
    }
    return ev;
  }
  std::unique_ptr<pipeline::Stage> prep = make_prep_stage(), assemble = make_assemble_stage(),
                                   validate = make_validate_stage();
};

json web_event() {
  return {{"event_name", "purchase"},
          {"event_time", kNow - 10},
          {"page_location", "https://shop.example/thanks?x=1"},
          {"user_agent", "Mozilla/5.0"},
          {"ip_override", "203.0.113.9"},
          {"x-fb-ck-fbp", "fb.1.1596403881668.1116446470"},
          {"user_data", {{"email_address", " Jane@Example.COM "}, {"phone_number", "07700 900123"}}},
          {"value", "49,90"},
          {"currency", "eur"},
          {"transaction_id", "T-1"},
          {"items", json::array({{{"item_id", "SKU1"}, {"price", 20}, {"quantity", 2}},
                                 {{"item_name", "no id"}, {"price", 9.9}},
                                 {{"item_id", "SKU2"}, {"price", "9.90"}}})}};
}
}  // namespace

TEST(EventNames, Ga4ToMeta) {
  EXPECT_EQ(map_event_name("page_view"), "PageView");
  EXPECT_EQ(map_event_name("purchase"), "Purchase");
  EXPECT_EQ(map_event_name("view_search_results"), "Search");
  EXPECT_EQ(map_event_name("Purchase"), "Purchase");
  EXPECT_EQ(map_event_name("my_custom"), "my_custom");
  EXPECT_TRUE(is_standard_event("CompleteRegistration"));
  EXPECT_FALSE(is_standard_event("page_view"));
}

TEST(EventTime, UnitsAndIso) {
  std::int64_t t = 0;
  EXPECT_TRUE(to_unix_seconds(1700000000, t));
  EXPECT_EQ(t, 1700000000);
  EXPECT_TRUE(to_unix_seconds(1700000000123LL, t));
  EXPECT_EQ(t, 1700000000);
  EXPECT_TRUE(to_unix_seconds("1700000000", t));
  EXPECT_EQ(t, 1700000000);
  EXPECT_TRUE(to_unix_seconds("2023-11-14T22:13:20Z", t));
  EXPECT_EQ(t, 1700000000);
  EXPECT_TRUE(to_unix_seconds("2023-11-14T23:13:20+01:00", t));
  EXPECT_EQ(t, 1700000000);
  EXPECT_TRUE(to_unix_seconds("2023-11-14", t));
  EXPECT_EQ(t, 1699920000);
  EXPECT_FALSE(to_unix_seconds("yesterday", t));
  EXPECT_FALSE(to_unix_seconds(json(nullptr), t));
  EXPECT_FALSE(to_unix_seconds(-5, t));
}

TEST(Lookup, FlatThenNested) {
  json d = {{"user_data.x", 1}, {"user_data", {{"address", {{"city", "Paris"}}}}}};
  EXPECT_EQ(*lookup(d, "user_data.x"), 1);
  EXPECT_EQ(*lookup(d, "user_data.address.city"), "Paris");
  EXPECT_EQ(lookup(d, "user_data.address.zip"), nullptr);
  EXPECT_EQ(lookup(d, "nope"), nullptr);
}

TEST(Lookup, ScopeFilterNeverHidesAKey) {
  // Every key of a realistic event (and absent ones) must be found the same way with and without the filter.
  json d = {{"user_data.x", 1}, {"user_data", {{"address", {{"city", "Paris"}}}, {"email", "a@b.co"}}},
            {"x-fb-ud-em", "e"}, {"x-fb-ck-fbp", "fb.1.2.3"}, {"client_id", "1.2"}, {"items", json::array()},
            {"value", 12.5}, {"nothing", nullptr}};
  for (int i = 0; i < 300; ++i) d["x-ga-param_" + std::to_string(i)] = i;  // enough keys for filter collisions
  std::vector<std::string> keys = {"user_data.x", "user_data.address.city", "user_data.email", "user_data.phone",
                                   "user_data", "x-fb-ud-em", "x-fb-ud-ph", "x-fb-ck-fbp", "client_id", "items",
                                   "value", "nothing", "nope", "nope.deeper", "", ".", "user_data.", "x-ga-param_7"};
  for (int i = 0; i < 600; ++i) keys.push_back("x-ga-param_" + std::to_string(i));
  std::vector<const json*> without;
  for (const auto& k : keys) without.push_back(lookup(d, k));
  {
    const LookupScope scope(d);
    for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(lookup(d, keys[i]), without[i]) << keys[i];
    const json other = {{"nope", 1}};
    EXPECT_EQ(*lookup(other, "nope"), 1) << "the filter is only for the object it was built from";
  }
  EXPECT_EQ(*lookup(d, "x-ga-param_7"), 7);
}

TEST_F(Fixture, WebPurchaseBecomesAValidMetaEvent) {
  auto ev = run_all(web_event());
  ASSERT_FALSE(ev.stopped) << ev.stop_reason;
  const json& p = ev.payload;
  EXPECT_EQ(p["event_name"], "Purchase");
  EXPECT_EQ(p["event_time"], kNow - 10);
  EXPECT_EQ(p["event_id"], "T-1");  // purchases fall back to the transaction id
  EXPECT_EQ(p["action_source"], "website");
  EXPECT_EQ(p["event_source_url"], "https://shop.example/thanks?x=1");
  EXPECT_EQ(p["user_data"]["em"], json::array({util::sha256_hex("jane@example.com")}));
  // The site's default region completes the national UK number.
  EXPECT_EQ(p["user_data"]["ph"], json::array({util::sha256_hex("447700900123")}));
  EXPECT_EQ(p["user_data"]["client_user_agent"], "Mozilla/5.0");
  EXPECT_EQ(p["user_data"]["client_ip_address"], "203.0.113.9");
  EXPECT_EQ(p["user_data"]["fbp"], "fb.1.1596403881668.1116446470");
  EXPECT_DOUBLE_EQ(p["custom_data"]["value"].get<double>(), 49.9);
  EXPECT_EQ(p["custom_data"]["currency"], "EUR");
  EXPECT_EQ(p["custom_data"]["order_id"], "T-1");
  EXPECT_EQ(p["custom_data"]["content_ids"], json::array({"SKU1", "SKU2"}));
  EXPECT_EQ(p["custom_data"]["contents"].size(), 2u);  // the item without an id is left out
  EXPECT_EQ(p["custom_data"]["contents"][0]["quantity"], 2);
  EXPECT_EQ(p["custom_data"]["num_items"], 3);
}

TEST_F(Fixture, UnnormalizableValuesAreDroppedWithAReason) {
  auto data = web_event();
  data["user_data"]["email_address"] = "not-an-email";
  auto ev = run_all(data);
  ASSERT_FALSE(ev.stopped) << ev.stop_reason;
  EXPECT_FALSE(ev.payload["user_data"].contains("em"));
  ASSERT_FALSE(ev.trace.notes.empty());
  EXPECT_EQ(ev.trace.notes[0].rfind("em: value 0:", 0), 0u) << ev.trace.notes[0];
  for (const auto& n : ev.trace.notes) EXPECT_EQ(n.find("not-an-email"), std::string::npos) << "no raw PII in notes";
}

TEST_F(Fixture, ValidationReasons) {
  auto check = [&](json data, const std::string& reason) {
    auto ev = run_all(std::move(data));
    EXPECT_TRUE(ev.stopped);
    EXPECT_EQ(ev.stop_reason, reason);
  };
  auto d = web_event();
  d["value"] = 0;
  check(d, "Purchase with value 0 (set sites.<id>.allow_zero_value_purchase for free orders)");
  site.allow_zero_value_purchase = true;
  EXPECT_FALSE(run_all(d).stopped);
  d = web_event();
  d.erase("currency");
  check(d, "Purchase needs value and currency");
  d = web_event();
  d["currency"] = "EURO";
  check(d, "currency must be a 3-letter ISO 4217 code");
  d = web_event();
  d["event_time"] = kNow - 8 * 86400;
  check(d, "event_time is older than Meta's 7-day window for action_source website");
  d["action_source"] = "physical_store";
  EXPECT_FALSE(run_all(d).stopped);
  d = web_event();
  d["event_time"] = kNow + 3600;
  check(d, "event_time is in the future");
  d = web_event();
  d.erase("user_agent");
  check(d, "website events need client_user_agent");
  d = web_event();
  d["x-fb-ck-fbp"] = "fb.1.notdigits.123";
  check(d, "fbp is not in the fb.<n>.<ms>.<id> format");
  d = {{"event_name", "Lead"}, {"event_time", kNow}, {"action_source", "system_generated"}};
  check(d, "no customer information parameter in user_data");
  d = {{"event_name", "Lead"}, {"action_source", "radio"}, {"x-fb-ud-em", "a@b.co"}};
  check(d, "action_source 'radio' is not one of Meta's values");
  d = {{"event_name", "Lead"}, {"action_source", "system_generated"}, {"x-fb-ud-em", "a@b.co"}, {"x-fb-dpo", {"LDU"}}};
  check(d, "LDU needs data_processing_options_country and _state");
}

TEST_F(Fixture, EventIdPreferenceAndStability) {
  auto d = web_event();
  d["event_id"] = "shared-with-pixel";
  EXPECT_EQ(run_all(d).payload["event_id"], "shared-with-pixel");
  d = web_event();
  d["event_name"] = "page_view";
  auto ev = run_all(d);
  EXPECT_EQ(ev.payload["event_id"], ev.trace.trace_id);  // generated once; retries reuse the payload
}

TEST_F(Fixture, DispatchQueuesOneItemPerPixel) {
  site.pixels.push_back({"456", "EAAother", "", ""});
  Collect sink;
  auto dispatch = make_dispatch_stage(sink);
  auto ev = run_all(web_event());
  auto r = dispatch->run(ev, ctx);
  EXPECT_EQ(r.outcome, pipeline::Outcome::ok);
  ASSERT_EQ(sink.items.size(), 2u);
  EXPECT_EQ(sink.items[0].pixel_id, "123");
  EXPECT_EQ(sink.items[0].test_event_code, "TEST1");
  EXPECT_EQ(sink.items[1].access_token, "EAAother");
  site.pixels.clear();
  EXPECT_EQ(dispatch->run(ev, ctx).detail, "site has no Meta pixel configured");
}
