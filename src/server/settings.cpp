// The `server:` table: listener, limits, timeouts, TLS, drain and the client-IP policy.
#include "sidetag/server/settings.hpp"

#include "sidetag/sources/ga4/client_ip.hpp"

namespace sidetag::config {

namespace {

const Schema<TlsConfig>& tls_schema() {
  static const Schema<TlsConfig> s = [] {
    Schema<TlsConfig> s("Serve HTTPS directly (TLS 1.2 or newer); both files are required.");
    s.str("cert_file", &TlsConfig::cert_file, "PEM certificate chain.").required();
    s.str("key_file", &TlsConfig::key_file, "PEM private key.").required();
    return s;
  }();
  return s;
}

}  // namespace

const Schema<ServerConfig>& server_schema() {
  static const Schema<ServerConfig> s = [] {
    using S = ServerConfig;
    Schema<S> s("The HTTP listener. `address`, `port`, `threads` and `tls` need a restart; the rest follows a reload.");
    s.str("address", &S::address, "Listen address.");
    s.integer("port", &S::port, 0, 65535, "TCP port; `0` picks a free port (logged in the `listening` line).");
    s.integer("threads", &S::threads, 1, 256, "I/O threads.");
    s.integer("max_header_bytes", &S::max_header_bytes, 1024, 1 << 20,
              "Request line plus headers; a larger request gets 431.");
    s.integer("max_request_line", &S::max_request_line, 256, 1 << 20,
              "Request line (method, target, version); a longer one gets 414. At most `max_header_bytes`.");
    s.integer("max_body_bytes", &S::max_body_bytes, 1024, 256LL << 20, "Request body; a larger one gets 413.");
    s.integer("header_timeout_ms", &S::header_timeout_ms, 10, 3'600'000,
              "Time to receive a complete request header; slower clients are disconnected.");
    s.integer("body_timeout_ms", &S::body_timeout_ms, 10, 3'600'000, "Time to receive the body after the header.");
    s.integer("idle_timeout_ms", &S::idle_timeout_ms, 10, 3'600'000, "Keep-alive idle time between requests.");
    s.integer("max_connections", &S::max_connections, 1, 1'000'000, "Connections over it are closed at accept.");
    s.optional_section("tls", &S::tls, tls_schema());
    s.integer("shutdown_grace_s", &S::shutdown_grace_s, 0, 3600,
              "Drain budget after SIGTERM: in-flight requests, then queued events (Kubernetes gives 30 s; "
              "Cloud Run gives 10 s: set 8 there).");
    s.str_list("trusted_proxies", &S::trusted_proxies,
               "Addresses or CIDR ranges whose `X-Forwarded-For` / `Forwarded` headers are believed.")
        .validate([](const std::string& v) -> std::string {
          if (sources::ga4::parse_cidr(v)) return {};
          return "is not an IP address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)";
        });
    s.integer("trusted_proxy_hops", &S::trusted_proxy_hops, 0, 16,
              "Also trust this many proxy hops in front of sidetag, whatever their address.");
    s.str("client_ip_header", &S::client_ip_header,
          "A CDN's client-IP header (`CF-Connecting-IP`, `True-Client-IP`), believed only from a trusted peer.");
    s.check([](MapReader& r, S& v) {
      if (v.max_request_line > v.max_header_bytes) {
        r.error("max_request_line", r.child("max_request_line"), "must not exceed server.max_header_bytes");
      }
    });
    return s;
  }();
  return s;
}

}  // namespace sidetag::config
