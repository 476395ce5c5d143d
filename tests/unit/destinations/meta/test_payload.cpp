// Issue 5 items 4-8: custom_data, server event fields, event-name mapping, validation and configurable field
// sources, through the real prep -> assemble -> validate stages with a site's Meta settings.
#include <gtest/gtest.h>

#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/util/crypto.hpp"

using namespace sidetag;
using namespace sidetag::destinations::meta;
using nlohmann::json;

namespace {
constexpr std::int64_t kNow = 1'790'000'000;

sources::mapped::Transform transform(const std::string& text) {
  std::string err;
  auto t = sources::mapped::parse_transform(text, err);
  EXPECT_TRUE(t) << err;
  return *t;
}

double metric_value(const std::string& family, const std::string& labels) {
  const std::string text = observe::metrics().render();
  const std::string prefix = family + "{" + labels + "} ";
  auto pos = text.find(prefix);
  if (pos == std::string::npos) return 0;
  return std::stod(text.substr(pos + prefix.size()));
}

struct Payload : ::testing::Test {
  std::shared_ptr<config::Config> cfg = std::make_shared<config::Config>();
  config::SiteConfig site;
  pipeline::StageContext ctx;
  std::unique_ptr<pipeline::Stage> prep = make_prep_stage(), assemble = make_assemble_stage(),
                                   validate = make_validate_stage();
  void SetUp() override {
    site.id = "shop";
    site.default_region = "GB";
    ctx.config = cfg;
    ctx.site = &site;
    ctx.now_s = kNow;
  }
  pipeline::Event run(json data, const std::string& source = "test") {
    pipeline::Event ev;
    ev.trace.trace_id = "0123456789abcdef0123456789abcdef";
    ev.trace.source = source;
    ev.data = std::move(data);
    for (auto* stage : {prep.get(), assemble.get(), validate.get()}) {
      auto r = stage->run(ev, ctx);
      if (r.outcome == pipeline::Outcome::stopped) {
        ev.stopped = true;
        ev.stop_stage = stage->name();
        ev.stop_reason = r.detail;
        break;
      }
    }
    return ev;
  }
  // Runs and expects the event to pass; returns its payload.
  json ok(json data) {
    auto ev = run(std::move(data));
    EXPECT_FALSE(ev.stopped) << ev.stop_reason;
    return ev.payload;
  }
  std::string reason(json data) {
    auto ev = run(std::move(data));
    EXPECT_TRUE(ev.stopped) << "expected a rejection, payload: " << ev.payload.dump();
    return ev.stop_reason;
  }
};

json web(const std::string& name = "page_view") {
  return {{"event_name", name},
          {"event_time", kNow - 10},
          {"page_location", "https://shop.example/p?id=1"},
          {"user_agent", "Mozilla/5.0"},
          {"ip_override", "203.0.113.9"},
          {"user_data", {{"email_address", "jane@example.com"}}}};
}

json purchase() {
  json d = web("purchase");
  d["value"] = "1.234,56";
  d["currency"] = " gbp ";
  d["transaction_id"] = "T-9";
  d["items"] = json::array({{{"item_id", "SKU1"}, {"item_name", "Tee"}, {"price", "10.01"}, {"quantity", "3"}},
                            {{"item_id", 42}, {"price", 4.5}}});
  return d;
}
}  // namespace

// ---- item 6: event names ----------------------------------------------------------------------------------------

TEST(EventNameTable, SupersetFromThePeers) {
  EXPECT_EQ(map_event_name("gtm.dom"), "PageView");
  EXPECT_EQ(map_event_name("view_content"), "ViewContent");
  EXPECT_EQ(map_event_name("add_shipping_info"), "AddPaymentInfo");
  EXPECT_EQ(map_event_name("customize_product"), "CustomizeProduct");
  EXPECT_EQ(map_event_name("donate"), "Donate");
  EXPECT_EQ(map_event_name("submit_application"), "SubmitApplication");
  EXPECT_EQ(map_event_name("gtm4wp.orderCompletedEEC"), "Purchase");
  EXPECT_EQ(map_event_name("gtm4wp.addProductToCartEEC"), "AddToCart");
  EXPECT_EQ(map_event_name("order completed"), "Purchase");
  EXPECT_EQ(map_event_name("products searched"), "Search");
  EXPECT_EQ(map_event_name("view_item_list"), "view_item_list");  // opt-in only (would inflate ViewContent)
}

TEST(EventNameTable, SiteOverridesExtendAndDrop) {
  config::MetaSiteConfig s;
  s.event_names = {{"my_event", "Lead"}, {"page_view", "drop"}, {"purchase", "OfflinePurchase"}};
  s.drop_events = {"scroll", "ViewContent"};
  auto d = map_event_name("my_event", &s);
  EXPECT_FALSE(d.drop);
  EXPECT_EQ(d.name, "Lead");
  EXPECT_EQ(map_event_name("purchase", &s).name, "OfflinePurchase");  // an override beats the table
  EXPECT_TRUE(map_event_name("page_view", &s).drop);
  EXPECT_EQ(map_event_name("page_view", &s).reason, "event 'page_view' is mapped to drop in sites.<id>.meta.event_names");
  EXPECT_TRUE(map_event_name("scroll", &s).drop);
  EXPECT_EQ(map_event_name("scroll", &s).reason, "event 'scroll' is in sites.<id>.meta.drop");
  // A drop entry naming the Meta event drops every source name mapped to it.
  EXPECT_TRUE(map_event_name("view_item", &s).drop);
  EXPECT_EQ(map_event_name("view_item", &s).reason, "event 'view_item' (ViewContent) is in sites.<id>.meta.drop");
  EXPECT_EQ(map_event_name("add_to_cart", &s).name, "AddToCart");
  EXPECT_EQ(map_event_name("add_to_cart", nullptr).name, "AddToCart");
}

TEST(EventNameTable, CustomNamesAreValidated) {
  EXPECT_EQ(event_name_problem("newsletter_signup"), "");
  EXPECT_EQ(event_name_problem(std::string(50, 'a')), "");
  EXPECT_EQ(event_name_problem(std::string(51, 'a')),
            "event_name '" + std::string(50, 'a') + "...' is longer than Meta's 50 characters");
  EXPECT_EQ(event_name_problem(" lead"), "event_name ' lead' starts or ends with a space");
  EXPECT_EQ(event_name_problem("lead "), "event_name 'lead ' starts or ends with a space");
  EXPECT_EQ(event_name_problem("a\tb"), "event_name contains a control character");
  EXPECT_EQ(event_name_problem(""), "event_name is missing");
}

TEST_F(Payload, DroppedEventsStopInAssembleWithTheReason) {
  site.meta.event_names = {{"page_view", "drop"}};
  auto ev = run(web("page_view"));
  EXPECT_TRUE(ev.stopped);
  EXPECT_EQ(ev.stop_stage, "assemble");
  EXPECT_EQ(ev.stop_reason, "event 'page_view' is mapped to drop in sites.<id>.meta.event_names");
}

TEST_F(Payload, CustomNamesFromDataAreValidated) {
  EXPECT_EQ(ok(web("newsletter_signup"))["event_name"], "newsletter_signup");
  EXPECT_EQ(reason(web(std::string(60, 'x'))), "event_name '" + std::string(50, 'x') + "...' is longer than Meta's 50 characters");
  EXPECT_EQ(reason(web(" signup")), "event_name ' signup' starts or ends with a space");
}

TEST_F(Payload, AnEventMappedToAStandardEventKeepsItsRequiredFields) {
  site.meta.event_names = {{"order_paid", "Purchase"}};
  EXPECT_EQ(reason(web("order_paid")), "Purchase needs value and currency");
  auto d = web("order_paid");
  d["value"] = 5;
  d["currency"] = "EUR";
  EXPECT_EQ(ok(d)["event_name"], "Purchase");
}

// ---- item 4: custom_data ----------------------------------------------------------------------------------------

TEST_F(Payload, PurchaseCustomDataFromGa4Items) {
  json p = ok(purchase());
  const json& cd = p["custom_data"];
  EXPECT_DOUBLE_EQ(cd["value"].get<double>(), 1234.56);  // thousands dot, decimal comma
  EXPECT_EQ(cd["currency"], "GBP");
  EXPECT_EQ(cd["order_id"], "T-9");
  EXPECT_EQ(cd["content_type"], "product");
  EXPECT_EQ(cd["content_ids"], json::array({"SKU1", "42"}));
  ASSERT_EQ(cd["contents"].size(), 2u);
  EXPECT_EQ(cd["contents"][0], json({{"id", "SKU1"}, {"quantity", 3}, {"item_price", 10.01}}));
  EXPECT_EQ(cd["contents"][1], json({{"id", "42"}, {"quantity", 1}, {"item_price", 4.5}}));
  EXPECT_EQ(cd["num_items"], 4);
  EXPECT_FALSE(cd.contains("content_name"));  // two items: no single name
  auto d = purchase();
  d["content_type"] = "product_group";  // the event's own type wins over the default
  EXPECT_EQ(ok(d)["custom_data"]["content_type"], "product_group");
}

TEST_F(Payload, CurrencyIsValidatedAgainstIso4217) {
  EXPECT_TRUE(is_iso4217_currency("EUR"));
  EXPECT_TRUE(is_iso4217_currency("JPY"));
  EXPECT_TRUE(is_iso4217_currency("VED"));
  EXPECT_FALSE(is_iso4217_currency("XYZ"));
  EXPECT_FALSE(is_iso4217_currency("eur"));  // callers uppercase first
  EXPECT_FALSE(is_iso4217_currency("XXX"));
  EXPECT_FALSE(is_iso4217_currency("HRK"));  // withdrawn 2023
  auto d = purchase();
  d["currency"] = "XYZ";
  EXPECT_EQ(reason(d), "currency 'XYZ' is not an ISO 4217 currency code");
  d["currency"] = "EURO";
  EXPECT_EQ(reason(d), "currency must be a 3-letter ISO 4217 code");
  d["currency"] = "usd";
  EXPECT_EQ(ok(d)["custom_data"]["currency"], "USD");
}

TEST_F(Payload, DefaultCurrencyOnlyWhenAValueHasNone) {
  site.meta.default_currency = "EUR";
  auto d = purchase();
  d.erase("currency");
  EXPECT_EQ(ok(d)["custom_data"]["currency"], "EUR");
  EXPECT_FALSE(ok(web())["custom_data"].contains("currency"));  // no value, no currency
}

TEST_F(Payload, StandardCustomDataFields) {
  auto d = web("search");
  d["search_term"] = "red shoes";
  d["predicted_ltv"] = "120,5";
  d["status"] = true;
  d["delivery_category"] = " Home_Delivery ";
  d["content_category"] = "Shoes";
  d["num_items"] = "2";
  json cd = ok(d)["custom_data"];
  EXPECT_EQ(cd["search_string"], "red shoes");
  EXPECT_DOUBLE_EQ(cd["predicted_ltv"].get<double>(), 120.5);
  EXPECT_EQ(cd["status"], "true");
  EXPECT_EQ(cd["delivery_category"], "home_delivery");
  EXPECT_EQ(cd["content_category"], "Shoes");
  EXPECT_EQ(cd["num_items"], 2);
}

TEST_F(Payload, SingleItemEventsDescribeTheirItem) {
  auto d = web("view_item");
  d["items"] = json::array({{{"item_id", "SKU7"}, {"item_name", "Blue Tee"}, {"item_category", "Apparel"}}});
  json cd = ok(d)["custom_data"];
  EXPECT_EQ(cd["content_name"], "Blue Tee");
  EXPECT_EQ(cd["content_category"], "Apparel");
  EXPECT_EQ(cd["content_ids"], json::array({"SKU7"}));
}

TEST_F(Payload, MetaClientCustomDataKeysAreRead) {
  auto d = web("view_item");
  d["x-fb-cd-content_name"] = "From Meta client";
  d["x-fb-cd-content_ids"] = json::array({"A1", "A2"});
  d["x-fb-cd-value"] = 3;
  d["x-fb-cd-currency"] = "eur";
  json cd = ok(d)["custom_data"];
  EXPECT_EQ(cd["content_name"], "From Meta client");
  EXPECT_EQ(cd["content_ids"], json::array({"A1", "A2"}));
  EXPECT_EQ(cd["currency"], "EUR");
}

TEST_F(Payload, ContentsWithoutIdAreLeftOutOrRejected) {
  auto d = purchase();
  d["items"].push_back({{"item_name", "no id"}, {"price", 1}});
  auto ev = run(d);
  ASSERT_FALSE(ev.stopped) << ev.stop_reason;
  EXPECT_EQ(ev.payload["custom_data"]["contents"].size(), 2u);
  EXPECT_NE(std::find(ev.trace.notes.begin(), ev.trace.notes.end(), "custom_data.contents: item 2 left out: no item_id"),
            ev.trace.notes.end());
  // Meta-shaped custom_data from a server source is checked as it is.
  d = purchase();
  d.erase("items");
  d["custom_data"] = {{"value", 5}, {"currency", "EUR"}, {"contents", json::array({{{"quantity", 1}}})}};
  EXPECT_EQ(reason(d), "contents[0] has no id (Meta rejects contents without id)");
  d["custom_data"]["contents"] = json::array({{{"id", "A"}, {"quantity", 1.5}}});
  EXPECT_EQ(reason(d), "contents[0].quantity must be a whole number above 0");
  d["custom_data"]["contents"] = json::array({{{"id", "A"}, {"item_price", "x"}}});
  EXPECT_EQ(reason(d), "contents[0].item_price is not a number");
}

TEST_F(Payload, CustomDataEnumsAndTypesAreValidated) {
  auto d = web();
  d["delivery_category"] = "drone";
  EXPECT_EQ(reason(d), "delivery_category must be one of in_store, curbside, home_delivery");
  d = web();
  d["content_type"] = "sku";
  EXPECT_EQ(reason(d), "content_type must be product or product_group");
  d = web();
  d["value"] = "twelve";
  EXPECT_EQ(reason(d), "value is not a number");
  d = web();
  d["predicted_ltv"] = "lots";
  EXPECT_EQ(reason(d), "predicted_ltv is not a number");
  d = web();
  d["value"] = -3;
  EXPECT_EQ(reason(d), "value is negative");
  for (const char* v : {"in_store", "curbside", "home_delivery"}) EXPECT_TRUE(is_delivery_category(v));
  EXPECT_FALSE(is_delivery_category("Curbside"));
}

TEST_F(Payload, CustomPropertiesAllowList) {
  site.meta.custom_properties = {"coupon", "shipping_tier"};
  auto d = web();
  d["coupon"] = "SUMMER";
  d["shipping_tier"] = 2;
  d["secret_margin"] = 0.4;  // not listed: never sent
  json cd = ok(d)["custom_data"];
  EXPECT_EQ(cd["coupon"], "SUMMER");
  EXPECT_EQ(cd["shipping_tier"], 2);
  EXPECT_FALSE(cd.contains("secret_margin"));
  EXPECT_TRUE(is_standard_custom_data_key("order_id"));
  EXPECT_FALSE(is_standard_custom_data_key("coupon"));
}

// ---- item 5: server event fields --------------------------------------------------------------------------------

TEST_F(Payload, EventIdPreferenceAndSharedIdMetric) {
  const std::string shared = "source=\"ga4-test\",shared=\"true\"", unshared = "source=\"ga4-test\",shared=\"false\"";
  const double s0 = metric_value("sidetag_events_shared_event_id_total", shared);
  const double u0 = metric_value("sidetag_events_shared_event_id_total", unshared);
  site.meta.event_id_keys = {"ecommerce.dedup_id"};
  auto d = web();
  d["event_id"] = "from-ep";
  d["ecommerce"] = {{"dedup_id", "configured"}};
  EXPECT_EQ(run(d, "ga4-test").payload["event_id"], "configured");  // the site's key wins
  d.erase("ecommerce");
  EXPECT_EQ(run(d, "ga4-test").payload["event_id"], "from-ep");
  d.erase("event_id");
  d["x-fb-event_id"] = "from-meta-client";
  EXPECT_EQ(run(d, "ga4-test").payload["event_id"], "from-meta-client");
  EXPECT_EQ(metric_value("sidetag_events_shared_event_id_total", shared), s0 + 3);
  // Without a shared id: the purchase's transaction id, else generated; both count as not shared.
  auto p = purchase();
  auto ev = run(p, "ga4-test");
  EXPECT_EQ(ev.payload["event_id"], "T-9");
  ev = run(web(), "ga4-test");
  EXPECT_EQ(ev.payload["event_id"], ev.trace.trace_id);
  EXPECT_EQ(metric_value("sidetag_events_shared_event_id_total", unshared), u0 + 2);
  // Server-only events are not web events: not counted.
  auto srv = web("Lead");
  srv["action_source"] = "system_generated";
  run(srv, "ga4-test");
  EXPECT_EQ(metric_value("sidetag_events_shared_event_id_total", unshared), u0 + 2);
}

TEST_F(Payload, ActionSourceRules) {
  EXPECT_EQ(ok(web())["action_source"], "website");  // a page URL
  auto d = web("Lead");
  d.erase("page_location");
  EXPECT_EQ(ok(d)["action_source"], "system_generated");
  d["x-fb-app_data"] = {{"advertiser_tracking_enabled", 1}};
  EXPECT_EQ(ok(d)["action_source"], "app");
  site.meta.action_source = "physical_store";
  EXPECT_EQ(ok(d)["action_source"], "physical_store");  // the site's default beats the guess
  d["action_source"] = " Phone_Call ";
  EXPECT_EQ(ok(d)["action_source"], "phone_call");  // the event's own wins, normalized
  d["action_source"] = "fax";
  EXPECT_EQ(reason(d), "action_source 'fax' is not one of Meta's values");
}

TEST_F(Payload, ReferrerUrlAndOptOut) {
  auto d = web();
  d["page_referrer"] = "https://google.com/";
  d["opt_out"] = "true";
  json p = ok(d);
  EXPECT_EQ(p["referrer_url"], "https://google.com/");
  EXPECT_EQ(p["opt_out"], true);
  d["opt_out"] = 0;
  EXPECT_EQ(ok(d)["opt_out"], false);
  d["opt_out"] = "maybe";
  auto ev = run(d);
  EXPECT_FALSE(ev.payload.contains("opt_out"));
  EXPECT_NE(std::find(ev.trace.notes.begin(), ev.trace.notes.end(), "opt_out ignored: not true or false"), ev.trace.notes.end());
}

TEST_F(Payload, LduFromTheSite) {
  site.meta.ldu.enabled = true;
  json p = ok(web());
  EXPECT_EQ(p["data_processing_options"], json::array({"LDU"}));
  EXPECT_EQ(p["data_processing_options_country"], 0);  // no codes configured: Meta geolocates
  EXPECT_EQ(p["data_processing_options_state"], 0);
  site.meta.ldu.country = 1;
  site.meta.ldu.state = 1000;
  p = ok(web());
  EXPECT_EQ(p["data_processing_options_country"], 1);
  EXPECT_EQ(p["data_processing_options_state"], 1000);
  auto d = web();
  d["x-fb-dpo"] = json::array();  // the site's LDU is not switched off by event data
  EXPECT_EQ(ok(d)["data_processing_options"], json::array({"LDU"}));
}

TEST_F(Payload, LduFromEventData) {
  auto d = web();
  d["x-fb-dpo"] = "LDU";
  d["x-fb-dpo_country"] = "US";
  d["x-fb-dpo_state"] = "ca";
  json p = ok(d);
  EXPECT_EQ(p["data_processing_options"], json::array({"LDU"}));
  EXPECT_EQ(p["data_processing_options_country"], 1);
  EXPECT_EQ(p["data_processing_options_state"], 1000);
  d["x-fb-dpo_country"] = "0";
  d["x-fb-dpo_state"] = 0;
  EXPECT_EQ(ok(d)["data_processing_options_country"], 0);
  // No codes in the event: the site's codes complete it; without them the event is rejected.
  d.erase("x-fb-dpo_country");
  d.erase("x-fb-dpo_state");
  EXPECT_EQ(reason(d), "LDU needs data_processing_options_country and _state");
  site.meta.ldu.country = 1;
  site.meta.ldu.state = 1000;
  EXPECT_EQ(ok(d)["data_processing_options_state"], 1000);
  d["x-fb-dpo_state"] = "Texas";
  EXPECT_EQ(reason(d), "data_processing_options_state must be Meta's numeric code (country 1 = USA, state 1000 = "
                       "California, 0 = geolocate)");
  d = web();
  d["x-fb-dpo"] = json::array({"GDPR"});
  EXPECT_EQ(reason(d), "data_processing_options may only contain \"LDU\"");
  d["x-fb-dpo"] = json::array();  // explicitly off: sent as []
  EXPECT_EQ(ok(d)["data_processing_options"], json::array());
}

// ---- item 7: validation ------------------------------------------------------------------------------------------

TEST_F(Payload, TimeWindowAndFutureSkew) {
  auto d = web();
  d["event_time"] = kNow + 50;  // within the 60 s clock skew
  EXPECT_FALSE(run(d).stopped);
  d["event_time"] = kNow + 61;
  EXPECT_EQ(reason(d), "event_time is in the future");
  d["event_time"] = kNow - 7 * 86400 + 5;
  EXPECT_FALSE(run(d).stopped);
  d["event_time"] = kNow - 7 * 86400 - 5;
  EXPECT_EQ(reason(d), "event_time is older than Meta's 7-day window for action_source website");
  d["action_source"] = "physical_store";
  d["event_time"] = kNow - 61 * 86400;
  EXPECT_FALSE(run(d).stopped);
  d["event_time"] = kNow - 63 * 86400;
  EXPECT_EQ(reason(d), "event_time is older than Meta's 62-day window for action_source physical_store");
}

TEST_F(Payload, WebsiteNeedsUrlAndUserAgentAndCustomerInfo) {
  auto d = web();
  d.erase("page_location");
  d["action_source"] = "website";
  EXPECT_EQ(reason(d), "website events need event_source_url");
  d = web();
  d.erase("user_agent");
  EXPECT_EQ(reason(d), "website events need client_user_agent");
  d = {{"event_name", "Lead"}, {"action_source", "system_generated"}, {"user_data", {{"email_address", "broken"}}}};
  EXPECT_EQ(reason(d), "no customer information parameter in user_data");  // the only value was dropped
}

TEST_F(Payload, FbcFbpFormat) {
  auto d = web();
  d["x-fb-ck-fbc"] = "fb.1.1700000000000.IwAR2xYz";
  EXPECT_FALSE(run(d).stopped);
  d["x-fb-ck-fbc"] = "fb.1.1700000000000.IwAR2xYz.AbCdEfGh";  // 8-char appendix
  EXPECT_FALSE(run(d).stopped);
  d["x-fb-ck-fbc"] = "IwAR2xYz";  // a bare fbclid is not an fbc
  EXPECT_EQ(reason(d), "fbc is not in the fb.<n>.<ms>.<id> format");
  d = web();
  d["x-fb-ck-fbp"] = "fb.1.1596403881668.1116446470.ABC";  // appendix of 3
  EXPECT_EQ(reason(d), "fbp is not in the fb.<n>.<ms>.<id> format");
}

// ---- item 8: configurable field sources --------------------------------------------------------------------------

TEST_F(Payload, ConfiguredKeysReplaceTheDefaults) {
  site.meta.user_data["em"].keys = {"customer.mail"};
  auto d = web();  // has user_data.email_address, a default key that is no longer read
  json p = ok(d);
  EXPECT_FALSE(p["user_data"].contains("em"));
  d["customer"] = {{"mail", "Bob@Example.com"}};
  EXPECT_EQ(ok(d)["user_data"]["em"], json::array({util::sha256_hex("bob@example.com")}));
}

TEST_F(Payload, TransformsRunBeforeNormalization) {
  // "Name: Jane Doe" style CRM values: split on space, take the last word, then the normal fn rules.
  site.meta.user_data["ln"] = {{"crm_name"}, {transform("split: :-1")}};
  site.meta.user_data["external_id"] = {{"crm_id"}, {transform("trim"), transform("prefix:crm-")}};
  site.meta.user_data["ph"] = {{}, {transform("split:/:0")}};  // default keys, transform only
  auto d = web();
  d["crm_name"] = "Jane   DOE";
  d["crm_id"] = 1234;
  d["user_data"]["phone_number"] = "07700 900123 / 07700 900999";
  json ud = ok(d)["user_data"];
  EXPECT_EQ(ud["ln"], json::array({util::sha256_hex("doe")}));
  EXPECT_EQ(ud["external_id"], json::array({util::sha256_hex("crm-1234")}));
  EXPECT_EQ(ud["ph"], json::array({util::sha256_hex("447700900123")}));
}

TEST_F(Payload, AFailingTransformDropsTheValueWithANoteWithoutTheValue) {
  site.meta.user_data["ph"] = {{"tel"}, {transform("split:/:1")}};
  auto d = web();
  d["tel"] = "07700900123";  // no '/': index 1 is out of range
  auto ev = run(d);
  ASSERT_FALSE(ev.stopped) << ev.stop_reason;
  EXPECT_FALSE(ev.payload["user_data"].contains("ph"));
  EXPECT_NE(std::find(ev.trace.notes.begin(), ev.trace.notes.end(), "ph: value 0 of tel dropped: transform 'split:/:1' failed"),
            ev.trace.notes.end());
  for (const auto& n : ev.trace.notes) EXPECT_EQ(n.find("07700900123"), std::string::npos) << n;
}

TEST_F(Payload, RawFieldsAreConfigurableToo) {
  site.meta.user_data["client_ip_address"].keys = {"headers.x-real-ip", "ip_override"};
  site.meta.user_data["fbc"] = {{"click_cookie"}, {transform("trim")}};
  auto d = web();
  d["headers"] = {{"x-real-ip", "198.51.100.20"}};
  d["click_cookie"] = "  fb.1.1700000000000.IwAR  ";
  json ud = ok(d)["user_data"];
  EXPECT_EQ(ud["client_ip_address"], "198.51.100.20");
  EXPECT_EQ(ud["fbc"], "fb.1.1700000000000.IwAR");
  d["headers"]["x-real-ip"] = "10.0.0.1";  // private: the next key's public address is used
  EXPECT_EQ(ok(d)["user_data"]["client_ip_address"], "203.0.113.9");
}

TEST_F(Payload, EventCountryFromTheConfiguredCountrySourceCompletesPhones) {
  site.meta.user_data["country"].keys = {"geo.cc"};
  auto d = web();
  d["geo"] = {{"cc", "DE"}};
  d["user_data"]["phone_number"] = "0151 23456789";
  EXPECT_EQ(ok(d)["user_data"]["ph"], json::array({util::sha256_hex("4915123456789")}));
}

TEST_F(Payload, ConfiguredKeysAreWithheldWhenConsentRemovedUserData) {
  // The GA4 source strips the keys it knows; fields read from configured keys must not slip through.
  site.meta.user_data["em"].keys = {"customer.mail"};
  site.meta.user_data["lead_id"].keys = {"crm.lead"};
  auto d = web();
  d.erase("user_data");
  d["customer"] = {{"mail", "bob@example.com"}};
  d["crm"] = {{"lead", "L-1"}};
  d["x-fb-ck-fbp"] = "fb.1.1596403881668.1116446470";
  pipeline::Event ev;
  ev.trace.trace_id = "0123456789abcdef0123456789abcdef";
  ev.data = d;
  ev.data["x-sidetag-user_data_withheld"] = true;  // what the GA4 route sets for forward_without_user_data
  EXPECT_EQ(prep->run(ev, ctx).outcome, pipeline::Outcome::skipped);
  ASSERT_EQ(assemble->run(ev, ctx).outcome, pipeline::Outcome::ok);
  EXPECT_EQ(validate->run(ev, ctx).outcome, pipeline::Outcome::ok);
  const json& ud = ev.payload["user_data"];
  EXPECT_FALSE(ud.contains("em"));
  EXPECT_FALSE(ud.contains("lead_id"));
  EXPECT_EQ(ud["fbp"], "fb.1.1596403881668.1116446470");
  EXPECT_EQ(ud["client_user_agent"], "Mozilla/5.0");
  // Without the consent decision the same event carries both.
  json p = ok(d);
  EXPECT_TRUE(p["user_data"].contains("em"));
  EXPECT_EQ(p["user_data"]["lead_id"], "L-1");
}
