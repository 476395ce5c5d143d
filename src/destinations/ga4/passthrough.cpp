// GA4 passthrough and reverse proxy on their own io_context + thread (see passthrough.hpp).
#include "sidetag/destinations/ga4/passthrough.hpp"

#include <array>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/util/thread_name.hpp"

namespace sidetag::destinations::ga4 {

namespace net = boost::asio;

struct Passthrough::Impl {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  std::unique_ptr<http::Client> client;
  std::thread thread;
  bool stopped = false;
};

namespace {
// The URL without its query (queries carry client ids and _uip: never logged).
std::string loggable(const std::string& url) { return url.substr(0, url.find('?')); }

// upstream x result, resolved once: google, sgtm and proxy are the upstreams there are; another name is resolved
// under the family's lock (a cold path).
void count(const std::string& upstream, const char* result) {
  constexpr std::string_view kResults[] = {"ok", "http_error", "transport_error", "overload"};
  struct Row {
    std::string_view upstream;
    observe::Counter* by_result[4];
  };
  static const std::array<Row, 3> rows = [&] {
    std::array<Row, 3> out{Row{"google", {}}, Row{"sgtm", {}}, Row{"proxy", {}}};
    for (auto& r : out) {
      for (std::size_t i = 0; i < 4; ++i) r.by_result[i] = &observe::stats().ga4_passthrough_total.with(r.upstream, kResults[i]);
    }
    return out;
  }();
  const std::string_view res(result);
  for (const auto& r : rows) {
    if (r.upstream != upstream) continue;
    for (std::size_t i = 0; i < 4; ++i) {
      if (kResults[i] == res) return r.by_result[i]->inc();
    }
  }
  observe::stats().ga4_passthrough_total.with(upstream, res).inc();
}
}  // namespace

Passthrough::Passthrough(PassthroughOptions options) : impl_(std::make_unique<Impl>()), opt_(std::move(options)) {
  http::ClientOptions co;
  co.connect_timeout_ms = opt_.connect_timeout_ms;
  co.max_connections_per_host = opt_.max_connections_per_host;
  co.ca_file = opt_.ca_file;
  impl_->client = std::make_unique<http::Client>(impl_->ioc, co);
  impl_->thread = std::thread([this] {
    util::name_this_thread("st-passthrough");
    try {
      impl_->ioc.run();
    } catch (const std::exception& e) {
      observe::log(observe::Level::error, {{"msg", "ga4 passthrough thread stopped"}, {"error", e.what()}});
    }
  });
}

Passthrough::~Passthrough() { stop(); }

void Passthrough::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->client.reset();
}

bool Passthrough::admit(const std::string& upstream) {
  if (impl_->stopped) return false;
  if (in_flight_.fetch_add(1) >= opt_.max_in_flight) {
    in_flight_.fetch_sub(1);
    count(upstream, "overload");
    return false;
  }
  return true;
}

void Passthrough::finished(const std::string& upstream, const http::ClientResponse& resp, const std::string& url,
                           bool log_4xx) {
  in_flight_.fetch_sub(1);
  if (resp.status == 0) {
    count(upstream, "transport_error");
    observe::log(observe::Level::warn, {{"msg", "ga4 upstream failed"}, {"upstream", upstream},
                                        {"url", loggable(url)}, {"error", resp.error}});
  } else if (resp.status >= 500 || (log_4xx && resp.status >= 400)) {
    count(upstream, "http_error");
    observe::log(observe::Level::warn, {{"msg", "ga4 upstream answered with an error"}, {"upstream", upstream},
                                        {"url", loggable(url)}, {"status", resp.status}});
  } else {
    count(upstream, "ok");
  }
}

void Passthrough::forward(UpstreamRequest req) {
  if (!admit(req.upstream)) return;
  auto upstream = req.upstream;
  auto url = req.request.url;
  impl_->client->async_request(std::move(req.request), [this, upstream, url](http::ClientResponse resp) {
    finished(upstream, resp, url, true);
  });
}

void Passthrough::proxy(UpstreamRequest req, std::function<void(http::ClientResponse)> done) {
  if (!admit(req.upstream)) {
    http::ClientResponse r;
    r.error = "passthrough overloaded";
    done(std::move(r));
    return;
  }
  auto upstream = req.upstream;
  auto url = req.request.url;
  impl_->client->async_request(std::move(req.request), [this, upstream, url, done = std::move(done)](http::ClientResponse resp) {
    finished(upstream, resp, url, false);  // a 404 for a script path is the upstream's answer, not our failure
    done(std::move(resp));
  });
}

}  // namespace sidetag::destinations::ga4
