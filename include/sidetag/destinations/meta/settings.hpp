#pragma once
// `meta:` — the Graph API connection, batching, retries, sandbox and dead letters shared by every pixel, with
// their schema table (src/destinations/meta/settings.cpp). Per-site settings: sites.<id>.meta (config/meta.hpp).
#include <cstddef>
#include <string>

#include "sidetag/config/meta.hpp"
#include "sidetag/config/schema.hpp"

namespace sidetag::config {

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

const Schema<MetaDefaults>& meta_schema();
// sites.<id>.meta (src/destinations/meta/site_settings.cpp).
const Schema<MetaSiteConfig>& meta_site_schema();

}  // namespace sidetag::config
