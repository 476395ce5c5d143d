// YAML -> typed Config: environment overlay, interpolation, strict validation with "path (line N): message".
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "sidetag/config/reader.hpp"
#include "config/sections.hpp"
#include "sidetag/config/yaml_tree.hpp"
#include "sidetag/config/config.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::config {

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

const SiteConfig* Config::find_site(const std::string& id) const {
  for (const auto& s : sites) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const SourceConfig* Config::find_source_by_path(std::string_view path) const {
  for (const auto& s : sources) {
    if (s.path == path) return &s;
  }
  return nullptr;
}

std::vector<std::string> Config::secrets() const {
  std::vector<std::string> out;
  for (const auto& site : sites) {
    for (const auto& k : site.ga4.mp_api_secrets) out.push_back(k);
    for (const auto& p : site.pixels) {
      if (!p.access_token.empty()) out.push_back(p.access_token);
      if (!p.app_secret.empty()) out.push_back(p.app_secret);
    }
  }
  for (const auto& s : sources) {
    for (const auto& k : s.api_keys) out.push_back(k);
  }
  // A DSN may carry a password; the whole string is treated as secret.
  if (!delivery.postgres_dsn.empty()) out.push_back(delivery.postgres_dsn);
  return out;
}

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// ${VAR}, ${VAR:-default}, ${file:/path}; "$${" is a literal "${". When VAR is unset but VAR_FILE is set (the
// Docker/Kubernetes secrets convention), the file's content is used. Trailing newlines of files are dropped.
bool interpolate_scalar(const std::string& in, std::string& out, EnvLookup lookup, std::string& error) {
  out.clear();
  std::size_t i = 0;
  while (i < in.size()) {
    if (in.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (in.compare(i, 2, "${") != 0) {
      out += in[i++];
      continue;
    }
    auto close = in.find('}', i + 2);
    if (close == std::string::npos) {
      error = "unterminated ${ in value";
      return false;
    }
    std::string expr = in.substr(i + 2, close - i - 2);
    i = close + 1;
    if (util::starts_with(expr, "file:")) {
      std::string path = expr.substr(5);
      std::string content;
      if (!read_file(path, content)) {
        error = "cannot read secret file '" + path + "'";
        return false;
      }
      while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
      out += content;
      continue;
    }
    std::string name = expr, fallback;
    bool has_default = false;
    if (auto pos = expr.find(":-"); pos != std::string::npos) {
      name = expr.substr(0, pos);
      fallback = expr.substr(pos + 2);
      has_default = true;
    }
    bool valid_name = !name.empty();
    for (char c : name) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) valid_name = false;
    }
    if (!valid_name) {
      error = "invalid variable name in ${" + expr + "}";
      return false;
    }
    if (auto v = lookup(name); v && !v->empty()) {
      out += *v;
    } else if (auto f = lookup(name + "_FILE"); f && !f->empty()) {
      std::string content;
      if (!read_file(*f, content)) {
        error = "cannot read " + name + "_FILE '" + *f + "'";
        return false;
      }
      while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
      out += content;
    } else if (has_default) {
      out += fallback;
    } else {
      error = "environment variable " + name + " is not set (use ${" + name + ":-default} for a default)";
      return false;
    }
  }
  return true;
}

void interpolate_tree(Node& n, const std::string& path, EnvLookup lookup, Diagnostics& errors) {
  switch (n.kind) {
    case Node::Kind::scalar: {
      if (n.scalar.find('$') == std::string::npos) return;
      std::string out, err;
      if (!interpolate_scalar(n.scalar, out, lookup, err)) {
        errors.error(path, n.line, err);
        return;
      }
      n.scalar = std::move(out);
      n.quoted = true;  // an interpolated value is text, even if it looks like a number
      return;
    }
    case Node::Kind::map:
      for (auto& [k, v] : n.map) interpolate_tree(v, path.empty() ? k : path + "." + k, lookup, errors);
      return;
    case Node::Kind::seq:
      for (std::size_t i = 0; i < n.seq.size(); ++i) {
        interpolate_tree(n.seq[i], path + "[" + std::to_string(i) + "]", lookup, errors);
      }
      return;
    case Node::Kind::null:
      return;
  }
}

bool valid_region(const std::string& r) {
  return r.size() == 2 && std::isupper(static_cast<unsigned char>(r[0])) && std::isupper(static_cast<unsigned char>(r[1]));
}

void read_sites(MapReader& top, const std::string& key, Config& c) {
  Diagnostics& errors = top.diagnostics();
  const Node* n = top.child(key);
  if (!n) return;
  if (n->kind != Node::Kind::map) {
    errors.error("sites", n->line, "expected a mapping of site id -> site settings");
    return;
  }
  for (const auto& [id, sn] : n->map) {
    MapReader r(&sn, "sites." + id, errors);
    SiteConfig site;
    site.id = id;
    r.str_list("domains", site.domains);
    r.str("default_region", site.default_region);
    if (!site.default_region.empty()) {
      std::string up = site.default_region;
      for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (!valid_region(up)) r.error("default_region", r.child("default_region"), "expected an ISO 3166 alpha-2 code like GB");
      site.default_region = up;
    }
    r.flag("allow_zero_value_purchase", site.allow_zero_value_purchase);
    if (const Node* gn = r.child("ga4")) {
      MapReader g(gn, r.key_path("ga4"), errors);
      read_site_ga4(g, site.ga4, errors);
    }
    if (const Node* mn = r.child("meta")) {
      MapReader m(mn, r.key_path("meta"), errors);
      read_site_meta(m, site.meta, errors);
      site.pixels = std::move(site.meta.pixels);
      site.meta.pixels.clear();
    }
    r.finish();
    c.sites.push_back(std::move(site));
  }
}

const std::set<std::string> kReservedPaths = {"/healthz", "/readyz", "/metrics", "/g/collect", "/mp/collect"};

void read_sources(MapReader& top, const std::string& key, Config& c) {
  Diagnostics& errors = top.diagnostics();
  const Node* n = top.child(key);
  if (!n) return;
  if (n->kind != Node::Kind::map) {
    errors.error("sources", n->line, "expected a mapping of source name -> source settings");
    return;
  }
  std::set<std::string> paths;
  for (const auto& [name, sn] : n->map) {
    MapReader r(&sn, "sources." + name, errors);
    SourceConfig s;
    s.name = name;
    s.type = "capi_json";
    r.one_of("type", s.type, {"capi_json", "mapped"});
    if (s.type == "mapped") {
      read_mapped_source(name, sn, s, errors);
      if (!paths.insert(s.path).second) errors.error("sources." + name, sn.line, "path '" + s.path + "' is used by another source");
      if (!s.site.empty() && !c.find_site(s.site)) {
        errors.error("sources." + name + ".site", sn.line, "no site '" + s.site + "' is defined under sites");
      }
      c.sources.push_back(std::move(s));
      continue;
    }
    s.path = "/v1/events";
    r.str("path", s.path);
    if (s.path.empty() || s.path[0] != '/') r.error("path", r.child("path"), "must start with /");
    if (kReservedPaths.count(s.path)) r.error("path", r.child("path"), "'" + s.path + "' is reserved by the server");
    if (!paths.insert(s.path).second) r.error("path", r.child("path"), "path '" + s.path + "' is used by another source");
    r.str("site", s.site, true);
    r.secret("api_keys");
    r.str_list("api_keys", s.api_keys);
    for (const auto& k : s.api_keys) {
      if (k.size() < 16) r.error("api_keys", r.child("api_keys"), "API keys must be at least 16 characters");
    }
    r.one_of("action_source", s.action_source,
             {"website", "email", "app", "phone_call", "chat", "physical_store", "system_generated",
              "business_messaging", "other"});
    const Node* site_node = r.child("site");
    if (!s.site.empty() && !c.find_site(s.site)) {
      r.error("site", site_node, "no site '" + s.site + "' is defined under sites");
    }
    if (s.api_keys.empty()) {
      r.error("api_keys", nullptr, "at least one API key is required (server-to-server sources are authenticated)");
    }
    r.finish();
    c.sources.push_back(std::move(s));
  }
}

void check_combinations(MapReader& top, Config& c) {
  if (!top.diagnostics().errors.empty()) return;  // a combination of values that did not read is noise
  auto& errors = top.diagnostics().errors;
  const bool live = c.meta.dispatch == DispatchMode::live;
  for (const auto& site : c.sites) {
    for (std::size_t i = 0; i < site.pixels.size(); ++i) {
      const auto& p = site.pixels[i];
      const std::string path = "sites." + site.id + ".meta.pixels[" + std::to_string(i) + "]";
      if (live && p.access_token.empty()) {
        errors.push_back(path + ".access_token: required when meta.dispatch is live (read it from a secret file: "
                                "access_token: ${file:/run/secrets/meta_token})");
      }
      // Environment guard: test data must never reach a production pixel's real event stream.
      if (live && !c.is_prod && p.test_event_code.empty()) {
        errors.push_back(path + ": environment '" + c.env +
                         "' is not prod, so live dispatch needs a test_event_code for pixel " + p.id +
                         " (or set meta.dispatch: sandbox)");
      }
    }
  }
  if (c.logging.debug_pii && c.is_prod) {
    errors.push_back("logging.debug_pii: raw PII logging is not allowed in a prod environment");
  }
}

LoadResult build(Node root, std::string env, EnvLookup lookup) {
  LoadResult result;
  Diagnostics diag;
  auto finish = [&] {
    diag.scrub();
    result.errors = std::move(diag.errors);
    result.warnings = std::move(diag.warnings);
    return std::move(result);
  };
  if (root.kind == Node::Kind::null) {
    diag.errors.push_back("(line 1): the configuration is empty");
    return finish();
  }
  if (root.kind != Node::Kind::map) {
    diag.errors.push_back("(line 1): the configuration must be a mapping at the top level");
    return finish();
  }
  if (env.empty()) env = lookup("SIDETAG_ENV").value_or("dev");

  // Overlay environments.<env> onto the base, then drop the environments section.
  Node merged;
  merged.kind = Node::Kind::map;
  merged.line = root.line;
  const Node* envs = nullptr;
  for (const auto& [k, v] : root.map) {
    if (k == "environments") {
      envs = &v;
    } else {
      merged.map.push_back(MapEntry{k, v});
    }
  }
  if (envs && envs->kind != Node::Kind::map && envs->kind != Node::Kind::null) {
    diag.error("environments", envs->line, "expected a mapping of environment name -> overlay");
    return finish();
  }
  const Node* overlay = envs ? envs->find(env) : nullptr;
  if (envs && envs->kind == Node::Kind::map && !overlay) {
    std::string names;
    for (const auto& [k, v] : envs->map) names += names.empty() ? k : ", " + k;
    diag.errors.push_back("environments: environment '" + env + "' is not defined (defined: " + names + ")");
    return finish();
  }
  if (overlay && overlay->kind != Node::Kind::null) {
    if (overlay->kind != Node::Kind::map) {
      diag.error("environments." + env, overlay->line, "expected a mapping");
      return finish();
    }
    merge_overlay(merged, *overlay);
  }
  interpolate_tree(merged, "", lookup, diag);

  auto cfg = std::make_shared<Config>();
  cfg->env = env;
  cfg->is_prod = (env == "prod" || env == "production");
  // Durable by default outside dev, where a newcomer runs without a writable volume in mind.
  if (cfg->env == "dev") cfg->delivery.durability = Durability::memory;
  MapReader top(&merged, "", diag);
  top.allow("environments");
  config_schema().read(top, *cfg);
  if (diag.errors.empty()) result.config = std::move(cfg);
  return finish();
}

}  // namespace

const Schema<Config>& config_schema() {
  static const Schema<Config> s = [] {
    Schema<Config> s;
    s.section("server", &Config::server, server_schema());
    s.section("logging", &Config::logging, logging_schema());
    s.section("meta", &Config::meta, meta_schema());
    s.section("delivery", &Config::delivery, delivery_schema());
    s.section("identity", &Config::identity, identity_schema());
    s.custom("sites", "mapping of <id> -> mapping",
             "The sites (tagging domains) and where their events go: GA4 on the tagging domain, Meta pixels.",
             [](MapReader& r, const std::string& key, Config& c) { read_sites(r, key, c); });
    s.custom("sources", "mapping of <name> -> mapping",
             "Server-to-server sources: Conversions API-shaped JSON (`capi_json`) and mapped webhooks or files "
             "(`mapped`).",
             [](MapReader& r, const std::string& key, Config& c) { read_sources(r, key, c); });
    s.check([](MapReader& r, Config& c) { check_combinations(r, c); });
    return s;
  }();
  return s;
}

std::string reference_markdown() { return render_reference_markdown(config_schema().reference()); }

LoadResult load_string(const std::string& yaml_text, std::string env, EnvLookup lookup,
                       const std::string& source_name) {
  LoadResult result;
  Node root = parse_yaml(yaml_text, result.errors);
  if (!result.errors.empty()) return result;  // a syntax error quotes no value
  result = build(std::move(root), std::move(env), lookup);
  if (result.config) const_cast<Config&>(*result.config).source_file = source_name;
  return result;
}

LoadResult load_file(const std::string& path, std::string env, EnvLookup lookup) {
  std::string text;
  if (!read_file(path, text)) {
    LoadResult r;
    r.errors.push_back(path + ": cannot read the configuration file");
    return r;
  }
  return load_string(text, std::move(env), lookup, path);
}

std::vector<std::string> environment_names(const std::string& yaml_text) {
  std::vector<std::string> errors, names;
  Node root = parse_yaml(yaml_text, errors);
  if (const Node* envs = root.kind == Node::Kind::map ? root.find("environments") : nullptr) {
    for (const auto& [k, v] : envs->map) names.push_back(k);
  }
  return names;
}

}  // namespace sidetag::config
