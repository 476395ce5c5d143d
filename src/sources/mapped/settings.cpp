// The schema table of `type: mapped` sources: format, webhook authentication, event name and id, fields with their
// fallbacks, transforms and sub-fields, and the named lookup tables. Errors name the line of the key they are about,
// with a did-you-mean for misspelled keys and transform names.
#include "sidetag/sources/mapped/settings.hpp"

#include <charconv>
#include <cstdint>

namespace sidetag::sources::mapped {

using config::MapReader;
using config::Node;
using config::Schema;
using nlohmann::json;

const std::vector<std::string>& transform_names() {
  static const std::vector<std::string> names = {"trim",   "lowercase", "uppercase", "string", "split", "date",
                                                 "number", "int",       "map",       "prefix", "sha256"};
  return names;
}

std::string transform_problem(const std::string& text) {
  std::string error;
  if (parse_transform(text, error)) return {};
  const std::string name = text.substr(0, text.find(':'));
  for (const auto& n : transform_names()) {
    if (n == name) return "is not a valid transform: " + error;  // a known transform with a bad argument
  }
  std::string known;
  for (const auto& n : transform_names()) known += (known.empty() ? "" : ", ") + n;
  return "is not a transform" + config::did_you_mean(name, transform_names()) + " (known: " + known + ")";
}

namespace {

const std::vector<std::string> kActionSources = {"email",          "website",         "app",
                                                 "phone_call",     "chat",            "physical_store",
                                                 "system_generated", "business_messaging", "other"};

// A plain YAML scalar keeps its type (int, float, bool, null); a quoted or interpolated one stays a string.
json scalar_value(const Node& n) {
  const std::string& s = n.scalar;
  if (n.quoted) return s;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "~" || s == "Null" || s == "NULL") return nullptr;
  long long i = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (!s.empty() && ec == std::errc() && p == s.data() + s.size()) return i;
  if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '.')) {
    double d = 0;
    auto [p2, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec2 == std::errc() && p2 == s.data() + s.size()) return d;
  }
  return s;
}

json node_value(const Node& n) {
  switch (n.kind) {
    case Node::Kind::scalar:
      return scalar_value(n);
    case Node::Kind::seq: {
      json a = json::array();
      for (const auto& e : n.seq) a.push_back(node_value(e));
      return a;
    }
    case Node::Kind::map: {
      json o = json::object();
      for (const auto& [k, v] : n.map) o[k] = node_value(v);
      return o;
    }
    case Node::Kind::null:
      break;
  }
  return nullptr;
}

// `value: replacement` pairs of scalars.
bool read_string_map(MapReader& r, const std::string& key, const Node& n, std::map<std::string, std::string>& out) {
  if (n.kind != Node::Kind::map) {
    r.error(key, &n, "expected a mapping of value: replacement");
    return false;
  }
  bool ok = true;
  for (const auto& [k, v] : n.map) {
    if (v.kind != Node::Kind::scalar) {
      r.diagnostics().error(r.key_path(key) + "." + k, v.line, "expected a replacement value (a string)");
      ok = false;
      continue;
    }
    out[k] = v.scalar;
  }
  return ok;
}

const Schema<FieldSpec>& field_schema();

// One entry of `fields:` (or of `each:`): a mapping, or a bare path/column as shorthand for `from`.
void read_field(MapReader& parent, const std::string& path_key, const std::string& target, const Node& n,
                FieldSpec& f) {
  f.target = target;
  f.line = n.line;
  if (n.kind == Node::Kind::scalar) {
    f.from.push_back(ValueSource::at(n.scalar));
    return;
  }
  if (n.kind != Node::Kind::map) {
    parent.diagnostics().error(parent.key_path(path_key), n.line,
                               "expected a mapping {from, const, transforms, map, required, on_error, each} or a "
                               "path");
    return;
  }
  MapReader sub(&n, parent.key_path(path_key), parent.diagnostics());
  field_schema().read(sub, f);
}

// `fields:` / `each:`: target -> field, in file order.
void read_fields(MapReader& r, const std::string& key, std::vector<FieldSpec>& out) {
  const Node* n = r.child(key);
  if (!n) return;
  if (n->kind != Node::Kind::map) {
    r.error(key, n, "expected a mapping of target: spec");
    return;
  }
  MapReader fields(n, r.key_path(key), r.diagnostics());
  for (const auto& [target, spec] : n->map) {
    fields.allow(target);
    FieldSpec f;
    read_field(fields, target, target, spec, f);
    out.push_back(std::move(f));
  }
}

const Schema<FieldSpec>& field_schema() {
  static const Schema<FieldSpec> s = [] {
    Schema<FieldSpec> s("One target event-data key and where its value comes from.");
    s.custom("from", "string or list of strings",
             "JSON pointers (`/properties/email`) or CSV column names, tried in order: the first present value "
             "wins (absent, null and blank count as missing).",
             [](MapReader& r, const std::string& key, FieldSpec& f) {
               std::vector<std::string> paths;
               r.str_list(key, paths);
               for (auto& p : paths) f.from.push_back(ValueSource::at(std::move(p)));
             });
    s.custom("const", "any value",
             "A constant, used when no `from` value is present (a plain YAML scalar keeps its type; quote it for "
             "a string).",
             [](MapReader& r, const std::string& key, FieldSpec& f) {
               if (const Node* n = r.child(key)) f.from.push_back(ValueSource::constant(node_value(*n)));
             });
    s.str_list("transforms", &FieldSpec::transforms,
               "Applied in order: `trim`, `lowercase`, `uppercase`, `string`, `split:<sep>:<i>`, "
               "`date:<format>[:<tz>]`, `number`, `int`, `map:<table>`, `prefix:<text>`, `sha256`.")
        .validate(transform_problem);
    s.custom("map", "mapping of value -> replacement",
             "Inline lookup applied after the transforms (`\"*\"`: any other value); a value not in it fails the "
             "field.",
             [](MapReader& r, const std::string& key, FieldSpec& f) {
               if (const Node* n = r.child(key)) read_string_map(r, key, *n, f.map);
             });
    s.flag("required", &FieldSpec::required, "A record without a value is rejected (event_name and event_time "
                                             "always are).");
    s.one_of("on_error", &FieldSpec::on_error,
             {{"reject", FieldSpec::OnError::reject}, {"drop", FieldSpec::OnError::drop}},
             "When a transform fails: `reject` the record, or `drop` the field and keep the record (noted).");
    s.custom("each", "mapping of sub-field -> field",
             "Array target (`items`): every element of the `from` array (json), or the row itself (csv), is mapped "
             "with these sub-fields, whose paths are relative to the element.",
             [](MapReader& r, const std::string& key, FieldSpec& f) { read_fields(r, key, f.each); });
    s.check([](MapReader& r, FieldSpec&) {
      if (!r.child("from") && !r.child("const") && !r.child("each")) {
        r.diagnostics().error(r.path(), r.line(), "needs `from`, `const` or `each`");
      }
    });
    return s;
  }();
  return s;
}

const Schema<AuthSpec>& auth_schema() {
  static const Schema<AuthSpec> s = [] {
    Schema<AuthSpec> s("Webhook authentication, checked on the raw body before anything is parsed; a failure is a "
                       "401 and nothing is processed.");
    s.one_of("scheme", &AuthSpec::scheme,
             {{"none", AuthScheme::none},
              {"bearer", AuthScheme::bearer},
              {"hmac_sha256_base64", AuthScheme::hmac_sha256_base64},
              {"hmac_sha256_hex", AuthScheme::hmac_sha256_hex},
              {"stripe", AuthScheme::stripe},
              {"hubspot_v3", AuthScheme::hubspot_v3}},
             "`bearer` (API key), `hmac_sha256_base64` (Shopify), `hmac_sha256_hex` (configurable header, prefix, "
             "timestamp header), `stripe`, `hubspot_v3`, or `none` (files, private networks).")
        .required();
    s.str("secret", &AuthSpec::secret, "API key or signing secret (use `${VAR}` or `${file:...}`).").secret();
    s.str("header", &AuthSpec::header, "Header carrying the key or signature (required for `hmac_sha256_hex`).");
    s.str("timestamp_header", &AuthSpec::timestamp_header,
          "`hmac_sha256_hex`: header with a timestamp; the payload becomes `<timestamp>.<body>`.");
    s.str("prefix", &AuthSpec::prefix, "`hmac_sha256_hex`: prefix stripped from the header value (`sha256=`).");
    s.str("public_base_url", &AuthSpec::public_base_url,
          "`hubspot_v3`: the public base URL HubSpot signs, prepended to the request path.");
    s.integer("tolerance_s", &AuthSpec::tolerance_s, 1, 86400,
              "Accepted clock difference of signed timestamps (`stripe`, `hubspot_v3`, `hmac_sha256_hex`).");
    s.check([](MapReader& r, AuthSpec& a) {
      if (a.scheme != AuthScheme::none && !r.child("secret")) {
        r.error("secret", nullptr, "required value is missing (scheme " + std::string(to_string(a.scheme)) + ")");
      }
      if (a.scheme == AuthScheme::hmac_sha256_hex && a.header.empty()) {
        r.error("header", nullptr, "required for hmac_sha256_hex");
      }
    });
    return s;
  }();
  return s;
}

const Schema<EventIdSpec>& event_id_schema() {
  static const Schema<EventIdSpec> s = [] {
    Schema<EventIdSpec> s("A deterministic event_id, so a redelivered webhook or a re-sent file deduplicates at Meta.");
    s.str_list("from", &EventIdSpec::from,
               "Pointers or columns whose values, joined with `|`, are hashed (SHA-256; the first `length` hex "
               "characters).");
    s.str("template", &EventIdSpec::templ, "A template with `{pointer}` placeholders, e.g. `shopify-order-{/id}`.");
    s.integer("length", &EventIdSpec::length, 8, 64, "Hex characters kept of the hash (`from`).");
    s.check([](MapReader& r, EventIdSpec& e) {
      if (!e.enabled()) r.diagnostics().error(r.path(), r.line(), "needs `from` or `template`");
    });
    return s;
  }();
  return s;
}

}  // namespace

const Schema<MappingSpec>& mapped_source_schema() {
  static const Schema<MappingSpec> s = [] {
    using M = MappingSpec;
    Schema<M> s("A CRM / call-tracking webhook or an offline file whose records become events through "
                "configuration alone (`config/examples/`).");
    s.str("path", &M::path, "HTTP path the webhook is POSTed to.").default_doc("`/v1/sources/<name>`");
    s.one_of("format", &M::format,
             {{"json", SourceFormat::json}, {"ndjson", SourceFormat::ndjson}, {"csv", SourceFormat::csv}},
             "Body or file format; csv needs a header row.");
    s.str("records", &M::records, "json: JSON pointer to the array of records (`/` or empty: the body).");
    s.custom("delimiter", "one character", "csv: field delimiter (`,` `;` or `\\t`).",
             [](MapReader& r, const std::string& key, M& m) {
               std::string d;
               r.str(key, d);
               if (!r.child(key)) return;
               if (d == "\\t" || d == "tab") d = "\t";
               if (d.size() != 1 || d == "\"" || d == "\n" || d == "\r") {
                 r.error(key, r.child(key), "expected one character such as ',', ';' or '\\t'");
               } else {
                 m.delimiter = d[0];
               }
             })
        .default_doc("`,`");
    s.integer("max_depth", &M::max_depth, 2, 512, "json/ndjson: bodies nested deeper are rejected as a whole.");
    s.section("auth", &M::auth, auth_schema());
    s.str("site", &M::site, "Site id the events belong to (pixels, consent, identity).");
    s.str("action_source", &M::action_source,
          "Constant `action_source` for every event, unless a field targets `action_source`.")
        .validate([](const std::string& v) -> std::string {
          for (const auto& a : kActionSources) {
            if (a == v) return {};
          }
          return "is not an action_source (email, website, app, phone_call, chat, physical_store, system_generated, "
                 "business_messaging, other)";
        });
    s.custom("event_name", "string or field",
             "The event name: a constant (`Purchase`), or a field with the keys of `fields.<target>` "
             "(`{from: /stage, map: {closedwon: Purchase}}`).",
             [](MapReader& r, const std::string& key, M& m) {
               const Node* n = r.child(key);
               if (!n) return;
               FieldSpec f;
               if (n->kind == Node::Kind::scalar) {
                 f.target = "event_name";
                 f.line = n->line;
                 f.from.push_back(ValueSource::constant(n->scalar));  // `event_name: Purchase` is a constant
               } else {
                 read_field(r, key, "event_name", *n, f);
               }
               m.event_name = std::move(f);
             })
        .required();
    s.section("event_id", &M::event_id, event_id_schema());
    s.custom("maps", "mapping of name -> mapping", "Named lookup tables for the `map:<name>` transform (`\"*\"`: "
                                                   "default).",
             [](MapReader& r, const std::string& key, M& m) {
               const Node* n = r.child(key);
               if (!n) return;
               if (n->kind != Node::Kind::map) {
                 r.error(key, n, "expected a mapping of table name: {value: replacement}");
                 return;
               }
               MapReader tables(n, r.key_path(key), r.diagnostics());
               for (const auto& [name, t] : n->map) {
                 tables.allow(name);
                 read_string_map(tables, name, t, m.maps[name]);
               }
             });
    s.custom("fields", "mapping of target -> field",
             "Target event-data key (dotted: `user_data.address.city`) <- where its value comes from. A target no "
             "stage reads is an error.",
             [](MapReader& r, const std::string& key, M& m) { read_fields(r, key, m.fields); });
    s.last().document_children = [](const std::string& path, std::vector<config::KeyDoc>& out) {
      field_schema().document(path + ".<target>.", FieldSpec{}, out);
    };
    s.check([](MapReader& r, M& m) {
      if (r.child("records") && m.format != SourceFormat::json) {
        r.error("records", r.child("records"), "only used with format: json");
      }
      if (!r.child("auth") && m.format != SourceFormat::csv) {
        r.error("auth", nullptr, "missing (use `auth: { scheme: none }` to accept unauthenticated webhooks)");
      }
      // Transforms that name a table need it.
      auto check_maps = [&](const FieldSpec& f, const auto& self) -> void {
        for (const auto& t : f.transforms) {
          if (t.rfind("map:", 0) == 0 && !m.maps.count(t.substr(4))) {
            r.diagnostics().error(r.key_path("fields") + "." + f.target + ".transforms", f.line,
                                  "map table '" + t.substr(4) + "' is not defined under maps" +
                                      config::did_you_mean(t.substr(4), [&] {
                                        std::vector<std::string> names;
                                        for (const auto& [n, v] : m.maps) names.push_back(n);
                                        return names;
                                      }()));
          }
        }
        for (const auto& sub : f.each) self(sub, self);
      };
      for (const auto& f : m.fields) check_maps(f, check_maps);
      if (m.event_name) check_maps(*m.event_name, check_maps);
    });
    return s;
  }();
  return s;
}

}  // namespace sidetag::sources::mapped
