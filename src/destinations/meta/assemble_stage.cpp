// assemble: build one Meta server event (an element of the Graph API `data` array) from the event data and the
// hashed user data. Numbers are sent as JSON numbers, raw ids (fbc, fbp, IP, UA) unmodified.
#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "destinations/meta/field_sources.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::destinations::meta {

using nlohmann::json;

namespace {

std::string string_at(const json& data, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (const auto* v = lookup(data, k)) {
      if (v->is_string() && !v->get_ref<const std::string&>().empty()) return v->get<std::string>();
      if (v->is_number_integer() || v->is_number_unsigned()) return v->dump();
    }
  }
  return {};
}

// Numbers, numeric strings and decimal-comma strings ("12,50") -> double.
bool to_number(const json& v, double& out) {
  if (v.is_number()) {
    out = v.get<double>();
    return true;
  }
  if (!v.is_string()) return false;
  std::string s(util::trim(v.get_ref<const std::string&>()));
  if (s.find(',') != std::string::npos && s.find('.') == std::string::npos) {
    for (auto& c : s) if (c == ',') c = '.';
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// True for addresses that never identify a visitor: unspecified, private (RFC 1918, ULA), CGNAT, loopback,
// link-local, multicast and reserved. Text that is not an address at all is left to validate.
bool non_routable_ip(const std::string& text) {
  unsigned char b[16];
  if (inet_pton(AF_INET, text.c_str(), b) == 1) {
    return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 100 && (b[1] & 0xC0) == 64) ||
           (b[0] == 169 && b[1] == 254) || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) ||
           b[0] >= 224;
  }
  if (inet_pton(AF_INET6, text.c_str(), b) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, 12) == 0) {  // ::ffff:a.b.c.d
      return non_routable_ip(std::to_string(b[12]) + "." + std::to_string(b[13]) + "." + std::to_string(b[14]) + "." +
                             std::to_string(b[15]));
    }
    bool zero_prefix = true;
    for (int i = 0; i < 15; ++i) zero_prefix &= b[i] == 0;
    if (zero_prefix && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
    return (b[0] & 0xFE) == 0xFC ||                  // fc00::/7 unique local
           (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) ||  // fe80::/10 link-local
           b[0] == 0xFF;                             // multicast
  }
  return false;
}

json build_custom_data(const json& data) {
  json cd = json::object();
  if (const auto* c = lookup(data, "custom_data"); c && c->is_object()) cd = *c;
  double num;
  if (!cd.contains("value")) {
    if (const auto* v = lookup(data, "value"); v && to_number(*v, num)) cd["value"] = num;
  } else if (to_number(cd["value"], num)) {
    cd["value"] = num;
  }
  if (!cd.contains("currency")) {
    auto cur = string_at(data, {"currency"});
    if (!cur.empty()) cd["currency"] = cur;
  }
  if (cd.contains("currency") && cd["currency"].is_string()) {
    std::string c = cd["currency"].get<std::string>();
    for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    cd["currency"] = c;
  }
  if (!cd.contains("order_id")) {
    auto tid = string_at(data, {"transaction_id"});
    if (!tid.empty()) cd["order_id"] = tid;
  }
  if (!cd.contains("contents")) {
    if (const auto* items = lookup(data, "items"); items && items->is_array() && !items->empty()) {
      json contents = json::array(), ids = json::array();
      double count = 0;
      for (const auto& it : *items) {
        if (!it.is_object()) continue;
        std::string id = string_at(it, {"item_id", "id"});
        if (id.empty()) continue;  // Meta rejects contents without id (since 2026-04)
        json c = {{"id", id}};
        double q = 1, price;
        if (const auto* qv = lookup(it, "quantity"); qv && to_number(*qv, q) && q > 0) {
          c["quantity"] = static_cast<std::int64_t>(q);  // Meta's quantity is an integer
        } else {
          c["quantity"] = 1;
        }
        if (const auto* pv = lookup(it, "price"); pv && to_number(*pv, price)) c["item_price"] = price;
        count += q;
        contents.push_back(std::move(c));
        ids.push_back(id);
      }
      if (!contents.empty()) {
        cd["contents"] = std::move(contents);
        cd["content_ids"] = std::move(ids);
        cd["content_type"] = "product";
        cd["num_items"] = static_cast<std::int64_t>(count);
      }
    }
  }
  return cd;
}

class AssembleStage final : public pipeline::Stage {
 public:
  std::string_view name() const override { return "assemble"; }

  pipeline::StageResult run(pipeline::Event& ev, const pipeline::StageContext& ctx) override {
    const json& d = ev.data;
    json out = json::object();
    std::string raw_name = string_at(d, {"event_name"});
    std::string mapped = map_event_name(raw_name);
    out["event_name"] = mapped;

    std::int64_t t = ctx.now_s;
    if (const auto* v = lookup(d, "event_time")) {
      if (!to_unix_seconds(*v, t)) ev.trace.notes.push_back("event_time unreadable: replaced by receive time");
    }
    out["event_time"] = t;

    // The id the site shares with its browser Pixel; else the order id for purchases; else a generated one that
    // stays the same on every retry because it is fixed here, once.
    std::string event_id = string_at(d, {"event_id", "x-fb-event_id"});
    if (event_id.empty() && mapped == "Purchase") event_id = string_at(d, {"transaction_id"});
    if (event_id.empty()) {
      event_id = ev.trace.trace_id;
      ev.trace.notes.push_back("event_id generated (no shared id from the source)");
    }
    out["event_id"] = event_id;

    std::string url = string_at(d, {"page_location"});
    std::string action_source = string_at(d, {"action_source"});
    if (action_source.empty()) action_source = url.empty() ? "system_generated" : "website";
    out["action_source"] = action_source;
    if (!url.empty()) out["event_source_url"] = url;
    if (auto ref = string_at(d, {"page_referrer"}); !ref.empty()) out["referrer_url"] = ref;
    if (const auto* o = lookup(d, "opt_out"); o && o->is_boolean()) out["opt_out"] = *o;

    json ud = json::object();
    for (const auto& [key, hashes] : ev.hashed_user_data) ud[key] = hashes;
    for (const auto& src : default_raw_field_sources()) {
      for (const auto& k : src.keys) {
        if (const auto* v = lookup(d, k); v && v->is_string() && !v->get_ref<const std::string&>().empty()) {
          std::string value(util::trim(v->get_ref<const std::string&>()));
          // A private, loopback, link-local or otherwise non-routable address says nothing about the visitor
          // (it is a proxy's or the server's own): never sent to Meta.
          if (src.meta_key == "client_ip_address" && non_routable_ip(value)) {
            ev.trace.notes.push_back("client_ip_address dropped: not a public address (" + k + ")");
            continue;  // a later key may hold a public one
          }
          ud[src.meta_key] = std::move(value);
          break;
        }
      }
    }
    out["user_data"] = std::move(ud);
    json cd = build_custom_data(d);
    if (!cd.empty()) out["custom_data"] = std::move(cd);
    if (const auto* dpo = lookup(d, "x-fb-dpo")) out["data_processing_options"] = *dpo;
    if (const auto* c = lookup(d, "x-fb-dpo_country")) out["data_processing_options_country"] = *c;
    if (const auto* s = lookup(d, "x-fb-dpo_state")) out["data_processing_options_state"] = *s;
    for (const char* passthrough : {"app_data", "original_event_data", "attribution_data", "messaging_channel"}) {
      if (const auto* v = lookup(d, std::string("x-fb-") + passthrough)) out[passthrough] = *v;
    }
    ev.payload = std::move(out);
    return pipeline::StageResult::ok(raw_name == mapped ? mapped : raw_name + " -> " + mapped);
  }
};

}  // namespace

std::unique_ptr<pipeline::Stage> make_assemble_stage() { return std::make_unique<AssembleStage>(); }

}  // namespace sidetag::destinations::meta
