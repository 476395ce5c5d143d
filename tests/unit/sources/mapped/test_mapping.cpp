#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "sidetag/sources/mapped/mapping.hpp"
#include "sidetag/util/crypto.hpp"

using namespace sidetag::sources::mapped;
using nlohmann::json;
namespace util = sidetag::util;

namespace {

FieldSpec field(std::string target, std::vector<std::string> from, std::vector<std::string> transforms = {}) {
  FieldSpec f;
  f.target = std::move(target);
  for (auto& p : from) f.from.push_back(ValueSource::at(std::move(p)));
  f.transforms = std::move(transforms);
  return f;
}

FieldSpec constant(std::string target, json v) {
  FieldSpec f;
  f.target = std::move(target);
  f.from.push_back(ValueSource::constant(std::move(v)));
  return f;
}

MappingSpec hubspot_spec() {
  MappingSpec s;
  s.name = "hubspot_deals";
  s.format = SourceFormat::json;
  s.action_source = "system_generated";
  FieldSpec en = field("event_name", {"/properties/dealstage"});
  en.map = {{"closedwon", "Purchase"}, {"appointmentscheduled", "Lead"}};
  s.event_name = en;
  s.event_id.from = {"/objectId", "/properties/dealstage"};
  s.fields = {
      field("user_data.email_address", {"/properties/email", "/email"}, {"trim", "lowercase"}),
      field("event_time", {"/occurredAt"}, {"date:unix_ms"}),
      field("value", {"/properties/amount"}, {"number"}),
      constant("currency", "EUR"),
      field("x-fb-ud-lead_id", {"/properties/fb_lead_id"}, {"string"}),
      constant("custom_data.event_source", "crm"),
      constant("lead_event_source", "HubSpot"),
  };
  return s;
}

Mapper compile_ok(const MappingSpec& s, util::WallClock clock = {}) {
  std::vector<std::string> errors;
  auto m = Mapper::compile(s, errors, std::move(clock));
  EXPECT_TRUE(m) << (errors.empty() ? "" : errors.front());
  if (!m) throw std::runtime_error("compile failed");
  return std::move(*m);
}

std::vector<std::string> compile_errors(const MappingSpec& s) {
  std::vector<std::string> errors;
  auto m = Mapper::compile(s, errors);
  EXPECT_FALSE(m);
  return errors;
}

}  // namespace

TEST(Mapping, HubSpotDealsToEventData) {
  auto m = compile_ok(hubspot_spec());
  const std::string body = R"([
    {"objectId": 101, "occurredAt": 1710513000123,
     "properties": {"dealstage": "closedwon", "email": "  Jane.Doe@Example.COM ", "amount": "1.234,50",
                    "fb_lead_id": 123456789012345}},
    {"objectId": 102, "occurredAt": 1710513000000,
     "properties": {"dealstage": "appointmentscheduled", "email": ""}, "email": "fallback@example.com"}
  ])";
  auto b = m.map_body(body);
  ASSERT_TRUE(b.ok) << b.error;
  ASSERT_EQ(b.records.size(), 2u);
  ASSERT_TRUE(b.records[0].accepted) << b.records[0].reason;
  const json& d = b.records[0].event_data;
  EXPECT_EQ(d["event_name"], "Purchase");
  EXPECT_EQ(d["event_time"], 1710513000);
  EXPECT_TRUE(d["event_time"].is_number_integer());
  EXPECT_EQ(d["action_source"], "system_generated");
  EXPECT_EQ(d["user_data"]["email_address"], "jane.doe@example.com");
  EXPECT_EQ(d["value"], 1234.5);
  EXPECT_EQ(d["currency"], "EUR");
  EXPECT_EQ(d["x-fb-ud-lead_id"], "123456789012345");
  EXPECT_EQ(d["custom_data"]["event_source"], "crm");
  EXPECT_EQ(d["lead_event_source"], "HubSpot");
  EXPECT_EQ(d["event_id"], util::sha256_hex("101|closedwon").substr(0, 32));
  ASSERT_TRUE(b.records[1].accepted) << b.records[1].reason;
  const json& d2 = b.records[1].event_data;
  EXPECT_EQ(d2["event_name"], "Lead");
  EXPECT_EQ(d2["user_data"]["email_address"], "fallback@example.com");  // blank first source -> fallback
  EXPECT_FALSE(d2.contains("value"));                                   // optional and absent
  EXPECT_FALSE(d2.contains("x-fb-ud-lead_id"));
}

TEST(Mapping, RedeliveredRecordGetsTheSameEventId) {
  auto m = compile_ok(hubspot_spec());
  const std::string body =
      R"({"objectId": 7, "occurredAt": 1710513000000, "properties": {"dealstage": "closedwon"}})";
  auto first = m.map_body(body);
  auto again = m.map_body(body);
  // Key order and whitespace differ in the redelivery; the id does not.
  auto reordered =
      m.map_body(R"({ "properties": {"dealstage": "closedwon"}, "occurredAt": 1710513999000, "objectId": "7" })");
  ASSERT_TRUE(first.records.at(0).accepted);
  EXPECT_EQ(first.records[0].event_data["event_id"], again.records.at(0).event_data["event_id"]);
  EXPECT_EQ(first.records[0].event_data["event_id"], reordered.records.at(0).event_data["event_id"]);
  EXPECT_EQ(first.records[0].event_data["event_id"].get<std::string>().size(), 32u);
  // The next stage of the same deal is a different event.
  auto next = m.map_body(R"({"objectId": 7, "occurredAt": 1, "properties": {"dealstage": "appointmentscheduled"}})");
  EXPECT_NE(first.records[0].event_data["event_id"], next.records.at(0).event_data["event_id"]);
}

TEST(Mapping, EventIdTemplateAndLength) {
  auto s = hubspot_spec();
  s.event_id = {};
  s.event_id.templ = "deal-{/objectId}-{/properties/dealstage}";
  auto m = compile_ok(s);
  auto r = m.map_json(json::parse(R"({"objectId": 9, "occurredAt": 0, "properties": {"dealstage": "closedwon"}})"), 0);
  ASSERT_TRUE(r.accepted) << r.reason;
  EXPECT_EQ(r.event_data["event_id"], "deal-9-closedwon");
  s.event_id = {};
  s.event_id.from = {"/objectId"};
  s.event_id.length = 16;
  auto m16 = compile_ok(s);
  r = m16.map_json(json::parse(R"({"objectId": 9, "occurredAt": 0, "properties": {"dealstage": "closedwon"}})"), 0);
  EXPECT_EQ(r.event_data["event_id"], util::sha256_hex("9").substr(0, 16));
  // A missing id component rejects the record (a random id would break deduplication).
  r = m16.map_json(json::parse(R"({"occurredAt": 0, "properties": {"dealstage": "closedwon"}})"), 3);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, "record 3: event_id: no value at '/objectId'");
}

TEST(Mapping, BadRecordsAreRejectedWithReasonsOthersPass) {
  auto m = compile_ok(hubspot_spec());
  const std::string body = R"([
    {"objectId": 1, "occurredAt": 1710513000000, "properties": {"dealstage": "closedwon"}},
    {"objectId": 2, "occurredAt": 1710513000000, "properties": {"dealstage": "closedlost"}},
    {"objectId": 3, "properties": {"dealstage": "closedwon"}},
    {"objectId": 4, "occurredAt": "yesterday", "properties": {"dealstage": "closedwon"}},
    {"objectId": 5, "occurredAt": 1710513000000, "properties": {"dealstage": "closedwon", "amount": "lots"}},
    "not an object",
    {"objectId": 6, "occurredAt": 1710513000000, "properties": {"dealstage": {"nested": true}}},
    {"objectId": 7, "occurredAt": 1710513000000, "properties": {"dealstage": "closedwon"}}
  ])";
  auto b = m.map_body(body);
  ASSERT_TRUE(b.ok);
  ASSERT_EQ(b.records.size(), 8u);
  EXPECT_EQ(b.accepted(), 2u);
  EXPECT_TRUE(b.records[0].accepted);
  EXPECT_EQ(b.records[1].reason, "record 1: field 'event_name' from '/properties/dealstage': map: value 'closedlost' "
                                 "is not in the map");
  EXPECT_EQ(b.records[2].reason, "record 2: field 'event_time': no value (required; tried '/occurredAt')");
  EXPECT_EQ(b.records[3].reason,
            "record 3: field 'event_time' from '/occurredAt': date:unix_ms: not a Unix timestamp: 'yesterday'");
  EXPECT_EQ(b.records[4].reason, "record 4: field 'value' from '/properties/amount': number: not a number: 'lots'");
  EXPECT_EQ(b.records[5].reason, "record 5: expected a JSON object, got string");
  EXPECT_EQ(b.records[6].reason,
            "record 6: field 'event_name' from '/properties/dealstage': map: expected a scalar, got object");
  EXPECT_TRUE(b.records[7].accepted);
  EXPECT_EQ(b.records[7].index, 7u);
  for (const auto& r : b.records) {
    if (!r.accepted) EXPECT_TRUE(r.event_data.is_null());
  }
}

TEST(Mapping, OnErrorDropKeepsTheRecordWithANote) {
  auto s = hubspot_spec();
  s.fields[2].on_error = FieldSpec::OnError::drop;  // value
  auto m = compile_ok(s);
  auto r = m.map_json(
      json::parse(R"({"objectId": 1, "occurredAt": 0, "properties": {"dealstage": "closedwon", "amount": "n/a"}})"),
      0);
  ASSERT_TRUE(r.accepted) << r.reason;
  EXPECT_FALSE(r.event_data.contains("value"));
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0], "field 'value' from '/properties/amount': number: not a number: 'n/a' (dropped)");
}

TEST(Mapping, RequiredOptionalFieldAndEventTimeType) {
  auto s = hubspot_spec();
  s.fields[0].required = true;
  s.fields[1].transforms.clear();  // event_time without a date transform
  auto m = compile_ok(s);
  auto r = m.map_json(json::parse(R"({"objectId": 1, "occurredAt": 5, "properties": {"dealstage": "closedwon"}})"), 0);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason,
            "record 0: field 'user_data.email_address': no value (required; tried '/properties/email', '/email')");
  r = m.map_json(
      json::parse(R"({"objectId": 1, "occurredAt": "2024", "email": "a@b.c", "properties": {"dealstage": "closedwon"}})"),
      0);
  EXPECT_EQ(r.reason,
            "record 0: field 'event_time': expected Unix seconds (an integer), got '2024' (add a date:<format> "
            "transform)");
  r = m.map_json(
      json::parse(R"({"objectId": 1, "occurredAt": 1710513000, "email": "a@b.c", "properties": {"dealstage": "closedwon"}})"),
      0);
  EXPECT_TRUE(r.accepted) << r.reason;
}

TEST(Mapping, DefaultEventTimeFromInjectedClock) {
  MappingSpec s;
  s.format = SourceFormat::json;
  s.action_source = "phone_call";
  s.event_name = constant("event_name", "Contact");
  s.fields = {field("user_data.phone_number", {"/phone"})};
  auto m = compile_ok(s, [] { return std::int64_t{1800000000}; });
  auto r = m.map_json(json::parse(R"({"phone": "+49 30 1234"})"), 0);
  ASSERT_TRUE(r.accepted) << r.reason;
  EXPECT_EQ(r.event_data,
            json::parse(R"({"event_name":"Contact","event_time":1800000000,"action_source":"phone_call",
                            "user_data":{"phone_number":"+49 30 1234"}})"));
}

TEST(Mapping, GenericDottedTargetsAndAllStandardKeys) {
  MappingSpec s;
  s.action_source = "website";
  s.event_name = constant("event_name", "Lead");
  const std::vector<std::string> targets = {
      "event_source_url", "user_data.email_address", "user_data.phone_number", "user_data.address.first_name",
      "user_data.address.last_name", "user_data.address.city", "user_data.address.region",
      "user_data.address.postal_code", "user_data.address.country", "user_data.external_id",
      "user_data.date_of_birth", "user_data.gender", "x-fb-ud-lead_id", "x-fb-ck-fbc", "x-fb-ck-fbp",
      "ip_override", "user_agent", "currency", "transaction_id", "lead_event_source", "custom_data.a.b.c"};
  json rec = json::object();
  for (const auto& t : targets) {
    s.fields.push_back(field(t, {"/" + t}));
    rec[t] = "v:" + t;
  }
  s.fields.push_back(field("event_time", {"/ts"}, {"date:iso8601"}));
  rec["ts"] = "2024-03-15T14:30:00Z";
  auto m = compile_ok(s);
  auto r = m.map_json(rec, 0);
  ASSERT_TRUE(r.accepted) << r.reason;
  const json& d = r.event_data;
  EXPECT_EQ(d["user_data"]["address"]["postal_code"], "v:user_data.address.postal_code");
  EXPECT_EQ(d["user_data"]["date_of_birth"], "v:user_data.date_of_birth");
  EXPECT_EQ(d["x-fb-ck-fbc"], "v:x-fb-ck-fbc");
  EXPECT_EQ(d["custom_data"]["a"]["b"]["c"], "v:custom_data.a.b.c");
  EXPECT_EQ(d["event_time"], 1710513000);
  EXPECT_EQ(d["action_source"], "website");
}

TEST(Mapping, ItemsFromJsonArray) {
  MappingSpec s;
  s.action_source = "website";
  s.event_name = constant("event_name", "Purchase");
  FieldSpec items;
  items.target = "items";
  items.from = {ValueSource::at("/line_items")};
  items.each = {field("item_id", {"/sku", "/product_id"}, {"string"}), field("item_name", {"/title"}),
                field("price", {"/price"}, {"number"}), field("quantity", {"/quantity"}, {"int"})};
  s.fields = {items, field("event_time", {"/created_at"}, {"date:iso8601"}),
              field("value", {"/line_items/0/price"}, {"number"})};
  auto m = compile_ok(s);
  auto r = m.map_json(json::parse(R"({"created_at": "2026-11-26T12:00:00+01:00", "line_items": [
      {"sku": "A-1", "title": "Shirt", "price": "19.90", "quantity": 2},
      {"product_id": 555, "title": "Cap", "price": "5,00", "quantity": "1"}]})"),
                      0);
  ASSERT_TRUE(r.accepted) << r.reason;
  EXPECT_EQ(r.event_data["items"], json::parse(R"([{"item_id":"A-1","item_name":"Shirt","price":19.9,"quantity":2},
                                                 {"item_id":"555","item_name":"Cap","price":5.0,"quantity":1}])"));
  EXPECT_EQ(r.event_data["value"], 19.9);  // array element by index
  // A bad item rejects the record and names the element.
  r = m.map_json(json::parse(R"({"created_at": "2026-11-26T12:00:00Z", "line_items": [
      {"sku": "A-1", "price": "x", "quantity": 2}]})"),
                 4);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, "record 4: field 'items[0].price' from '/price': number: not a number: 'x'");
  r = m.map_json(json::parse(R"({"created_at": "2026-11-26T12:00:00Z", "line_items": {"sku": 1}})"), 0);
  EXPECT_EQ(r.reason, "record 0: field 'items' from '/line_items': expected an array, got object");
  r = m.map_json(json::parse(R"({"created_at": "2026-11-26T12:00:00Z"})"), 0);
  EXPECT_TRUE(r.accepted);
  EXPECT_FALSE(r.event_data.contains("items"));
}

namespace {

MappingSpec pos_spec() {
  MappingSpec s;
  s.name = "pos";
  s.format = SourceFormat::csv;
  s.delimiter = ';';
  s.action_source = "physical_store";
  s.event_name = constant("event_name", "Purchase");
  s.event_id.from = {"store", "receipt"};
  FieldSpec items;
  items.target = "items";
  items.each = {field("item_id", {"sku"}), field("quantity", {"qty"}, {"int"})};
  s.fields = {field("event_time", {"sold_at"}, {"date:%d.%m.%Y %H:%M:Europe/Berlin"}),
              field("value", {"total"}, {"number"}),
              field("user_data.email_address", {"/email"}, {"trim", "lowercase"}),
              field("transaction_id", {"receipt"}, {"prefix:pos-"}),
              items};
  return s;
}

std::vector<RecordResult> map_csv_text(const Mapper& m, const std::string& text, std::string* header_error = nullptr) {
  std::istringstream in(text);
  std::vector<RecordResult> out;
  std::string err = m.map_csv_stream(in, [&](RecordResult&& r) { out.push_back(std::move(r)); });
  if (header_error) *header_error = err;
  return out;
}

}  // namespace

TEST(Mapping, CsvBrokenDateReportedWithLineNumberOthersPass) {
  auto m = compile_ok(pos_spec());
  const std::string csv =
      "\xEF\xBB\xBF" "store;receipt;sold_at;total;email;sku;qty;unused\r\n"
      "1001;R1;31.12.2026 18:05;1.234,56; A@B.DE ;S1;2;x\r\n"
      "1001;R2;31.02.2026 10:00;5;;S2;1;x\r\n"
      "1001;\"R3\nmultiline\";30.06.2026 09:15;12,5;;S3;1;x\r\n"
      "1001;R4;01.01.2026 00:00;7\r\n"
      "1002;R5;01.01.2026 00:00;7;;S5;1;x\r\n";
  auto rows = map_csv_text(m, csv);
  ASSERT_EQ(rows.size(), 5u);
  ASSERT_TRUE(rows[0].accepted) << rows[0].reason;
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_EQ(rows[0].event_data["event_time"], 1798736700);
  EXPECT_EQ(rows[0].event_data["value"], 1234.56);
  EXPECT_EQ(rows[0].event_data["user_data"]["email_address"], "a@b.de");
  EXPECT_EQ(rows[0].event_data["transaction_id"], "pos-R1");
  EXPECT_EQ(rows[0].event_data["event_id"], util::sha256_hex("1001|R1").substr(0, 32));
  EXPECT_EQ(rows[0].event_data["items"], json::parse(R"([{"item_id":"S1","quantity":2}])"));
  EXPECT_FALSE(rows[1].accepted);
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_EQ(rows[1].reason,
            "line 3: field 'event_time' from column 'sold_at': date:%d.%m.%Y %H:%M:Europe/Berlin: "
            "'31.02.2026 10:00': day 31 out of range");
  ASSERT_TRUE(rows[2].accepted) << rows[2].reason;
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_EQ(rows[2].event_data["event_time"], 1782803700);
  EXPECT_EQ(rows[2].event_data["value"], 12.5);
  EXPECT_FALSE(rows[2].event_data["user_data"].contains("email_address"));  // blank cell
  EXPECT_FALSE(rows[3].accepted);
  EXPECT_EQ(rows[3].reason, "line 6: expected 8 fields, got 4");  // record 3 spans lines 4-5
  EXPECT_TRUE(rows[4].accepted);
  EXPECT_EQ(rows[4].line, 7u);
}

TEST(Mapping, CsvSameRowTwiceSameEventId) {
  auto m = compile_ok(pos_spec());
  const std::string csv =
      "store;receipt;sold_at;total;email;sku;qty\n1001;R9;01.01.2026 10:00;1;;S;1\n1001;R9;01.01.2026 10:00;1;;S;1\n";
  auto rows = map_csv_text(m, csv);
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(rows[0].accepted && rows[1].accepted);
  EXPECT_EQ(rows[0].event_data["event_id"], rows[1].event_data["event_id"]);
}

TEST(Mapping, CsvInvalidUtf8AndHeaderErrors) {
  auto m = compile_ok(pos_spec());
  auto rows = map_csv_text(m,
                           "store;receipt;sold_at;total;email;sku;qty\n"
                           "1001;R1;01.01.2026 10:00;1;\xFF@x.de;S;1\n"
                           "1001;R2;01.01.2026 10:00;1;ok@x.de;S;1\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].reason, "line 2: invalid UTF-8 in column 'email'");
  EXPECT_TRUE(rows[1].accepted);
  std::string err;
  EXPECT_TRUE(map_csv_text(m, "", &err).empty());
  EXPECT_EQ(err, "empty input: no header row");
  // map_body works for csv too.
  auto b = m.map_body("store;receipt;sold_at;total;email;sku;qty\n1;2;01.01.2026 10:00;1;;S;1\n");
  ASSERT_TRUE(b.ok);
  EXPECT_EQ(b.accepted(), 1u);
}

TEST(Mapping, NdjsonBodyAndBodyLevelErrors) {
  auto s = hubspot_spec();
  s.format = SourceFormat::ndjson;
  auto m = compile_ok(s);
  auto b = m.map_body(
      "{\"objectId\": 1, \"occurredAt\": 0, \"properties\": {\"dealstage\": \"closedwon\"}}\n"
      "{broken\n"
      "{\"objectId\": 2, \"occurredAt\": 0, \"properties\": {\"dealstage\": \"lost\"}}\n"
      "{\"objectId\": 3, \"occurredAt\": 0, \"properties\": {\"dealstage\": \"closedwon\"}}\n");
  ASSERT_TRUE(b.ok);
  ASSERT_EQ(b.records.size(), 4u);
  EXPECT_TRUE(b.records[0].accepted);
  EXPECT_EQ(b.records[1].reason.rfind("line 2: invalid JSON", 0), 0u) << b.records[1].reason;
  EXPECT_EQ(b.records[2].reason,
            "line 3: field 'event_name' from '/properties/dealstage': map: value 'lost' is not in the map");
  EXPECT_TRUE(b.records[3].accepted);
  EXPECT_EQ(b.records[3].line, 4u);

  auto j = compile_ok(hubspot_spec());
  auto deep = j.map_body("[" + std::string(200, '[') + std::string(200, ']') + "]");
  EXPECT_FALSE(deep.ok);
  EXPECT_EQ(deep.error, "nesting deeper than 64");
  auto bad = j.map_body("{\"a\":\"\xED\xA0\x80\"}");  // UTF-8 encoded surrogate
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.error, "invalid UTF-8");
  s.format = SourceFormat::json;
  s.records = "/results";
  auto r = compile_ok(s).map_body(R"({"results": 5})");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "records pointer '/results' selects a number, expected an array of objects or an object");
}

TEST(Mapping, ConversionLeadsShape) {
  // Meta Conversion Leads: action_source system_generated, custom_data.event_source crm, lead_event_source,
  // lead_id from Lead Ads.
  MappingSpec s;
  s.action_source = "system_generated";
  FieldSpec en = field("event_name", {"/stage"}, {"trim", "lowercase"});
  en.map = {{"qualified", "QualifiedLead"}, {"*", "Lead"}};
  s.event_name = en;
  s.fields = {field("x-fb-ud-lead_id", {"/lead_id"}, {"string"}), field("event_time", {"/ts"}, {"date:unix"}),
              constant("custom_data.event_source", "crm"), constant("lead_event_source", "Salesforce")};
  auto m = compile_ok(s);
  auto r = m.map_json(json::parse(R"({"stage": " Qualified ", "lead_id": 1234567890123456, "ts": "1710513000"})"), 0);
  ASSERT_TRUE(r.accepted) << r.reason;
  EXPECT_EQ(r.event_data, json::parse(R"({"event_name":"QualifiedLead","x-fb-ud-lead_id":"1234567890123456",
      "event_time":1710513000,"custom_data":{"event_source":"crm"},"lead_event_source":"Salesforce",
      "action_source":"system_generated"})"));
  r = m.map_json(json::parse(R"({"stage": "new", "lead_id": 1, "ts": 1})"), 0);
  EXPECT_EQ(r.event_data["event_name"], "Lead");  // "*" default
}

TEST(Mapping, CompileErrors) {
  MappingSpec s;
  s.fields = {field("value", {"/amount"}, {"number", "frobnicate"}), field("currency", {"/c"}, {"map:missing"}),
              field("user_data", {"/u"}), field("user_data.email_address", {"/e"}),
              field("bad..target", {"/x"}), field("x", {"/a~2"}), field("value", {"/again"})};
  s.event_id.templ = "static";
  auto errors = compile_errors(s);
  const std::vector<std::string> expected = {
      "field 'value': unknown transform 'frobnicate' (known: trim, lowercase, uppercase, string, split, date, "
      "number, int, map, prefix, sha256)",
      "field 'currency': map table 'missing' is not defined",
      "field 'bad..target': invalid target path",
      "field 'x': invalid JSON pointer '/a~2'",
      "field 'value': mapped twice",
      "fields 'user_data' and 'user_data.email_address' conflict: 'user_data' would replace the object",
      "event_name: no mapping (set event_name)",
      "action_source: not set (e.g. system_generated, physical_store, phone_call, website)",
      "event_id: template has no {field} placeholder (every event would share one id)",
  };
  EXPECT_EQ(errors, expected);
  MappingSpec t = hubspot_spec();
  t.fields.push_back(constant("event_id", "x"));
  EXPECT_EQ(compile_errors(t), (std::vector<std::string>{"event_id: set both as event_id and as a field"}));
}

TEST(Mapping, SetDotted) {
  json o = json::object();
  set_dotted(o, "a.b.c", 1);
  set_dotted(o, "a.b.d", 2);
  set_dotted(o, "x-fb-ck-fbp", "fb.1.2.3");
  set_dotted(o, "s", "str");
  set_dotted(o, "s.t", 3);  // non-object on the way is replaced
  EXPECT_EQ(o, json::parse(R"({"a":{"b":{"c":1,"d":2}},"x-fb-ck-fbp":"fb.1.2.3","s":{"t":3}})"));
}

TEST(Mapping, CsvHeaderMissingRequiredColumnsFailsOnce) {
  auto m = compile_ok(pos_spec());
  std::string err;
  auto rows = map_csv_text(m, "store;receipt;total\n1;2;3\n", &err);
  EXPECT_TRUE(rows.empty());
  EXPECT_EQ(err, "header (line 1): field 'event_time': column 'sold_at' not in the header");
  // Optional columns may be missing.
  rows = map_csv_text(m, "store;receipt;sold_at\n1;2;01.01.2026 10:00\n", &err);
  EXPECT_EQ(err, "");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].accepted) << rows[0].reason;
  EXPECT_EQ(m.missing_csv_columns(CsvHeader{}),
            (std::vector<std::string>{"field 'event_time': column 'sold_at' not in the header",
                                      "event_id: column 'store' not in the header",
                                      "event_id: column 'receipt' not in the header"}));
}

TEST(Mapping, ActionSourceMustBeAMetaValue) {
  auto s = hubspot_spec();
  s.action_source = "crm";
  EXPECT_EQ(compile_errors(s),
            (std::vector<std::string>{"action_source: 'crm' is not one of email, website, app, phone_call, chat, "
                                      "physical_store, system_generated, business_messaging, other"}));
}

TEST(Mapping, CsvThroughputWithIanaZone) {
  // 100k rows, one per 7 minutes (about 16 months: many distinct local times across DST changes).
  std::string csv = "store;receipt;sold_at;total;email;sku;qty\n";
  const std::size_t n = 100000;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t t = 1767225600 + static_cast<std::int64_t>(i) * 420;  // 2026-01-01T00:00Z + i*7min
    const std::int64_t days = t / 86400 + 719468;
    const std::int64_t era = days / 146097, doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
    char date[32];
    std::snprintf(date, sizeof date, "%02d.%02d.%04d %02d:%02d", static_cast<int>(d), static_cast<int>(m),
                  static_cast<int>(y), static_cast<int>(t % 86400 / 3600), static_cast<int>(t % 3600 / 60));
    csv += "1001;R" + std::to_string(i) + ";" + date + ";\"1.234,56\";u" + std::to_string(i) + "@x.de;S;1\n";
  }
  auto m = compile_ok(pos_spec());
  std::istringstream in(csv);
  std::size_t accepted = 0, rejected = 0;
  std::int64_t prev = 0;
  bool monotonic = true;
  auto t0 = std::chrono::steady_clock::now();
  m.map_csv_stream(in, [&](RecordResult&& r) {
    if (!r.accepted) {
      ++rejected;
      return;
    }
    ++accepted;
    const std::int64_t et = r.event_data["event_time"].get<std::int64_t>();
    // Local Berlin wall time is read as UTC-1h / UTC-2h: event_time must still move forward, except across
    // the autumn fold, where wall time repeats.
    if (et < prev - 3600) monotonic = false;
    prev = et;
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(accepted, n);
  EXPECT_EQ(rejected, 0u);
  EXPECT_TRUE(monotonic);
  std::cout << "[ perf     ] mapped " << n << " CSV rows (Europe/Berlin dates) in " << secs << " s\n";
}
