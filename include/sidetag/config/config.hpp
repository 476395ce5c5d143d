#pragma once
// The typed configuration: what the YAML file means after overlays, interpolation and validation.
// Each section's settings struct and schema table live with the section's code (server/settings.hpp,
// delivery/settings.hpp, ...); config_schema() puts them together and is the configuration reference's source.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sidetag/config/ga4.hpp"
#include "sidetag/config/meta.hpp"
#include "sidetag/config/schema.hpp"
#include "sidetag/delivery/settings.hpp"
#include "sidetag/destinations/meta/settings.hpp"
#include "sidetag/identity/settings.hpp"
#include "sidetag/observe/log_settings.hpp"
#include "sidetag/server/settings.hpp"

namespace sidetag::sources::mapped {
class Mapper;
}

namespace sidetag::config {

struct SiteConfig {
  std::string id;
  std::vector<std::string> domains;
  Ga4SiteConfig ga4;
  std::vector<PixelConfig> pixels;  // sites.<id>.meta.pixels
  MetaSiteConfig meta;              // sites.<id>.meta (everything but pixels)
  std::string default_region;  // ISO 3166 alpha-2, for national phone numbers
  bool allow_zero_value_purchase = false;
};

struct SourceConfig {
  std::string name;
  std::string type;              // capi_json | mapped
  std::string path;              // HTTP path, e.g. /v1/events
  std::string site;              // site id the events belong to
  std::vector<std::string> api_keys;  // secrets; Authorization: Bearer <key>
  std::string action_source;     // default action_source when an event has none
  // type: mapped — the compiled field mapping, format and webhook authentication (src/config/sources.cpp).
  std::shared_ptr<const sources::mapped::Mapper> mapper;
};

struct Config {
  std::string env;               // chosen environment
  bool is_prod = false;          // environment name is prod/production
  ServerConfig server;
  LoggingConfig logging;
  MetaDefaults meta;
  DeliveryConfig delivery;
  IdentityConfig identity;
  std::vector<SiteConfig> sites;
  std::vector<SourceConfig> sources;
  std::string source_file;       // the YAML path it came from (for reloads)

  const SiteConfig* find_site(const std::string& id) const;
  const SourceConfig* find_source_by_path(std::string_view path) const;
  // Every secret value (tokens, API keys, app secrets), for log redaction.
  std::vector<std::string> secrets() const;
};

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when errors is not empty
  std::vector<std::string> errors;       // "path.to.key (line N): what is wrong"
  std::vector<std::string> warnings;
};

// Environment lookup, injectable for tests. Returns nullopt when the variable is unset.
using EnvLookup = std::optional<std::string> (*)(const std::string&);
std::optional<std::string> process_env(const std::string& name);

// Loads, overlays `environments.<env>`, interpolates ${VAR}, ${VAR:-default}, ${file:/path} (and VAR_FILE),
// validates strictly. env empty: SIDETAG_ENV, else "dev".
LoadResult load_file(const std::string& path, std::string env, EnvLookup lookup = &process_env);
LoadResult load_string(const std::string& yaml_text, std::string env, EnvLookup lookup = &process_env,
                       const std::string& source_name = "<string>");
// Environment names defined under `environments:` (for `sidetag validate` without --env).
std::vector<std::string> environment_names(const std::string& yaml_text);

// The whole configuration's table (every section's table under its key).
const Schema<Config>& config_schema();
// The configuration reference as Markdown (`sidetag config reference`; README.md's reference is this text).
std::string reference_markdown();

}  // namespace sidetag::config
