#pragma once
// GA4 passthrough: sends each /g/collect request on to Google's collector or the site's existing sGTM container,
// and reverse-proxies paths sidetag does not serve (/gtm.js, /gtag/js, /ns.html, ...).
//
// Threading: the component owns one io_context and one thread that runs it; its http::Client (keep-alive pool,
// TLS with hostname verification) lives on that io_context, so upstream latency never touches the server's I/O
// threads or the Meta path. forward() and proxy() are thread-safe and return at once; completions run on the
// passthrough thread (proxy's `done` may call a server Respond, which is thread-safe).
// Bounded: beyond `max_in_flight` outstanding exchanges new ones are refused and counted (result="overload").
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sidetag/http/client.hpp"

namespace sidetag::destinations::ga4 {

struct PassthroughOptions {
  std::size_t max_in_flight = 2000;
  int connect_timeout_ms = 3000;
  int max_connections_per_host = 16;
  std::string ca_file;  // extra CA bundle (tests)
};

struct UpstreamRequest {
  std::string upstream;  // metric/log label: google, sgtm, proxy
  http::ClientRequest request;
};

class Passthrough {
 public:
  explicit Passthrough(PassthroughOptions options = {});
  ~Passthrough();  // stops the thread; outstanding exchanges are abandoned
  Passthrough(const Passthrough&) = delete;
  Passthrough& operator=(const Passthrough&) = delete;

  // Fire and forget (hit passthrough). Failures are counted (sidetag_ga4_passthrough_total) and logged.
  void forward(UpstreamRequest req);
  // Reverse proxy: `done` runs exactly once with the upstream answer, or with status 0 and an error (overload,
  // transport failure, timeout). Counted like forward().
  void proxy(UpstreamRequest req, std::function<void(http::ClientResponse)> done);
  std::size_t in_flight() const { return in_flight_.load(); }
  void stop();

 private:
  bool admit(const std::string& upstream);
  void finished(const std::string& upstream, const http::ClientResponse& resp, const std::string& url, bool log_4xx);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  PassthroughOptions opt_;
  std::atomic<std::size_t> in_flight_{0};
};

}  // namespace sidetag::destinations::ga4
