#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "sidetag/sources/mapped/spec_yaml.hpp"
#include "sidetag/util/crypto.hpp"

using namespace sidetag::sources::mapped;
using nlohmann::json;
namespace util = sidetag::util;

namespace {

EnvLookup fake_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "UNSET") return std::nullopt;
    return "secret-of-" + name;
  };
}

MappingSpec load_example(const std::string& file) {
  YAML::Node root = YAML::LoadFile(std::string(SIDETAG_SOURCE_DIR) + "/config/examples/" + file);
  std::vector<std::string> errors;
  auto specs = mapped_sources_from_yaml(root, errors, fake_env());
  EXPECT_TRUE(errors.empty()) << file << ": " << (errors.empty() ? "" : errors.front());
  EXPECT_EQ(specs.size(), 1u) << file;
  if (specs.empty()) return {};
  return specs.front();
}

Mapper compile(const MappingSpec& spec) {
  std::vector<std::string> errors;
  auto m = Mapper::compile(spec, errors, [] { return std::int64_t{1800000000}; });
  EXPECT_TRUE(m) << (errors.empty() ? "" : errors.front());
  if (!m) throw std::runtime_error("compile failed");
  return std::move(*m);
}

std::vector<std::string> yaml_errors(const std::string& text) {
  std::vector<std::string> errors;
  mapping_spec_from_yaml(YAML::Load(text), errors, fake_env());
  return errors;
}

}  // namespace

TEST(SpecYaml, HubSpotExample) {
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
  EXPECT_EQ(d["x-fb-ud-lead_id"], "987654321");
  EXPECT_EQ(d["action_source"], "system_generated");
  EXPECT_EQ(d["custom_data"]["event_source"], "crm");
  EXPECT_EQ(d["lead_event_source"], "HubSpot");
  EXPECT_EQ(d["event_id"], util::sha256_hex("42|closedwon").substr(0, 32));
  EXPECT_FALSE(b.records[1].accepted);
  EXPECT_EQ(b.records[1].reason,
            "record 1: field 'event_name' from '/properties/dealstage': map: value 'contractsent' is not in the map");
}

TEST(SpecYaml, ShopifyExample) {
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

TEST(SpecYaml, CallTrackingExample) {
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

TEST(SpecYaml, PosCsvExample) {
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

TEST(SpecYaml, ErrorsCarryLineNumbers) {
  const std::string text =
      "name: crm\n"                                 // 1
      "type: mapped\n"                              // 2
      "format: xml\n"                               // 3
      "auth: { scheme: md5, secret: x }\n"          // 4
      "action_source: website\n"                    // 5
      "colour: blue\n"                              // 6
      "event_name: { from: /stage, on_error: maybe }\n"  // 7
      "fields:\n"                                   // 8
      "  value: { from: /amount, transfroms: [number] }\n"  // 9
      "  currency: [EUR]\n"                         // 10
      "  user_data.email_address: { required: yes, from: /e }\n";  // 11
  auto errors = yaml_errors(text);
  const std::vector<std::string> expected = {
      "crm: line 6: colour: unknown key (known: name, type, path, format, records, delimiter, max_depth, auth, site, "
      "action_source, event_name, event_id, fields, maps)",
      "crm: line 3: format: expected json, ndjson or csv, got 'xml'",
      "crm: line 4: auth.scheme: expected none, bearer, hmac_sha256_base64, hmac_sha256_hex, stripe or hubspot_v3, "
      "got 'md5'",
      "crm: line 7: event_name.on_error: expected reject or drop, got 'maybe'",
      "crm: line 9: value.transfroms: unknown key (known: from, const, transforms, map, required, on_error, each)",
      "crm: line 10: currency: expected a mapping {from, const, transforms, map, required, on_error, each} or a path",
      "crm: line 11: user_data.email_address.required: expected true or false",
  };
  EXPECT_EQ(errors, expected);
}

TEST(SpecYaml, SecretsAndMisc) {
  auto errors = yaml_errors("name: s\ntype: mapped\nauth:\n  scheme: stripe\n  secret: \"${UNSET}\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "s: line 5: auth.secret: environment variable UNSET is not set");
  EXPECT_EQ(yaml_errors("name: s\nauth: { scheme: stripe }\n"),
            (std::vector<std::string>{"s: line 2: auth.secret: missing"}));
  EXPECT_EQ(yaml_errors("name: s\nformat: json\n"),
            (std::vector<std::string>{
                "s: line 1: auth: missing (use `auth: { scheme: none }` to accept unauthenticated webhooks)"}));
  EXPECT_EQ(yaml_errors("name: s\nauth: { scheme: hmac_sha256_hex, secret: k }\n"),
            (std::vector<std::string>{"s: line 2: auth.header: required for hmac_sha256_hex"}));
  EXPECT_EQ(yaml_errors("name: s\nformat: csv\ndelimiter: \"||\"\n"),
            (std::vector<std::string>{"s: line 3: delimiter: expected one character such as ',', ';' or '\\t'"}));
  // Constants keep their YAML type; quoted stays a string.
  std::vector<std::string> errs;
  auto spec = mapping_spec_from_yaml(
      YAML::Load("name: s\nformat: csv\ndelimiter: \"\\t\"\nevent_name: Lead\naction_source: website\nfields:\n"
                 "  value: { const: 12.5 }\n  custom_data.n: { const: 7 }\n  custom_data.s: { const: \"7\" }\n"
                 "  custom_data.b: { const: true }\n  user_data.email_address: email\n"),
      errs, fake_env());
  ASSERT_TRUE(errs.empty()) << errs.front();
  EXPECT_EQ(spec.delimiter, '\t');
  ASSERT_EQ(spec.fields.size(), 5u);
  EXPECT_EQ(spec.fields[0].from.at(0).value, 12.5);
  EXPECT_EQ(spec.fields[1].from.at(0).value, 7);
  EXPECT_EQ(spec.fields[2].from.at(0).value, "7");
  EXPECT_EQ(spec.fields[3].from.at(0).value, true);
  EXPECT_EQ(spec.fields[4].from.at(0).path, "email");  // scalar shorthand = from
  ASSERT_TRUE(spec.event_name);
  EXPECT_EQ(spec.event_name->from.at(0).value, "Lead");
  // Without an env lookup ${...} stays literal (config check without secrets).
  errs.clear();
  auto raw = mapping_spec_from_yaml(YAML::Load("name: s\nauth: { scheme: bearer, secret: \"${API_KEY}\" }\n"), errs,
                                    EnvLookup{});
  EXPECT_TRUE(errs.empty());
  EXPECT_EQ(raw.auth.secret, "${API_KEY}");
  // A list of sources only yields the mapped ones.
  errs.clear();
  auto list = mapped_sources_from_yaml(
      YAML::Load("sources:\n  - name: a\n    type: capi_json\n  - name: b\n    type: mapped\n    format: csv\n"), errs,
      fake_env());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "b");
}
