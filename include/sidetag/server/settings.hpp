#pragma once
// `server:` — the HTTP listener's settings and their schema table (src/server/settings.cpp).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sidetag/config/schema.hpp"

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

const Schema<ServerConfig>& server_schema();

}  // namespace sidetag::config
