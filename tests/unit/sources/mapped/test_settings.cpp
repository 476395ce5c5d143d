// The `type: mapped` schema table (src/sources/mapped/settings.cpp) through the config loader: the shipped examples
// map real-looking records, and every mistake in a mapped source names its own line.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "sidetag/config/config.hpp"
#include "sidetag/sources/mapped/settings.hpp"
#include "sidetag/util/crypto.hpp"

using namespace sidetag::sources::mapped;
using nlohmann::json;
namespace config = sidetag::config;
namespace util = sidetag::util;

namespace {

std::optional<std::string> fake_env(const std::string& name) {
  if (name.rfind("UNSET", 0) == 0) return std::nullopt;
  return "secret-of-" + name;
}

config::LoadResult load(const std::string& text) { return config::load_string(text, "dev", &fake_env); }

std::string all(const config::LoadResult& r) {
  std::string s;
  for (const auto& e : r.errors) s += e + "\n";
  return s;
}

MappingSpec load_example(const std::string& file) {
  std::ifstream in(std::string(SIDETAG_SOURCE_DIR) + "/config/examples/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = load(ss.str());
  EXPECT_TRUE(r.config) << file << ": " << all(r);
  if (!r.config) return {};
  for (const auto& s : r.config->sources) {
    if (s.mapper) return s.mapper->spec();
  }
  ADD_FAILURE() << file << ": no mapped source";
  return {};
}

Mapper compile(const MappingSpec& spec) {
  std::vector<std::string> errors;
  auto m = Mapper::compile(spec, errors, [] { return std::int64_t{1800000000}; });
  EXPECT_TRUE(m) << (errors.empty() ? "" : errors.front());
  if (!m) throw std::runtime_error("compile failed");
  return std::move(*m);
}

// A configuration with one mapped source `crm` whose body is `source` (indented by the caller); its first line is
// line 5 of the file.
config::LoadResult load_source(const std::string& source) {
  return load("meta: {dispatch: sandbox}\nsites:\n  shop: {}\nsources:\n  crm:\n" + source);
}

}  // namespace

TEST(MappedSettings, HubSpotExample) {
  auto spec = load_example("hubspot_deal_webhook.yaml");
  EXPECT_EQ(spec.name, "hubspot_deals");
  EXPECT_EQ(spec.path, "/v1/sources/hubspot_deals");
  EXPECT_EQ(spec.site, "shop");
  EXPECT_EQ(spec.format, SourceFormat::json);
  EXPECT_EQ(spec.auth.scheme, AuthScheme::hubspot_v3);
  EXPECT_EQ(spec.auth.secret, "secret-of-HUBSPOT_APP_SECRET");
  EXPECT_EQ(spec.auth.tolerance_s, 300);
  auto m = compile(spec);
  const std::string body = R"([{"objectId": 42, "occurredAt": 1710513000123, "properties": {
      "dealstage": "closedwon", "email": " Max@Example.com", "amount": "2500.00", "pipeline": "us_pipeline",
      "firstname": "Max", "fb_lead_id": "987654321", "hs_object_id": 42}},
    {"objectId": 43, "occurredAt": 1710513000123, "properties": {"dealstage": "contractsent"}}])";
  // Authenticate the raw body first, as the io layer will.
  const std::string ts = "1710513000123";
  WebhookRequest req;
  req.method = "POST";
  req.uri = "/v1/sources/hubspot_deals";
  req.body = body;
  req.headers = {{"X-HubSpot-Request-Timestamp", ts},
                 {"X-HubSpot-Signature-v3",
                  util::base64_encode(util::hmac_sha256_raw(
                      spec.auth.secret, "POSThttps://hooks.example.com/v1/sources/hubspot_deals" + body + ts))}};
  EXPECT_TRUE(verify_webhook(spec.auth, req, 1710513010).ok);
  auto b = m.map_body(body);
  ASSERT_TRUE(b.ok) << b.error;
  ASSERT_EQ(b.records.size(), 2u);
  ASSERT_TRUE(b.records[0].accepted) << b.records[0].reason;
  const json& d = b.records[0].event_data;
  EXPECT_EQ(d["event_name"], "Purchase");
  EXPECT_EQ(d["event_time"], 1710513000);
  EXPECT_EQ(d["value"], 2500.0);
  EXPECT_EQ(d["currency"], "USD");
  EXPECT_EQ(d["user_data"]["email_address"], "max@example.com");
  EXPECT_EQ(d["user_data"]["address"]["first_name"], "max");
  EXPECT_EQ(d["user_data"]["external_id"], "42");
  EXPECT_EQ(d["x-fb-ud-lead_id"], 987654321);  // Meta's Conversion Leads: lead_id is an integer
  EXPECT_EQ(d["action_source"], "system_generated");
  EXPECT_EQ(d["custom_data"]["event_source"], "crm");
  EXPECT_EQ(d["custom_data"]["lead_event_source"], "HubSpot");
  EXPECT_EQ(d["event_id"], util::sha256_hex("42|closedwon").substr(0, 32));
  EXPECT_FALSE(b.records[1].accepted);
  EXPECT_EQ(b.records[1].reason,
            "record 1: field 'event_name' from '/properties/dealstage': map: value 'contractsent' is not in the map");
}

TEST(MappedSettings, ShopifyExample) {
  auto spec = load_example("shopify_order_webhook.yaml");
  EXPECT_EQ(spec.auth.scheme, AuthScheme::hmac_sha256_base64);
  EXPECT_EQ(spec.auth.header, "X-Shopify-Hmac-Sha256");
  auto m = compile(spec);
  const std::string body = R"({"id": 820982911946154508, "email": "Jon@Example.com",
    "created_at": "2026-11-26T12:00:00+01:00", "processed_at": "2026-11-26T12:00:05+01:00",
    "current_total_price": "129.90", "currency": "eur", "browser_ip": "203.0.113.9",
    "billing_address": {"first_name": "Jon", "last_name": "Snow", "city": "Berlin", "zip": "10115",
                        "province_code": "BE", "country_code": "DE", "phone": "+49 30 123456"},
    "customer": {"id": 115310627314723954},
    "client_details": {"user_agent": "Mozilla/5.0"},
    "line_items": [{"sku": "SKU-1", "title": "Hoodie", "price": "99.90", "quantity": 1},
                   {"product_id": 632910392, "title": "Socks", "price": "15.00", "quantity": 2}]})";
  WebhookRequest req;
  req.method = "POST";
  req.uri = "/v1/sources/shopify_orders";
  req.body = body;
  req.headers = {{"X-Shopify-Hmac-Sha256", util::base64_encode(util::hmac_sha256_raw(spec.auth.secret, body))}};
  EXPECT_TRUE(verify_webhook(spec.auth, req, 0).ok);
  auto b = m.map_body(body);
  ASSERT_TRUE(b.ok) << b.error;
  ASSERT_EQ(b.records.size(), 1u);
  ASSERT_TRUE(b.records[0].accepted) << b.records[0].reason;
  const json& d = b.records[0].event_data;
  EXPECT_EQ(d["event_name"], "Purchase");
  EXPECT_EQ(d["event_id"], "shopify-order-820982911946154508");
  EXPECT_EQ(d["event_time"], 1795690805);  // date -u -d '2026-11-26T12:00:05+01:00' +%s
  EXPECT_EQ(d["value"], 129.9);
  EXPECT_EQ(d["currency"], "EUR");
  EXPECT_EQ(d["transaction_id"], "820982911946154508");
  EXPECT_EQ(d["user_data"]["address"]["country"], "de");
  EXPECT_EQ(d["user_data"]["phone_number"], "+49 30 123456");
  EXPECT_EQ(d["ip_override"], "203.0.113.9");
  EXPECT_EQ(d["items"], json::parse(R"([{"item_id":"SKU-1","item_name":"Hoodie","price":99.9,"quantity":1},
      {"item_id":"632910392","item_name":"Socks","price":15.0,"quantity":2}])"));
}

TEST(MappedSettings, CallTrackingExample) {
  auto spec = load_example("call_tracking_webhook.yaml");
  EXPECT_EQ(spec.format, SourceFormat::ndjson);
  EXPECT_EQ(spec.auth.scheme, AuthScheme::hmac_sha256_hex);
  EXPECT_EQ(spec.auth.prefix, "sha256=");
  EXPECT_EQ(spec.auth.timestamp_header, "X-Timestamp");
  auto m = compile(spec);
  const std::string body =
      R"({"call": {"id": "c-1", "outcome": "Qualified", "started_at": "2024-07-01 12:00:00", "duration": "95"}, "caller": {"number": "+4930123456", "city": "Berlin"}, "session": {"fbc": "fb.1.1710513000.abc"}})"
      "\n"
      R"({"call": {"id": "c-2", "outcome": "missed", "started_at": "2024-07-01 12:00:00"}, "caller": {}})"
      "\n";
  auto b = m.map_body(body);
  ASSERT_TRUE(b.ok) << b.error;
  ASSERT_EQ(b.records.size(), 2u);
  ASSERT_TRUE(b.records[0].accepted) << b.records[0].reason;
  const json& d = b.records[0].event_data;
  EXPECT_EQ(d["event_name"], "Lead");
  EXPECT_EQ(d["event_time"], 1719828000);  // Europe/Berlin, CEST
  EXPECT_EQ(d["action_source"], "phone_call");
  EXPECT_EQ(d["x-fb-ck-fbc"], "fb.1.1710513000.abc");
  EXPECT_EQ(d["custom_data"]["call_duration_s"], 95);
  EXPECT_EQ(d["event_id"], util::sha256_hex("c-1").substr(0, 32));
  EXPECT_FALSE(b.records[1].accepted);
  EXPECT_EQ(b.records[1].reason, "line 2: field 'user_data.phone_number': no value (required; tried '/caller/number')");
}

TEST(MappedSettings, PosCsvExample) {
  auto spec = load_example("pos_csv_export.yaml");
  EXPECT_EQ(spec.format, SourceFormat::csv);
  EXPECT_EQ(spec.delimiter, ';');
  EXPECT_EQ(spec.auth.scheme, AuthScheme::none);
  auto m = compile(spec);
  std::istringstream in(
      "store_id;receipt_no;sold_at;total;currency;email;phone;customer_name;zip;loyalty_id;sku;product;unit_price;"
      "qty;cashier\n"
      "1001;4711;31.12.2026 18:05;1.234,56;;Anna@Example.de;;Anna Maria Schmidt;10115;L-1;SKU1;Mug;1.234,56;1;Bob\n"
      "1002;4712;31.13.2026 18:05;5;;;;;;;SKU2;Cup;5;1;Bob\n");
  std::vector<RecordResult> rows;
  ASSERT_EQ(m.map_csv_stream(in, [&](RecordResult&& r) { rows.push_back(std::move(r)); }), "");
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(rows[0].accepted) << rows[0].reason;
  const json& d = rows[0].event_data;
  EXPECT_EQ(d["event_name"], "Purchase");
  EXPECT_EQ(d["event_time"], 1798736700);
  EXPECT_EQ(d["value"], 1234.56);
  EXPECT_EQ(d["currency"], "EUR");  // const fallback for the empty cell
  EXPECT_EQ(d["transaction_id"], "pos-4711");
  EXPECT_EQ(d["user_data"]["address"]["first_name"], "anna");
  EXPECT_EQ(d["user_data"]["address"]["last_name"], "schmidt");
  EXPECT_EQ(d["user_data"]["address"]["country"], "de");
  EXPECT_EQ(d["user_data"]["external_id"], util::sha256_hex("L-1"));
  EXPECT_EQ(d["custom_data"]["store"], "berlin");
  EXPECT_EQ(d["event_id"], util::sha256_hex("1001|4711").substr(0, 32));
  EXPECT_EQ(d["items"], json::parse(R"([{"item_id":"SKU1","item_name":"Mug","price":1234.56,"quantity":1}])"));
  EXPECT_FALSE(rows[1].accepted);
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_NE(rows[1].reason.find("line 3: field 'event_time' from column 'sold_at'"), std::string::npos)
      << rows[1].reason;
  EXPECT_NE(rows[1].reason.find("month 13 out of range"), std::string::npos) << rows[1].reason;
}

TEST(MappedSettings, EveryMistakeNamesItsOwnLine) {
  auto r = load_source(
      "    type: mapped\n"                                   // 6
      "    site: shop\n"                                     // 7
      "    auth: { scheme: none }\n"                         // 8
      "    action_source: website\n"                         // 9
      "    max_depth: deep\n"                                // 10
      "    evnt_name: Purchase\n"                            // 11
      "    event_name: { from: /stage, on_error: maybe }\n"  // 12
      "    fields:\n"                                        // 13
      "      value: { from: /amount, transfroms: [number] }\n"  // 14
      "      currency: [EUR]\n"                              // 15
      "      user_data.email_address: { required: yes, from: /e }\n"  // 16
      "      event_time:\n"                                  // 17
      "        from: /t\n"                                   // 18
      "        transforms: [trim, numbr]\n");                // 19
  const std::string e = all(r);
  EXPECT_FALSE(r.config);
  EXPECT_NE(e.find("sources.crm.max_depth (line 10): expected an integer, got 'deep'"), std::string::npos) << e;
  EXPECT_NE(e.find("sources.crm.evnt_name (line 11): unknown key 'evnt_name' (did you mean 'event_name'?)"),
            std::string::npos) << e;
  EXPECT_NE(e.find("sources.crm.event_name.on_error (line 12): must be one of: reject, drop (got 'maybe')"),
            std::string::npos) << e;
  EXPECT_NE(e.find("sources.crm.fields.value.transfroms (line 14): unknown key 'transfroms' (did you mean "
                   "'transforms'?)"), std::string::npos) << e;
  EXPECT_NE(e.find("sources.crm.fields.currency (line 15): expected a mapping"), std::string::npos) << e;
  EXPECT_NE(e.find("sources.crm.fields.user_data.email_address.required (line 16): expected true or false, got "
                   "'yes'"), std::string::npos) << e;
  EXPECT_NE(e.find("sources.crm.fields.event_time.transforms[1] (line 19): 'numbr' is not a transform (did you "
                   "mean 'number'?"), std::string::npos) << e;
  EXPECT_EQ(r.errors.size(), 7u) << e;
}

TEST(MappedSettings, FormatAuthAndDelimiterErrors) {
  auto r = load_source("    type: mapped\n    format: xml\n    auth: { scheme: md5, secret: x }\n"
                       "    event_name: Lead\n    action_source: website\n");
  std::string e = all(r);
  EXPECT_NE(e.find("sources.crm.format (line 7): must be one of: json, ndjson, csv (got 'xml')"), std::string::npos)
      << e;
  EXPECT_NE(e.find("sources.crm.auth.scheme (line 8): must be one of: none, bearer, hmac_sha256_base64, "
                   "hmac_sha256_hex, stripe, hubspot_v3 (got 'md5')"), std::string::npos) << e;
  r = load_source("    type: mapped\n    auth: { scheme: stripe }\n    event_name: Lead\n    action_source: website\n");
  e = all(r);
  EXPECT_NE(e.find("sources.crm.auth.secret (line 7): required value is missing (scheme stripe)"), std::string::npos)
      << e;
  r = load_source("    type: mapped\n    event_name: Lead\n    action_source: website\n");
  e = all(r);
  EXPECT_NE(e.find("sources.crm.auth (line 5): missing (use `auth: { scheme: none }`"), std::string::npos) << e;
  r = load_source("    type: mapped\n    auth: { scheme: hmac_sha256_hex, secret: k }\n    event_name: Lead\n"
                  "    action_source: website\n");
  e = all(r);
  EXPECT_NE(e.find("sources.crm.auth.header (line 7): required for hmac_sha256_hex"), std::string::npos) << e;
  r = load_source("    type: mapped\n    format: csv\n    delimiter: \"||\"\n    event_name: Lead\n"
                  "    action_source: website\n");
  e = all(r);
  EXPECT_NE(e.find("sources.crm.delimiter (line 8): expected one character such as ',', ';' or '\\t'"),
            std::string::npos) << e;
  r = load_source("    type: mapped\n    auth: { scheme: stripe, secret: \"${UNSET}\" }\n    event_name: Lead\n"
                  "    action_source: website\n");
  e = all(r);
  EXPECT_NE(e.find("sources.crm.auth.secret (line 7): environment variable UNSET is not set"), std::string::npos) << e;
}

TEST(MappedSettings, ConstantsKeepTheirYamlType) {
  auto r = load_source("    type: mapped\n    format: csv\n    delimiter: \"\\t\"\n    site: shop\n"
                       "    event_name: Lead\n    action_source: website\n    fields:\n"
                       "      value: { const: 12.5 }\n      custom_data.n: { const: 7 }\n"
                       "      custom_data.s: { const: \"7\" }\n      custom_data.b: { const: true }\n"
                       "      user_data.email_address: email\n      event_time: { from: t }\n");
  ASSERT_TRUE(r.config) << all(r);
  const auto& spec = r.config->sources.at(0).mapper->spec();
  EXPECT_EQ(spec.delimiter, '\t');
  ASSERT_EQ(spec.fields.size(), 6u);
  EXPECT_EQ(spec.fields[0].from.at(0).value, 12.5);
  EXPECT_EQ(spec.fields[1].from.at(0).value, 7);
  EXPECT_EQ(spec.fields[2].from.at(0).value, "7");
  EXPECT_EQ(spec.fields[3].from.at(0).value, true);
  EXPECT_EQ(spec.fields[4].from.at(0).path, "email");  // scalar shorthand = from
  ASSERT_TRUE(spec.event_name);
  EXPECT_EQ(spec.event_name->from.at(0).value, "Lead");
}

TEST(MappedSettings, TransformProblems) {
  EXPECT_EQ(transform_problem("trim"), "");
  EXPECT_EQ(transform_problem("split: :0"), "");
  EXPECT_NE(transform_problem("numbr").find("is not a transform (did you mean 'number'?)"), std::string::npos);
  EXPECT_NE(transform_problem("split:x").find("is not a valid transform: transform 'split' needs"), std::string::npos);
}
