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

// The line of a pixel entry in the merged tree (overlays keep the lines of the file they came from).
int pixel_line(const MapReader& top, const std::string& site, std::size_t index) {
  const Node* n = top.node();
  for (const char* k : {"sites", site.c_str(), "meta", "pixels"}) n = n ? n->find(k) : nullptr;
  return n && n->kind == Node::Kind::seq && index < n->seq.size() ? n->seq[index].line : 0;
}

void check_combinations(MapReader& top, Config& c) {
  Diagnostics& d = top.diagnostics();
  if (!d.errors.empty()) return;  // a combination of values that did not read is noise
  const bool live = c.meta.dispatch == DispatchMode::live;
  for (const auto& site : c.sites) {
    for (std::size_t i = 0; i < site.pixels.size(); ++i) {
      const auto& p = site.pixels[i];
      const std::string path = "sites." + site.id + ".meta.pixels[" + std::to_string(i) + "]";
      const int line = pixel_line(top, site.id, i);
      if (live && p.access_token.empty()) {
        d.error(path + ".access_token", line,
                "required when meta.dispatch is live (read it from a secret file: "
                "access_token: ${file:/run/secrets/meta_token})");
      }
      // Environment guard: test data must never reach a production pixel's real event stream.
      if (live && !c.is_prod && p.test_event_code.empty()) {
        d.error(path, line,
                "environment '" + c.env + "' is not prod, so live dispatch needs a test_event_code for pixel " + p.id +
                    " (or set meta.dispatch: sandbox)");
      }
    }
  }
  if (c.logging.debug_pii && c.is_prod) {
    const Node* l = top.node()->find("logging");
    const Node* dp = l ? l->find("debug_pii") : nullptr;
    d.error("logging.debug_pii", dp ? dp->line : 0, "raw PII logging is not allowed in a prod environment");
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
    s.custom("environments", "mapping of <name> -> overlay",
             "Overlays per environment (`--env` or `SIDETAG_ENV`, default `dev`): `environments.<name>` is merged "
             "onto the rest of the file (mappings key by key, everything else replaced). `prod` and `production` "
             "are the prod names.",
             [](MapReader&, const std::string&, Config&) {});  // merged by the loader before the tables are read
    s.section("server", &Config::server, server_schema());
    s.section("logging", &Config::logging, logging_schema());
    s.section("meta", &Config::meta, meta_schema());
    s.section("delivery", &Config::delivery, delivery_schema());
    s.section("identity", &Config::identity, identity_schema());
    s.map_of("sites", &Config::sites, site_schema(), "<id>", &SiteConfig::id,
             "The sites (tagging domains) and where their events go: GA4 on the tagging domain, Meta pixels.");
    s.custom("sources", "mapping of <name> -> mapping",
             "Server-to-server sources: Conversions API-shaped JSON (`capi_json`, the default type) and mapped "
             "webhooks or files (`mapped`, see `config/examples/`).",
             read_sources);
    s.last().document_children = document_sources;
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
