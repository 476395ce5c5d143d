// assemble: build one Meta server event (an element of the Graph API `data` array) from the event data and the
// hashed user data. Numbers are sent as JSON numbers, raw ids (fbc, fbp, IP, UA) unmodified. Reads the site's
// Meta settings (event names, event id keys, custom properties, LDU, field sources); never rewrites `data`.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>

#include "destinations/meta/field_sources.hpp"
#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::destinations::meta {

using nlohmann::json;

namespace {

std::string text_of(const json* v) {
  if (!v) return {};
  if (v->is_string()) return std::string(util::trim(v->get_ref<const std::string&>()));
  if (v->is_number_integer() || v->is_number_unsigned()) return v->dump();
  return {};
}

std::string string_at(const json& data, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (auto s = text_of(lookup(data, k)); !s.empty()) return s;
  }
  return {};
}

// Meta's own sGTM client sends custom data as x-fb-cd-<key>: read that first, then the plain key(s).
const json* cd_source(const json& data, std::string_view key, std::initializer_list<const char*> more = {}) {
  // "x-fb-cd-" + key without a heap string per call (this runs ~15 times per event).
  char buf[64];
  constexpr std::string_view kPrefix = "x-fb-cd-";
  if (kPrefix.size() + key.size() <= sizeof buf) {
    std::memcpy(buf, kPrefix.data(), kPrefix.size());
    std::memcpy(buf + kPrefix.size(), key.data(), key.size());
    if (const auto* v = lookup(data, std::string_view(buf, kPrefix.size() + key.size()))) return v;
  } else if (const auto* v = lookup(data, std::string(kPrefix) + std::string(key))) {
    return v;
  }
  if (const auto* v = lookup(data, key)) return v;
  for (const char* k : more) {
    if (const auto* v = lookup(data, k)) return v;
  }
  return nullptr;
}

// Looked up once per thread and source: building the label text and taking the registry's lock per event cost more
// than the increment.
observe::Counter& shared_event_id_counter(const std::string& source, bool shared) {
  thread_local std::map<std::pair<std::string, bool>, observe::Counter*> cache;
  auto& c = cache[{source, shared}];
  if (!c) {
    c = &observe::metrics().counter("sidetag_events_shared_event_id_total",
                                    observe::label("source", source) + "," + observe::label("shared", shared ? "true" : "false"));
  }
  return *c;
}

std::string lower_trim(std::string s) {
  s = std::string(util::trim(s));
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
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

// GA4 items (or Meta-shaped contents) -> contents; items without an id are left out with a note (Meta rejects
// id-less contents since 2026-04).
json contents_from_items(const json& items, double& count, std::vector<std::string>& notes) {
  json contents = json::array();
  count = 0;
  std::size_t i = 0;
  for (const auto& it : items) {
    ++i;
    if (!it.is_object()) continue;
    std::string id = text_of(lookup(it, "item_id"));
    if (id.empty()) id = text_of(lookup(it, "id"));
    if (id.empty()) {
      notes.push_back("custom_data.contents: item " + std::to_string(i - 1) + " left out: no item_id");
      continue;
    }
    json c = {{"id", id}};
    double q = 1, price;
    if (const auto* qv = lookup(it, "quantity"); qv && to_number(*qv, q) && q >= 1) {
      q = std::floor(q);
    } else {
      q = 1;
    }
    c["quantity"] = static_cast<std::int64_t>(q);  // Meta's quantity is an integer
    const json* pv = lookup(it, "price");
    if (!pv) pv = lookup(it, "item_price");
    if (pv && to_number(*pv, price)) c["item_price"] = price;
    if (const auto* dc = lookup(it, "delivery_category"); dc && dc->is_string()) {
      c["delivery_category"] = lower_trim(dc->get<std::string>());
    }
    count += q;
    contents.push_back(std::move(c));
  }
  return contents;
}

json build_custom_data(const json& data, const config::MetaSiteConfig* site, std::vector<std::string>& notes) {
  json cd = json::object();
  if (const auto* c = lookup(data, "custom_data"); c && c->is_object()) cd = *c;
  double num;
  // value: numbers, numeric strings, decimal comma; an unreadable value stays as it is so validate names it.
  if (!cd.contains("value")) {
    if (const auto* v = cd_source(data, "value")) {
      if (to_number(*v, num)) {
        cd["value"] = num;
      } else {
        cd["value"] = *v;
      }
    }
  } else if (to_number(cd["value"], num)) {
    cd["value"] = num;
  }
  if (!cd.contains("currency")) {
    if (auto cur = text_of(cd_source(data, "currency")); !cur.empty()) cd["currency"] = cur;
  }
  if (!cd.contains("currency") && cd.contains("value") && site && !site->default_currency.empty()) {
    cd["currency"] = site->default_currency;
  }
  if (cd.contains("currency") && cd["currency"].is_string()) {
    std::string c(util::trim(cd["currency"].get_ref<const std::string&>()));
    for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    cd["currency"] = c;
  }
  if (!cd.contains("order_id")) {
    if (auto tid = text_of(cd_source(data, "order_id", {"transaction_id"})); !tid.empty()) cd["order_id"] = tid;
  }
  const json* items = cd_source(data, "contents", {"items"});
  const bool items_array = items && items->is_array() && !items->empty();
  if (!cd.contains("contents") && items_array) {
    double count = 0;
    json contents = contents_from_items(*items, count, notes);
    if (!contents.empty()) {
      cd["contents"] = std::move(contents);
      if (!cd.contains("num_items")) cd["num_items"] = static_cast<std::int64_t>(count);
    }
  }
  if (!cd.contains("content_ids")) {
    if (const auto* ids = lookup(data, "x-fb-cd-content_ids"); ids && ids->is_array()) {
      cd["content_ids"] = *ids;
    } else if (cd.contains("contents") && cd["contents"].is_array()) {
      json list = json::array();
      for (const auto& c : cd["contents"]) {
        if (c.is_object() && c.contains("id")) list.push_back(c["id"].is_string() ? c["id"] : json(c["id"].dump()));
      }
      if (!list.empty()) cd["content_ids"] = std::move(list);
    }
  }
  // Single-item events describe their item.
  const json* only_item = items_array && items->size() == 1 && (*items)[0].is_object() ? &(*items)[0] : nullptr;
  auto put_text = [&](const char* key, std::initializer_list<const char*> more, const char* item_key) {
    if (cd.contains(key)) return;
    std::string v = text_of(cd_source(data, key, more));
    if (v.empty() && only_item && item_key) v = text_of(lookup(*only_item, item_key));
    if (!v.empty()) cd[key] = v;
  };
  put_text("content_type", {}, nullptr);
  if (!cd.contains("content_type") && cd.contains("contents")) cd["content_type"] = "product";
  put_text("content_name", {}, "item_name");
  put_text("content_category", {}, "item_category");
  put_text("search_string", {"search_term"}, nullptr);
  put_text("item_number", {}, nullptr);
  if (!cd.contains("status")) {
    if (const auto* st = cd_source(data, "status")) {
      if (st->is_boolean()) {
        cd["status"] = st->get<bool>() ? "true" : "false";
      } else if (auto t = text_of(st); !t.empty()) {
        cd["status"] = t;
      }
    }
  }
  if (!cd.contains("delivery_category")) {
    if (auto dc = text_of(cd_source(data, "delivery_category")); !dc.empty()) cd["delivery_category"] = lower_trim(dc);
  } else if (cd["delivery_category"].is_string()) {
    cd["delivery_category"] = lower_trim(cd["delivery_category"].get<std::string>());
  }
  for (const char* key : {"predicted_ltv", "net_revenue"}) {
    if (cd.contains(key)) {
      if (to_number(cd[key], num)) cd[key] = num;
    } else if (const auto* v = cd_source(data, key)) {
      cd[key] = to_number(*v, num) ? json(num) : *v;
    }
  }
  if (cd.contains("num_items") && !cd["num_items"].is_number_integer()) {
    if (to_number(cd["num_items"], num) && num >= 0 && num == std::floor(num)) cd["num_items"] = static_cast<std::int64_t>(num);
  } else if (!cd.contains("num_items")) {
    if (const auto* v = cd_source(data, "num_items"); v && to_number(*v, num) && num >= 0 && num == std::floor(num)) {
      cd["num_items"] = static_cast<std::int64_t>(num);
    }
  }
  // The site's allow-list of extra properties, copied under their own name (the loader refuses standard names).
  if (site) {
    for (const auto& key : site->custom_properties) {
      if (cd.contains(key)) continue;
      if (const auto* v = lookup(data, key)) cd[key] = *v;
    }
  }
  return cd;
}

// LDU country/state in Meta's numeric form: integers and numeric strings as they are; US -> 1, CA -> 1000,
// CO -> 1001. Anything else is returned unchanged (validate rejects it with the reason).
json ldu_code(const json& v, bool state) {
  double num;
  if (to_number(v, num) && num >= 0 && num == std::floor(num)) return static_cast<std::int64_t>(num);
  if (v.is_string()) {
    std::string up(util::trim(v.get_ref<const std::string&>()));
    for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (up.empty()) return 0;  // blank: Meta geolocates
    if (!state && (up == "US" || up == "USA")) return 1;
    if (state && up == "CA") return 1000;
    if (state && up == "CO") return 1001;
  }
  return v;
}

void add_data_processing_options(const json& d, const config::MetaSiteConfig* site, json& out) {
  json dpo;
  bool has = false;
  if (const auto* v = lookup(d, "x-fb-dpo")) {
    has = true;
    dpo = v->is_string() ? (v->get_ref<const std::string&>().empty() ? json::array() : json::array({*v})) : *v;
  }
  const bool site_ldu = site && site->ldu.enabled;
  if (site_ldu) {
    dpo = json::array({"LDU"});
    has = true;
  }
  if (!has) return;
  out["data_processing_options"] = dpo;
  const bool ldu = dpo.is_array() && std::find(dpo.begin(), dpo.end(), json("LDU")) != dpo.end();
  const auto* c = lookup(d, "x-fb-dpo_country");
  const auto* s = lookup(d, "x-fb-dpo_state");
  // The event's own codes; else the site's; else, for the site's own LDU, 0 (Meta geolocates). An event whose own
  // LDU has no codes and a site without them stays incomplete: validate rejects it.
  auto fill = [&](const json* own, const std::optional<int>& configured, bool state, const char* key) {
    if (own) {
      out[key] = ldu_code(*own, state);
    } else if (ldu && configured) {
      out[key] = *configured;
    } else if (ldu && site_ldu) {
      out[key] = 0;
    }
  };
  fill(c, site ? site->ldu.country : std::nullopt, false, "data_processing_options_country");
  fill(s, site ? site->ldu.state : std::nullopt, true, "data_processing_options_state");
}

class AssembleStage final : public pipeline::Stage {
 public:
  std::string_view name() const override { return "assemble"; }

  pipeline::StageResult run(pipeline::Event& ev, const pipeline::StageContext& ctx) override {
    const json& d = ev.data;
    const LookupScope lookups(d);  // ev.data is only read here
    const config::MetaSiteConfig* site = ctx.site ? &ctx.site->meta : nullptr;
    json out = json::object();
    // Not trimmed: a name with surrounding spaces is a tagging bug that validate reports.
    std::string raw_name;
    if (const auto* n = lookup(d, "event_name"); n && n->is_string()) raw_name = n->get<std::string>();
    auto decision = map_event_name(raw_name, site);
    if (decision.drop) return pipeline::StageResult::stop(decision.reason);
    const std::string& mapped = decision.name;
    out["event_name"] = mapped;

    std::int64_t t = ctx.now_s;
    if (const auto* v = lookup(d, "event_time")) {
      if (!to_unix_seconds(*v, t)) ev.trace.notes.push_back("event_time unreadable: replaced by receive time");
    }
    out["event_time"] = t;

    // action_source: the event's own (validated later), the site's default, app when app data is present, website
    // when there is a page URL, else system_generated.
    std::string url = string_at(d, {"event_source_url", "page_location"});
    std::string action_source = lower_trim(text_of(lookup(d, "action_source")));
    if (action_source.empty() && site) action_source = site->action_source;
    if (action_source.empty()) {
      action_source = lookup(d, "x-fb-app_data") ? "app" : url.empty() ? "system_generated" : "website";
    }
    out["action_source"] = action_source;

    // The id the site shares with its browser Pixel (the site's own keys first); else the order id for purchases;
    // else a generated one that stays the same on every retry because it is fixed here, once.
    std::string event_id;
    if (site) {
      for (const auto& k : site->event_id_keys) {
        if (event_id = text_of(lookup(d, k)); !event_id.empty()) break;
      }
    }
    if (event_id.empty()) event_id = string_at(d, {"event_id", "x-fb-event_id"});
    const bool shared = !event_id.empty();
    if (event_id.empty() && mapped == "Purchase") {
      event_id = string_at(d, {"transaction_id"});
      if (!event_id.empty()) ev.trace.notes.push_back("event_id from transaction_id (no shared id from the source)");
    }
    if (event_id.empty()) {
      event_id = ev.trace.trace_id;
      ev.trace.notes.push_back("event_id generated (no shared id from the source)");
    }
    out["event_id"] = event_id;
    // A web event without the id its Pixel copy carries cannot be deduplicated: the share is a metric.
    if (action_source == "website") shared_event_id_counter(ev.trace.source, shared).inc();

    if (!url.empty()) out["event_source_url"] = url;
    if (auto ref = string_at(d, {"referrer_url", "page_referrer"}); !ref.empty()) out["referrer_url"] = ref;
    if (const auto* o = lookup(d, "opt_out")) {
      if (o->is_boolean()) {
        out["opt_out"] = *o;
      } else if (auto s = lower_trim(text_of(o)); s == "true" || s == "1") {
        out["opt_out"] = true;
      } else if (s == "false" || s == "0") {
        out["opt_out"] = false;
      } else {
        ev.trace.notes.push_back("opt_out ignored: not true or false");
      }
    }

    json ud = json::object();
    for (const auto& [key, hashes] : ev.hashed_user_data) ud[key] = hashes;
    // Under forward_without_user_data only what Meta needs to accept a website event stays.
    const bool withheld = user_data_withheld_by_consent(ev.data);
    for_each_source(default_raw_field_sources(), site, [&](const EffectiveSource& src) {
      if (withheld && src.meta_key != "client_ip_address" && src.meta_key != "client_user_agent" &&
          src.meta_key != "fbc" && src.meta_key != "fbp") {
        return;
      }
      bool found = false;
      visit_field(d, src, false, ev.trace.notes, [&](const json& v) {
        // With transforms every value is still read (a failing transform leaves its note), only the first counts.
        if (found) return false;
        auto text = sources::mapped::scalar_text(v);
        if (!text) return false;
        std::string value(util::trim(*text));
        if (value.empty()) return false;
        // A private, loopback, link-local or otherwise non-routable address says nothing about the visitor
        // (it is a proxy's or the server's own): never sent to Meta.
        if (src.meta_key == "client_ip_address" && non_routable_ip(value)) {
          ev.trace.notes.push_back("client_ip_address dropped: not a public address");
          return false;  // a later key may hold a public one
        }
        ud[src.meta_key] = std::move(value);
        found = true;
        return src.transforms == nullptr;
      });
    });
    out["user_data"] = std::move(ud);
    json cd = build_custom_data(d, site, ev.trace.notes);
    if (!cd.empty()) out["custom_data"] = std::move(cd);
    add_data_processing_options(d, site, out);
    static constexpr std::pair<std::string_view, const char*> kPassthrough[] = {
        {"x-fb-app_data", "app_data"},
        {"x-fb-original_event_data", "original_event_data"},
        {"x-fb-attribution_data", "attribution_data"},
        {"x-fb-messaging_channel", "messaging_channel"}};
    for (const auto& [key, meta_key] : kPassthrough) {
      if (const auto* v = lookup(d, key)) out[meta_key] = *v;
    }
    ev.payload = std::move(out);
    return pipeline::StageResult::ok(raw_name == mapped ? mapped : raw_name + " -> " + mapped);
  }
};

}  // namespace

std::unique_ptr<pipeline::Stage> make_assemble_stage() { return std::make_unique<AssembleStage>(); }

}  // namespace sidetag::destinations::meta
