// The `sites.<id>.meta` table: pixels, event names, event id keys, custom properties, LDU and where each user_data
// field is read from. Defaults live in include/sidetag/config/meta.hpp.
#include <algorithm>
#include <cctype>
#include <set>

#include "sidetag/destinations/meta/settings.hpp"

namespace sidetag::config {

namespace {

// Meta's user_data keys a field source may be configured for
// (developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters): hashed,
// then raw.
const std::vector<std::string> kUserDataFields = {
    "em", "ph", "fn", "ln", "ge", "db", "ct", "st", "zp", "country", "external_id", "f5first", "f5last", "fi",
    "dobd", "dobm", "doby", "client_ip_address", "client_user_agent", "fbc", "fbp", "lead_id", "subscription_id",
    "fb_login_id", "anon_id", "madid", "page_id", "ctwa_clid"};

// Meta's standard custom_data keys (developers.facebook.com/docs/marketing-api/conversions-api/parameters/custom-data):
// a custom property may not take one of these names.
const std::set<std::string> kStandardCustomData = {
    "value",        "currency",     "net_revenue", "content_ids",   "contents",      "content_type",
    "content_name", "content_category", "order_id", "num_items",    "predicted_ltv", "status",
    "search_string", "delivery_category", "item_number"};

const std::vector<std::string> kActionSources = {"email",          "website",         "app",
                                                 "phone_call",     "chat",            "physical_store",
                                                 "system_generated", "business_messaging", "other"};

// Meta: custom event names are at most 50 characters; sidetag also refuses surrounding whitespace.
std::string event_name_problem(const std::string& n) {
  if (n.empty()) return "an event name must not be empty";
  if (n.size() > 50) return "Meta event names are at most 50 characters, got " + std::to_string(n.size());
  if (std::isspace(static_cast<unsigned char>(n.front())) || std::isspace(static_cast<unsigned char>(n.back()))) {
    return "an event name must not start or end with a space";
  }
  return {};
}

const Schema<PixelConfig>& pixel_schema() {
  static const Schema<PixelConfig> s = [] {
    Schema<PixelConfig> s("One pixel (dataset); every event of the site goes to each.");
    s.str("id", &PixelConfig::id, "The pixel (dataset) id, numeric.").required();
    s.str("access_token", &PixelConfig::access_token,
          "Conversions API access token (use `${file:/run/secrets/...}`); required with live dispatch.")
        .secret();
    s.str("app_secret", &PixelConfig::app_secret, "Optional: enables `appsecret_proof`.").secret();
    s.str("test_event_code", &PixelConfig::test_event_code,
          "Routes events to Events Manager's Test Events (required for live dispatch outside prod).");
    s.check([](MapReader& r, PixelConfig& p) {
      if (!p.id.empty() && p.id.find_first_not_of("0123456789") != std::string::npos) {
        r.error("id", r.child("id"), "a pixel (dataset) id is numeric, got " + shown(p.id));
      }
    });
    return s;
  }();
  return s;
}

void read_event_names(MapReader& m, const std::string& key, MetaSiteConfig& out) {
  const Node* n = m.child(key);
  if (!n) return;
  if (n->kind != Node::Kind::map) {
    m.error(key, n, "expected a mapping of source event name -> Meta event name (or drop)");
    return;
  }
  for (const auto& [from, to] : n->map) {
    const std::string path = m.key_path(key) + "." + from;
    if (to.kind != Node::Kind::scalar) {
      m.diagnostics().error(path, to.line, "expected a Meta event name or drop");
      continue;
    }
    if (to.scalar != "drop") {
      if (auto problem = event_name_problem(to.scalar); !problem.empty()) {
        m.diagnostics().error(path, to.line, problem);
        continue;
      }
    }
    out.event_names[from] = to.scalar;
  }
}

// Meta's numeric codes, or the two-letter codes Meta documents a number for.
Schema<MetaLduConfig>::ReadFn ldu_code(std::optional<int> MetaLduConfig::*field,
                                       std::vector<std::pair<std::string, int>> names) {
  return [field, names](MapReader& l, const std::string& key, MetaLduConfig& ldu) {
    const Node* c = l.child(key);
    if (!c) return;
    if (c->kind == Node::Kind::scalar) {
      std::string up = c->scalar;
      for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      for (const auto& [name, num] : names) {
        if (up == name) {
          ldu.*field = num;
          return;
        }
      }
    }
    int v = -1;
    l.integer(key, v, 0, 99'999);
    if (v >= 0) ldu.*field = v;
  };
}

const Schema<MetaLduConfig>& ldu_schema() {
  static const Schema<MetaLduConfig> s = [] {
    Schema<MetaLduConfig> s("Limited Data Use (developers.facebook.com/docs/marketing-apis/data-processing-options).");
    s.flag("enabled", &MetaLduConfig::enabled, "Every event of the site is sent with `data_processing_options: [LDU]`.");
    s.custom("country", "integer or `US`",
             "Meta's country code (1 = USA, 0 = geolocate); also completes events whose own LDU has none.",
             ldu_code(&MetaLduConfig::country, {{"US", 1}, {"USA", 1}}));
    s.custom("state", "integer or `CA` / `CO`", "Meta's state code (1000 = California, 1001 = Colorado, 0 = geolocate).",
             ldu_code(&MetaLduConfig::state, {{"CA", 1000}, {"CO", 1001}}));
    return s;
  }();
  return s;
}

struct FieldSourceForm {
  std::vector<std::string> keys, transform;
};

const Schema<FieldSourceForm>& field_source_schema() {
  static const Schema<FieldSourceForm> s = [] {
    Schema<FieldSourceForm> s;
    s.str_list("keys", &FieldSourceForm::keys, "Event-data keys to read, in order (replace the built-in keys).");
    s.str_list("transform", &FieldSourceForm::transform,
               "Applied to every value before Meta's normalization: `trim`, `lowercase`, `uppercase`, `string`, "
               "`split:<sep>:<i>`, `prefix:<text>`, `number`, `int`, `date:<format>[:<tz>]`, `sha256`.");
    return s;
  }();
  return s;
}

void read_user_data(MapReader& m, const std::string& key, MetaSiteConfig& out) {
  const Node* n = m.child(key);
  if (!n) return;
  if (n->kind != Node::Kind::map) {
    m.error(key, n, "expected a mapping of Meta field (em, ph, ...) -> event-data keys");
    return;
  }
  Diagnostics& d = m.diagnostics();
  const std::string base = m.key_path(key);
  for (const auto& [field, spec] : n->map) {
    const std::string path = base + "." + field;
    if (std::find(kUserDataFields.begin(), kUserDataFields.end(), field) == kUserDataFields.end()) {
      d.error(path, spec.line, "unknown Meta user_data field '" + field + "'" + did_you_mean(field, kUserDataFields));
      continue;
    }
    FieldSourceForm form;
    if (spec.kind == Node::Kind::scalar || spec.kind == Node::Kind::seq) {
      // Short form: `em: [email, user.email]` (or one key).
      Node wrapper;
      wrapper.kind = Node::Kind::map;
      wrapper.line = spec.line;
      wrapper.map.push_back({"keys", spec});
      MapReader r(&wrapper, path, d);
      field_source_schema().read(r, form);
    } else {
      MapReader r(&spec, path, d);
      field_source_schema().read(r, form);
    }
    MetaFieldSource src;
    src.keys = form.keys;
    for (const auto& k : src.keys) {
      if (k.empty()) d.error(path + ".keys", spec.line, "an event-data key must not be empty");
    }
    for (const auto& t : form.transform) {
      std::string err;
      auto compiled = sources::mapped::parse_transform(t, err);
      if (!compiled) {
        d.error(path + ".transform", spec.line, err);
      } else if (compiled->kind == sources::mapped::Transform::Kind::map) {
        d.error(path + ".transform", spec.line, "map:<table> is only available in mapped sources");
      } else {
        src.transforms.push_back(std::move(*compiled));
      }
    }
    if (src.keys.empty() && src.transforms.empty()) {
      d.error(path, spec.line, "give keys (event-data keys to read) and/or transform");
      continue;
    }
    out.user_data[field] = std::move(src);
  }
}

}  // namespace

const Schema<MetaSiteConfig>& meta_site_schema() {
  static const Schema<MetaSiteConfig> s = [] {
    using M = MetaSiteConfig;
    Schema<M> s("The Meta destination of the site (see \"Coming from sGTM\" for each setting's sGTM equivalent).");
    s.list_of("pixels", &M::pixels, pixel_schema(), "The pixels (datasets) the site's events go to.");
    s.custom("event_names", "mapping of name -> name",
             "Source event name -> Meta standard or custom name (at most 50 characters), or `drop`; on top of the "
             "built-in GA4 -> Meta table.",
             read_event_names);
    s.str_list("drop", &M::drop_events, "Events never sent, by source name (`scroll`) or Meta name (`PageView`).");
    s.str_list("event_id_keys", &M::event_id_keys,
               "Event-data keys holding the id shared with the browser Pixel, tried before `event_id`.");
    s.str_list("custom_properties", &M::custom_properties,
               "Event-data keys copied into custom_data under the same name (not Meta's standard keys).")
        .validate([](const std::string& p) -> std::string {
          if (p.empty()) return "is empty: a custom property needs a name";
          if (kStandardCustomData.count(p)) {
            return "is a standard custom_data key (filled by sidetag itself); custom properties need their own name";
          }
          return {};
        });
    s.str("action_source", &M::action_source,
          "Default when an event has none (unset: `app` with app data, `website` with a page URL, else "
          "`system_generated`).")
        .validate([](const std::string& v) -> std::string {
          if (v.empty() || std::find(kActionSources.begin(), kActionSources.end(), v) != kActionSources.end()) return {};
          return "is not one of email, website, app, phone_call, chat, physical_store, system_generated, "
                 "business_messaging, other";
        });
    s.str("default_currency", &M::default_currency, "ISO 4217 code for events with a value but no currency.")
        .validate([](const std::string& v) -> std::string {
          bool letters = v.size() == 3 && std::all_of(v.begin(), v.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
          return v.empty() || letters ? "" : "is not an ISO 4217 code: expected an ISO 4217 code like EUR";
        });
    s.section("ldu", &M::ldu, ldu_schema());
    s.custom("user_data", "mapping of field -> keys",
             "Where a Meta user_data field is read from: `[key, key]` or `{keys: [...], transform: [...]}` "
             "(replaces the built-in keys). Fields: em, ph, fn, ln, ge, db, ct, st, zp, country, external_id, "
             "f5first, f5last, fi, dobd, dobm, doby, client_ip_address, client_user_agent, fbc, fbp, lead_id, "
             "subscription_id, fb_login_id, anon_id, madid, page_id, ctwa_clid.",
             read_user_data);
    s.last().document_children = [](const std::string& path, std::vector<KeyDoc>& out) {
      field_source_schema().document(path + ".<field>.", FieldSourceForm{}, out);
    };
    s.check([](MapReader&, M& m) {
      for (auto& ch : m.default_currency) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    });
    return s;
  }();
  return s;
}

}  // namespace sidetag::config
