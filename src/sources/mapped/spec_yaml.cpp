#include "sidetag/sources/mapped/spec_yaml.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <set>

namespace sidetag::sources::mapped {

using nlohmann::json;

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

namespace {

struct Ctx {
  std::string source;  // name for messages
  std::vector<std::string>& errors;
  void error(const YAML::Node& n, const std::string& key, const std::string& msg) {
    std::string m = source.empty() ? "mapped source" : source;
    if (n.IsDefined() && n.Mark().line >= 0) m += ": line " + std::to_string(n.Mark().line + 1);
    m += ": " + key + ": " + msg;
    errors.push_back(std::move(m));
  }
};

int line_of(const YAML::Node& n) { return n.IsDefined() && n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

bool scalar(Ctx& c, const YAML::Node& n, const std::string& key, std::string& out) {
  if (!n.IsScalar()) {
    c.error(n, key, "expected a scalar");
    return false;
  }
  out = n.Scalar();
  return true;
}

// A plain (unquoted) YAML scalar keeps its type: int, float, bool, null; quoted scalars stay strings.
json scalar_to_json(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;
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

json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return scalar_to_json(n);
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& e : n) a.push_back(yaml_to_json(e));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.Scalar()] = yaml_to_json(kv.second);
      return o;
    }
    default:
      return nullptr;
  }
}

void check_keys(Ctx& c, const YAML::Node& n, const std::string& ctx, std::initializer_list<const char*> known) {
  for (const auto& kv : n) {
    const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    bool ok = false;
    for (const char* kk : known) ok |= k == kk;
    if (!ok) {
      std::string list;
      for (const char* kk : known) list += (list.empty() ? "" : ", ") + std::string(kk);
      c.error(kv.first, ctx.empty() ? k : ctx + "." + k, "unknown key (known: " + list + ")");
    }
  }
}

bool string_list(Ctx& c, const YAML::Node& n, const std::string& key, std::vector<std::string>& out) {
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return true;
  }
  if (!n.IsSequence()) {
    c.error(n, key, "expected a string or a list of strings");
    return false;
  }
  for (const auto& e : n) {
    if (!e.IsScalar()) {
      c.error(e, key, "expected a string");
      return false;
    }
    out.push_back(e.Scalar());
  }
  return true;
}

bool string_map(Ctx& c, const YAML::Node& n, const std::string& key, std::map<std::string, std::string>& out) {
  if (!n.IsMap()) {
    c.error(n, key, "expected a mapping of value: replacement");
    return false;
  }
  for (const auto& kv : n) {
    if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
      c.error(kv.first, key, "keys and values must be scalars");
      return false;
    }
    out[kv.first.Scalar()] = kv.second.Scalar();
  }
  return true;
}

FieldSpec parse_field(Ctx& c, const std::string& target, const YAML::Node& n) {
  FieldSpec f;
  f.target = target;
  f.line = line_of(n);
  const std::string key = target;
  if (n.IsScalar()) {  // shorthand: `target: /pointer` (or a column name)
    f.from.push_back(ValueSource::at(n.Scalar()));
    return f;
  }
  if (!n.IsMap()) {
    c.error(n, key, "expected a mapping {from, const, transforms, map, required, on_error, each} or a path");
    return f;
  }
  check_keys(c, n, key, {"from", "const", "transforms", "map", "required", "on_error", "each"});
  if (auto from = n["from"]) {
    std::vector<std::string> paths;
    if (string_list(c, from, key + ".from", paths)) {
      for (auto& p : paths) f.from.push_back(ValueSource::at(std::move(p)));
    }
  }
  if (auto k = n["const"]) f.from.push_back(ValueSource::constant(yaml_to_json(k)));  // last fallback
  if (auto t = n["transforms"]) string_list(c, t, key + ".transforms", f.transforms);
  if (auto m = n["map"]) string_map(c, m, key + ".map", f.map);
  if (auto r = n["required"]) {
    if (!r.IsScalar() || (r.Scalar() != "true" && r.Scalar() != "false")) {
      c.error(r, key + ".required", "expected true or false");
    } else {
      f.required = r.Scalar() == "true";
    }
  }
  if (auto e = n["on_error"]) {
    std::string v;
    if (scalar(c, e, key + ".on_error", v)) {
      if (v == "reject") {
        f.on_error = FieldSpec::OnError::reject;
      } else if (v == "drop") {
        f.on_error = FieldSpec::OnError::drop;
      } else {
        c.error(e, key + ".on_error", "expected reject or drop, got '" + v + "'");
      }
    }
  }
  if (auto each = n["each"]) {
    if (!each.IsMap()) {
      c.error(each, key + ".each", "expected a mapping of sub-field: spec");
    } else {
      for (const auto& kv : each) {
        f.each.push_back(parse_field(c, kv.first.Scalar(), kv.second));
        f.each.back().target = kv.first.Scalar();
      }
    }
  }
  if (!n["from"] && !n["const"] && !n["each"]) c.error(n, key, "needs `from`, `const` or `each`");
  return f;
}

std::string expand_env(Ctx& c, const YAML::Node& n, const std::string& key, const std::string& s,
                       const EnvLookup& env) {
  if (!env) return s;
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto open = s.find("${", i);
    if (open == std::string::npos) {
      out.append(s, i, std::string::npos);
      break;
    }
    out.append(s, i, open - i);
    auto close = s.find('}', open);
    if (close == std::string::npos) {
      c.error(n, key, "unterminated ${");
      return out;
    }
    const std::string name = s.substr(open + 2, close - open - 2);
    auto v = env(name);
    if (!v) {
      c.error(n, key, "environment variable " + name + " is not set");
    } else {
      out += *v;
    }
    i = close + 1;
  }
  return out;
}

}  // namespace

MappingSpec mapping_spec_from_yaml(const YAML::Node& node, std::vector<std::string>& errors, const EnvLookup& env) {
  MappingSpec spec;
  Ctx c{"", errors};
  try {
    if (!node.IsMap()) {
      c.error(node, "source", "expected a mapping");
      return spec;
    }
    if (auto n = node["name"]) scalar(c, n, "name", spec.name);
    c.source = spec.name;
    if (spec.name.empty()) c.error(node, "name", "missing");
    check_keys(c, node, "",
               {"name", "type", "path", "format", "records", "delimiter", "max_depth", "auth", "site",
                "action_source", "event_name", "event_id", "fields", "maps"});
    if (auto n = node["type"]) {
      std::string t;
      if (scalar(c, n, "type", t) && t != "mapped") c.error(n, "type", "expected 'mapped', got '" + t + "'");
    }
    if (auto n = node["path"]) scalar(c, n, "path", spec.path);
    if (auto n = node["site"]) scalar(c, n, "site", spec.site);
    if (auto n = node["format"]) {
      std::string f;
      if (scalar(c, n, "format", f) && !parse_source_format(f, spec.format)) {
        c.error(n, "format", "expected json, ndjson or csv, got '" + f + "'");
      }
    }
    if (auto n = node["records"]) {
      scalar(c, n, "records", spec.records);
      if (spec.format != SourceFormat::json) c.error(n, "records", "only used with format: json");
    }
    if (auto n = node["delimiter"]) {
      std::string d;
      if (scalar(c, n, "delimiter", d)) {
        if (d == "\\t" || d == "tab") d = "\t";
        if (d.size() != 1 || d == "\"" || d == "\n" || d == "\r") {
          c.error(n, "delimiter", "expected one character such as ',', ';' or '\\t'");
        } else {
          spec.delimiter = d[0];
        }
      }
    }
    if (auto n = node["max_depth"]) {
      std::string d;
      if (scalar(c, n, "max_depth", d)) {
        std::size_t v = 0;
        auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
        if (ec != std::errc() || p != d.data() + d.size() || v < 2 || v > 512) {
          c.error(n, "max_depth", "expected an integer 2..512");
        } else {
          spec.max_depth = v;
        }
      }
    }
    if (auto a = node["auth"]) {
      if (!a.IsMap()) {
        c.error(a, "auth", "expected a mapping {scheme, secret, ...}");
      } else {
        check_keys(c, a, "auth",
                   {"scheme", "secret", "header", "timestamp_header", "prefix", "public_base_url", "tolerance_s"});
        std::string s;
        if (auto n = a["scheme"]; n && scalar(c, n, "auth.scheme", s) && !parse_auth_scheme(s, spec.auth.scheme)) {
          c.error(n, "auth.scheme",
                  "expected none, bearer, hmac_sha256_base64, hmac_sha256_hex, stripe or hubspot_v3, got '" + s + "'");
        }
        if (!a["scheme"]) c.error(a, "auth.scheme", "missing");
        if (auto n = a["secret"]; n && scalar(c, n, "auth.secret", s)) {
          spec.auth.secret = expand_env(c, n, "auth.secret", s, env);
        }
        if (auto n = a["header"]) scalar(c, n, "auth.header", spec.auth.header);
        if (auto n = a["timestamp_header"]) scalar(c, n, "auth.timestamp_header", spec.auth.timestamp_header);
        if (auto n = a["prefix"]) scalar(c, n, "auth.prefix", spec.auth.prefix);
        if (auto n = a["public_base_url"]) scalar(c, n, "auth.public_base_url", spec.auth.public_base_url);
        if (auto n = a["tolerance_s"]; n && scalar(c, n, "auth.tolerance_s", s)) {
          std::int64_t v = 0;
          auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
          if (ec != std::errc() || p != s.data() + s.size() || v <= 0 || v > 86400) {
            c.error(n, "auth.tolerance_s", "expected seconds 1..86400");
          } else {
            spec.auth.tolerance_s = v;
          }
        }
        if (spec.auth.scheme != AuthScheme::none && !a["secret"]) c.error(a, "auth.secret", "missing");
        if (spec.auth.scheme == AuthScheme::hmac_sha256_hex && spec.auth.header.empty()) {
          c.error(a, "auth.header", "required for hmac_sha256_hex");
        }
      }
    } else if (spec.format != SourceFormat::csv) {
      c.error(node, "auth", "missing (use `auth: { scheme: none }` to accept unauthenticated webhooks)");
    }
    if (auto n = node["action_source"]) scalar(c, n, "action_source", spec.action_source);
    if (auto n = node["event_name"]) {
      if (n.IsScalar()) {
        FieldSpec f;
        f.target = "event_name";
        f.line = line_of(n);
        f.from.push_back(ValueSource::constant(n.Scalar()));  // `event_name: Purchase` is a constant
        spec.event_name = std::move(f);
      } else {
        spec.event_name = parse_field(c, "event_name", n);
      }
    }
    if (auto n = node["event_id"]) {
      if (!n.IsMap()) {
        c.error(n, "event_id", "expected {from: [...]} or {template: \"...\"}");
      } else {
        check_keys(c, n, "event_id", {"from", "template", "length"});
        if (auto f = n["from"]) string_list(c, f, "event_id.from", spec.event_id.from);
        if (auto t = n["template"]) scalar(c, t, "event_id.template", spec.event_id.templ);
        if (auto l = n["length"]) {
          std::string s;
          if (scalar(c, l, "event_id.length", s)) {
            std::size_t v = 0;
            auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec != std::errc() || p != s.data() + s.size() || v < 8 || v > 64) {
              c.error(l, "event_id.length", "expected 8..64");
            } else {
              spec.event_id.length = v;
            }
          }
        }
        if (!spec.event_id.enabled()) c.error(n, "event_id", "needs `from` or `template`");
      }
    }
    if (auto n = node["maps"]) {
      if (!n.IsMap()) {
        c.error(n, "maps", "expected a mapping of table name: {value: replacement}");
      } else {
        for (const auto& kv : n) string_map(c, kv.second, "maps." + kv.first.Scalar(), spec.maps[kv.first.Scalar()]);
      }
    }
    if (auto n = node["fields"]) {
      if (!n.IsMap()) {
        c.error(n, "fields", "expected a mapping of target: spec");
      } else {
        for (const auto& kv : n) {
          if (!kv.first.IsScalar()) {
            c.error(kv.first, "fields", "target must be a string");
            continue;
          }
          spec.fields.push_back(parse_field(c, kv.first.Scalar(), kv.second));
        }
      }
    }
  } catch (const std::exception& e) {
    c.error(node, "source", std::string("invalid YAML structure: ") + e.what());
  }
  return spec;
}

std::vector<MappingSpec> mapped_sources_from_yaml(const YAML::Node& root, std::vector<std::string>& errors,
                                                  const EnvLookup& env) {
  std::vector<MappingSpec> out;
  try {
    const YAML::Node sources = root["sources"];
    if (!sources) return out;
    // sidetag's configuration keys sources by name (sources.<name>: {...}); a list of {name: ...} also works.
    if (sources.IsMap()) {
      for (auto it = sources.begin(); it != sources.end(); ++it) {
        YAML::Node s = YAML::Clone(it->second);
        if (s.IsMap() && s["type"] && s["type"].IsScalar() && s["type"].Scalar() == "mapped") {
          if (!s["name"]) s["name"] = it->first.Scalar();
          out.push_back(mapping_spec_from_yaml(s, errors, env));
        }
      }
      return out;
    }
    if (!sources.IsSequence()) {
      errors.push_back("line " + std::to_string(line_of(sources)) + ": sources: expected a mapping of name -> source");
      return out;
    }
    for (const auto& s : sources) {
      if (s.IsMap() && s["type"] && s["type"].IsScalar() && s["type"].Scalar() == "mapped") {
        out.push_back(mapping_spec_from_yaml(s, errors, env));
      }
    }
  } catch (const std::exception& e) {
    errors.push_back(std::string("sources: invalid YAML structure: ") + e.what());
  }
  return out;
}

}  // namespace sidetag::sources::mapped
