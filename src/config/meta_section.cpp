// sites.<id>.meta: the Meta destination's per-site settings (pixels, event names, event id, custom properties,
// LDU, field sources). Defaults live in include/sidetag/config/meta.hpp.
#include <algorithm>
#include <cctype>
#include <set>

#include "config/sections.hpp"

namespace sidetag::config {

namespace {

// Meta's user_data keys a field source may be configured for
// (developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters): hashed, then
// raw.
const std::set<std::string> kUserDataFields = {
    "em", "ph", "fn", "ln", "ge", "db", "ct", "st", "zp", "country", "external_id", "f5first", "f5last", "fi",
    "dobd", "dobm", "doby", "client_ip_address", "client_user_agent", "fbc", "fbp", "lead_id", "subscription_id",
    "fb_login_id", "anon_id", "madid", "page_id", "ctwa_clid"};

// Meta's standard custom_data keys (developers.facebook.com/docs/marketing-api/conversions-api/parameters/custom-data):
// a custom property may not take one of these names.
const std::set<std::string> kStandardCustomData = {
    "value",        "currency",     "net_revenue", "content_ids",   "contents",      "content_type",
    "content_name", "content_category", "order_id", "num_items",    "predicted_ltv", "status",
    "search_string", "delivery_category", "item_number"};

const std::set<std::string> kActionSources = {"email", "website", "app", "phone_call", "chat", "physical_store",
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

void read_pixels(MapReader& m, std::vector<PixelConfig>& pixels, std::vector<std::string>& errors) {
  const Node* pn = m.child("pixels");
  if (pn && pn->kind != Node::Kind::seq) {
    m.error("pixels", pn, "expected a list of pixels");
  } else if (pn) {
    for (std::size_t i = 0; i < pn->seq.size(); ++i) {
      MapReader p(&pn->seq[i], m.key_path("pixels") + "[" + std::to_string(i) + "]", errors);
      PixelConfig px;
      p.str("id", px.id, true);
      if (!px.id.empty() && px.id.find_first_not_of("0123456789") != std::string::npos) {
        p.error("id", p.child("id"), "a pixel (dataset) id is numeric, got '" + px.id + "'");
      }
      p.str("access_token", px.access_token);
      p.str("app_secret", px.app_secret);
      p.str("test_event_code", px.test_event_code);
      p.finish();
      pixels.push_back(std::move(px));
    }
  }
}

void read_event_names(MapReader& m, MetaSiteConfig& out, std::vector<std::string>& errors) {
  if (const Node* n = m.child("event_names")) {
    if (n->kind != Node::Kind::map) {
      m.error("event_names", n, "expected a mapping of source event name -> Meta event name (or drop)");
    } else {
      for (const auto& [from, to] : n->map) {
        const std::string path = m.key_path("event_names") + "." + from;
        if (to.kind != Node::Kind::scalar) {
          errors.push_back(at(path, to.line) + ": expected a Meta event name or drop");
          continue;
        }
        if (to.scalar != "drop") {
          if (auto problem = event_name_problem(to.scalar); !problem.empty()) {
            errors.push_back(at(path, to.line) + ": " + problem);
            continue;
          }
        }
        out.event_names[from] = to.scalar;
      }
    }
  }
  m.str_list("drop", out.drop_events);
}

void read_ldu(MapReader& m, MetaLduConfig& ldu, std::vector<std::string>& errors) {
  const Node* n = m.child("ldu");
  if (!n) return;
  MapReader l(n, m.key_path("ldu"), errors);
  l.flag("enabled", ldu.enabled);
  // Meta's numeric codes, or the two-letter codes Meta documents a number for.
  auto code = [&](const std::string& key, std::optional<int>& out, std::initializer_list<std::pair<const char*, int>> names) {
    const Node* c = l.child(key);
    if (!c) return;
    if (c->kind == Node::Kind::scalar) {
      std::string up = c->scalar;
      for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      for (const auto& [name, num] : names) {
        if (up == name) {
          out = num;
          return;
        }
      }
    }
    int v = -1;
    l.integer(key, v, 0, 99'999);
    if (v >= 0) out = v;
  };
  code("country", ldu.country, {{"US", 1}, {"USA", 1}});
  code("state", ldu.state, {{"CA", 1000}, {"CO", 1001}});
  l.finish();
}

void read_user_data(MapReader& m, MetaSiteConfig& out, std::vector<std::string>& errors) {
  const Node* n = m.child("user_data");
  if (!n) return;
  if (n->kind != Node::Kind::map) {
    m.error("user_data", n, "expected a mapping of Meta field (em, ph, ...) -> event-data keys");
    return;
  }
  const std::string base = m.key_path("user_data");
  for (const auto& [field, spec] : n->map) {
    const std::string path = base + "." + field;
    if (!kUserDataFields.count(field)) {
      std::string msg = "unknown Meta user_data field '" + field + "'";
      for (const auto& f : kUserDataFields) {
        if (edit_distance(field, f) <= 2) {
          msg += " (did you mean '" + f + "'?)";
          break;
        }
      }
      errors.push_back(at(path, spec.line) + ": " + msg);
      continue;
    }
    MetaFieldSource src;
    std::vector<std::string> transforms;
    if (spec.kind == Node::Kind::scalar || spec.kind == Node::Kind::seq) {
      // Short form: `em: [email, user.email]` (or one key).
      Node wrapper;
      wrapper.kind = Node::Kind::map;
      wrapper.line = spec.line;
      wrapper.map.push_back({"keys", spec});
      MapReader r(&wrapper, path, errors);
      r.str_list("keys", src.keys);
      r.finish();
    } else {
      MapReader r(&spec, path, errors);
      r.str_list("keys", src.keys);
      r.str_list("transform", transforms);
      r.finish();
    }
    for (const auto& k : src.keys) {
      if (k.empty()) errors.push_back(at(path + ".keys", spec.line) + ": an event-data key must not be empty");
    }
    for (const auto& t : transforms) {
      std::string err;
      auto compiled = sources::mapped::parse_transform(t, err);
      if (!compiled) {
        errors.push_back(at(path + ".transform", spec.line) + ": " + err);
      } else if (compiled->kind == sources::mapped::Transform::Kind::map) {
        errors.push_back(at(path + ".transform", spec.line) + ": map:<table> is only available in mapped sources");
      } else {
        src.transforms.push_back(std::move(*compiled));
      }
    }
    if (src.keys.empty() && src.transforms.empty()) {
      errors.push_back(at(path, spec.line) + ": give keys (event-data keys to read) and/or transform");
      continue;
    }
    out.user_data[field] = std::move(src);
  }
}

}  // namespace

void read_site_meta(MapReader& m, MetaSiteConfig& out, std::vector<std::string>& errors) {
  read_pixels(m, out.pixels, errors);
  read_event_names(m, out, errors);
  m.str_list("event_id_keys", out.event_id_keys);
  m.str_list("custom_properties", out.custom_properties);
  for (const auto& p : out.custom_properties) {
    if (kStandardCustomData.count(p)) {
      m.error("custom_properties", m.child("custom_properties"),
              "'" + p + "' is a standard custom_data key (filled by sidetag itself); custom properties need their own name");
    } else if (p.empty()) {
      m.error("custom_properties", m.child("custom_properties"), "a custom property name must not be empty");
    }
  }
  m.str("action_source", out.action_source);
  if (!out.action_source.empty() && !kActionSources.count(out.action_source)) {
    m.error("action_source", m.child("action_source"),
            "must be one of email, website, app, phone_call, chat, physical_store, system_generated, "
            "business_messaging, other (got '" + out.action_source + "')");
  }
  m.str("default_currency", out.default_currency);
  if (!out.default_currency.empty()) {
    std::string up = out.default_currency;
    for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    bool letters = up.size() == 3 && std::all_of(up.begin(), up.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!letters) m.error("default_currency", m.child("default_currency"), "expected an ISO 4217 code like EUR");
    out.default_currency = up;
  }
  read_ldu(m, out.ldu, errors);
  read_user_data(m, out, errors);
  m.finish();
}

}  // namespace sidetag::config
