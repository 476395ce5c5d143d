// ServerEvent::append_json writes what nlohmann's dump() wrote for the same Meta event (keys sorted, numbers and
// strings formatted alike), for every member and for values of any JSON type.
#include <gtest/gtest.h>

#include "sidetag/destinations/meta/server_event.hpp"
#include "sidetag/event/json_bridge.hpp"
#include "sidetag/util/json_write.hpp"

using namespace sidetag;
using namespace sidetag::destinations::meta;
using nlohmann::json;

namespace {
std::string dump(const json& j) { return util::to_json_text(j); }
}  // namespace

TEST(ServerEvent, MinimalEventMatchesTheDom) {
  ServerEvent e;
  e.event_name = "PageView";
  e.event_time = 1790000000;
  e.action_source = "website";
  e.event_id = "abc";
  json dom = {{"event_name", "PageView"}, {"event_time", 1790000000}, {"action_source", "website"},
              {"event_id", "abc"}, {"user_data", json::object()}};
  EXPECT_EQ(e.to_json(), dump(dom));
}

TEST(ServerEvent, EveryMemberInNlohmannsOrder) {
  event::Arena arena;
  ServerEvent e;
  e.event_name = "Purchase";
  e.event_time = -5;
  e.action_source = "physical_store";
  e.event_id = "id \"quoted\" é";
  e.event_source_url = "https://shop.example/p?x=1&y=ü";
  e.referrer_url = "https://google.com/";
  e.opt_out = false;
  e.user_data.em = {"aa", "bb"};
  e.user_data.ph = {"cc"};
  e.user_data.external_id = {"dd"};
  e.user_data.doby = {"ee"};
  e.user_data.client_ip_address = "81.2.69.160";
  e.user_data.client_user_agent = "Mozilla/5.0";
  e.user_data.fbc = "fb.1.1.abc";
  e.user_data.fbp = "fb.1.1.2";
  e.user_data.anon_id = "anon";
  e.user_data.ctwa_clid = "c";
  e.custom_data.value = event::Value::floating(1234.56);
  e.custom_data.currency = event::Value::string("EUR");
  e.custom_data.contents = event::from_json(json::parse(R"([{"id":"SKU1","quantity":2,"item_price":10.01}])"), arena);
  e.custom_data.num_items = event::Value::integer(2);
  e.custom_data.content_type = event::Value::string("product");
  e.custom_data.status = event::Value::null();
  e.custom_data.extra.push_back({"zeta", event::Value::boolean(true)});
  e.custom_data.extra.push_back({"coupon", event::Value::string("SAVE")});
  e.custom_data.extra.push_back({"content_zzz", event::Value::integer(1)});  // sorts between standard keys
  e.data_processing_options = event::from_json(json::parse(R"(["LDU"])"), arena);
  e.data_processing_options_country = event::Value::integer(1);
  e.data_processing_options_state = event::Value::unsigned_integer(1000);
  e.app_data = event::from_json(json::parse(R"({"extinfo":["i2","x"],"advertiser_tracking_enabled":1})"), arena);
  e.original_event_data = event::from_json(json::parse(R"({"event_name":"Purchase"})"), arena);
  e.attribution_data = event::from_json(json::parse(R"({"attribution_share":"0.3"})"), arena);
  e.messaging_channel = event::Value::string("whatsapp");

  json ud = {{"em", {"aa", "bb"}}, {"ph", {"cc"}}, {"external_id", {"dd"}}, {"doby", {"ee"}},
             {"client_ip_address", "81.2.69.160"}, {"client_user_agent", "Mozilla/5.0"}, {"fbc", "fb.1.1.abc"},
             {"fbp", "fb.1.1.2"}, {"anon_id", "anon"}, {"ctwa_clid", "c"}};
  json cd = {{"value", 1234.56}, {"currency", "EUR"}, {"contents", json::parse(R"([{"id":"SKU1","quantity":2,"item_price":10.01}])")},
             {"num_items", 2}, {"content_type", "product"}, {"status", nullptr}, {"zeta", true}, {"coupon", "SAVE"},
             {"content_zzz", 1}};
  json dom = {{"event_name", "Purchase"}, {"event_time", -5}, {"action_source", "physical_store"},
              {"event_id", "id \"quoted\" é"}, {"event_source_url", "https://shop.example/p?x=1&y=ü"},
              {"referrer_url", "https://google.com/"}, {"opt_out", false}, {"user_data", ud}, {"custom_data", cd},
              {"data_processing_options", {"LDU"}}, {"data_processing_options_country", 1},
              {"data_processing_options_state", 1000u}, {"app_data", json::parse(R"({"extinfo":["i2","x"],"advertiser_tracking_enabled":1})")},
              {"original_event_data", {{"event_name", "Purchase"}}}, {"attribution_data", {{"attribution_share", "0.3"}}},
              {"messaging_channel", "whatsapp"}};
  EXPECT_EQ(e.to_json(), dump(dom));
}

TEST(ServerEvent, UserDataFieldsByName) {
  EXPECT_EQ(user_field_of("client_ip_address"), UserField::client_ip_address);
  EXPECT_FALSE(user_field_of("email"));
  EXPECT_TRUE(is_hashed(UserField::em));
  EXPECT_FALSE(is_hashed(UserField::fbp));
  UserData ud;
  EXPECT_FALSE(ud.any());
  ud.hashes(UserField::zp)->push_back("h");
  EXPECT_EQ(ud.zp.size(), 1u);
  EXPECT_TRUE(ud.any());
  EXPECT_EQ(ud.raw(UserField::em), nullptr);
  *ud.raw(UserField::madid) = "m";
  EXPECT_EQ(ud.madid, "m");
  CustomData cd;
  EXPECT_TRUE(cd.empty());
  *cd.standard("order_id") = event::Value::string("O-1");
  cd.extra.push_back({"plan", event::Value::string("pro")});
  EXPECT_EQ(cd.find("order_id")->as_string(), "O-1");
  EXPECT_EQ(cd.find("plan")->as_string(), "pro");
  EXPECT_EQ(cd.standard("plan"), nullptr);
  EXPECT_FALSE(cd.contains("value"));
}

TEST(ServerEvent, WorkStateLivesOnTheEvent) {
  pipeline::Event ev;
  EXPECT_EQ(find_work(ev), nullptr);
  work(ev).event.event_name = "Lead";
  ASSERT_NE(find_work(ev), nullptr);
  EXPECT_EQ(find_work(ev)->event.event_name, "Lead");
  EXPECT_EQ(&work(ev), find_work(ev));
}
