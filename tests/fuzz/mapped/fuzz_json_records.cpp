// Fuzzes JSON / NDJSON record extraction and the mapping engine with a fixed spec that uses every transform.
// Byte 0 picks the format; the rest is the body. Nothing may throw or crash; every record is either accepted
// with well-typed event_name/event_time or rejected with a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "sidetag/sources/mapped/mapping.hpp"
#include "sidetag/sources/mapped/signature.hpp"

using namespace sidetag::sources::mapped;

namespace {

FieldSpec field(std::string target, std::vector<std::string> from, std::vector<std::string> transforms,
                FieldSpec::OnError on_error = FieldSpec::OnError::drop) {
  FieldSpec f;
  f.target = std::move(target);
  for (auto& p : from) f.from.push_back(ValueSource::at(std::move(p)));
  f.transforms = std::move(transforms);
  f.on_error = on_error;
  return f;
}

Mapper make(SourceFormat format, std::string records) {
  MappingSpec s;
  s.format = format;
  s.records = std::move(records);
  s.action_source = "system_generated";
  s.maps = {{"stages", {{"closedwon", "Purchase"}, {"appointmentscheduled", "Lead"}}}};
  FieldSpec en = field("event_name", {"/properties/dealstage", "/stage"}, {"trim", "lowercase", "map:stages"},
                       FieldSpec::OnError::reject);
  s.event_name = en;
  s.event_id.from = {"/id", "/properties/dealstage"};
  FieldSpec items = field("items", {"/items"}, {});
  items.each = {field("item_id", {"/sku", "/0"}, {"string"}), field("price", {"/price"}, {"number"}),
                field("quantity", {"/quantity"}, {"int"})};
  s.fields = {
      field("event_time", {"/ts", "/date", "/local", "/berlin"},
            {"date:unix_ms"}, FieldSpec::OnError::reject),
      field("custom_data.d1", {"/date"}, {"date:%d.%m.%Y %H:%M:%S"}),
      field("custom_data.d2", {"/date"}, {"date:iso8601:-05:30"}),
      field("custom_data.d3", {"/date"}, {"date:%a, %d %b %Y %T %z"}),
      field("custom_data.d4", {"/date"}, {"date:%D %I:%M %p:Europe/Berlin"}),
      field("custom_data.d5", {"/date"}, {"date:%s"}),
      field("value", {"/amount", "/properties/amount"}, {"number"}),
      field("custom_data.n", {"/n"}, {"int"}),
      field("user_data.email_address", {"/properties/email", "/email"}, {"trim", "lowercase", "uppercase", "sha256"}),
      field("user_data.address.first_name", {"/name"}, {"split: :0", "prefix:x-"}),
      field("user_data.address.last_name", {"/name"}, {"split: :-1"}),
      field("x-fb-ud-lead_id", {"/lead/0/id"}, {"string"}),
      items,
  };
  s.fields[0].required = false;  // event_time falls back to the clock
  std::vector<std::string> errors;
  auto m = Mapper::compile(s, errors, [] { return std::int64_t{1800000000}; });
  if (!m) std::abort();
  return *m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const Mapper json_root = make(SourceFormat::json, "/");
  static const Mapper json_contacts = make(SourceFormat::json, "/contacts");
  static const Mapper ndjson = make(SourceFormat::ndjson, "");
  const Mapper* mappers[] = {&json_root, &json_contacts, &ndjson};
  const Mapper& m = *mappers[data[0] % 3];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto batch = m.map_body(body);
  if (!batch.ok && (batch.error.empty() || !batch.records.empty())) std::abort();
  for (const auto& r : batch.records) {
    if (r.accepted) {
      if (!r.event_data["event_name"].is_string() || !r.event_data["event_time"].is_number_integer()) std::abort();
      (void)r.event_data.dump();
    } else if (r.reason.empty()) {
      std::abort();
    }
  }
  // The raw body also goes through signature checks (never crash, never accept a wrong signature).
  WebhookRequest req;
  req.method = "POST";
  req.uri = "/hook";
  req.body = body;
  req.headers = {{"Stripe-Signature", std::string(body.substr(0, 80))},
                 {"X-HubSpot-Signature-v3", std::string(body.substr(0, 44))},
                 {"X-HubSpot-Request-Timestamp", std::string(body.substr(0, 13))}};
  AuthSpec stripe{AuthScheme::stripe, "whsec", "", "", "", "", 300};
  AuthSpec hubspot{AuthScheme::hubspot_v3, "hs", "", "", "", "https://x", 300};
  (void)verify_webhook(stripe, req, 1800000000);
  (void)verify_webhook(hubspot, req, 1800000000);
  return 0;
}
