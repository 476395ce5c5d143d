#pragma once
// The typed configuration: what the YAML file means after overlays, interpolation and validation.
// Every field has its default here, so this header doubles as the configuration reference's source of truth.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sidetag/config/ga4.hpp"
#include "sidetag/config/meta.hpp"

namespace sidetag::sources::mapped {
class Mapper;
}

namespace sidetag::config {

struct TlsConfig {
  std::string cert_file;
  std::string key_file;
};

struct ServerConfig {
  std::string address = "0.0.0.0";
  std::uint16_t port = 8080;
  int threads = 2;
  std::size_t max_header_bytes = 16 * 1024;   // request line + headers; over it: 431
  std::size_t max_request_line = 8 * 1024;    // over it: 414
  std::size_t max_body_bytes = 1024 * 1024;   // over it: 413
  int header_timeout_ms = 10'000;             // time to receive a complete header
  int body_timeout_ms = 30'000;               // time to receive the body after the header
  int idle_timeout_ms = 60'000;               // keep-alive idle time between requests
  int max_connections = 10'000;
  std::optional<TlsConfig> tls;
  int shutdown_grace_s = 25;                  // Kubernetes gives 30 s; Cloud Run only 10 s: set 8 there
  std::vector<std::string> trusted_proxies;   // CIDRs whose X-Forwarded-For / Forwarded headers are believed
  int trusted_proxy_hops = 0;                 // additionally trust this many proxy hops in front of the server
  std::string client_ip_header;               // CDN header with the client IP (CF-Connecting-IP, True-Client-IP),
                                              // believed only from a trusted socket peer; empty: none
};

struct LoggingConfig {
  std::string level = "info";  // trace, debug, info, warn, error
  // Raw PII (emails, phones before hashing) in debug lines. Only honoured in non-prod environments.
  bool debug_pii = false;
};

enum class DispatchMode { live, sandbox };

struct MetaDefaults {
  std::string graph_url = "https://graph.facebook.com";
  std::string api_version = "v26.0";
  DispatchMode dispatch = DispatchMode::live;
  std::string sandbox_file = "var/sandbox/meta-requests.ndjson";
  std::string partner_agent = "sidetag";
  int batch_max_events = 1000;     // Meta's hard limit is 1000
  int batch_max_delay_ms = 1000;
  std::size_t batch_max_bytes = 4 * 1024 * 1024;
  int connect_timeout_ms = 3000;
  int request_timeout_ms = 15'000;  // Meta's 1.5 s advice is per single event; 1000-event batches need longer
  int max_connections = 4;          // per Graph host
  int retry_initial_ms = 200;
  int retry_max_ms = 60'000;
  std::string ca_file;              // extra CA bundle (tests); system store otherwise
  std::string dead_letter_file = "var/dead-letters.ndjson";
};

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
  // type: mapped — the compiled field mapping, format and webhook authentication (src/config/mapped_section.cpp).
  std::shared_ptr<const sources::mapped::Mapper> mapper;
};

enum class Durability { memory, disk, postgres };

// How accepted events survive a crash before Meta has them (README: "Acknowledgement semantics").
struct DeliveryConfig {
  Durability durability = Durability::disk;  // memory by default in dev (see loader)
  std::string spool_dir = "var/spool";
  int fsync_interval_ms = 5;                  // group commit: one fsync per interval for all appends
  std::size_t max_queue_bytes = 256 * 1024 * 1024;  // global budget across queues; over it: 503 + Retry-After
  std::string postgres_dsn;                   // durability: postgres (shared outbox)
};

struct IdentityConfig {
  bool enabled = false;
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

}  // namespace sidetag::config
