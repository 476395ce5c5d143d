#include "sidetag/destinations/meta/dispatcher.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sidetag/destinations/meta/graph.hpp"
#include "sidetag/http/client.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/metrics.hpp"
#include "sidetag/util/clock.hpp"

namespace sidetag::destinations::meta {

namespace net = boost::asio;
using nlohmann::json;
using observe::Level;

namespace {

struct Batch {
  std::string key;
  std::vector<DispatchItem> items;
  int attempt = 0;
};

std::string batch_key(const DispatchItem& i) {
  // The token is part of the identity but must never be printed: keys are internal only.
  return i.pixel_id + '\x1f' + i.test_event_code + '\x1f' + i.access_token + '\x1f' + i.app_secret;
}

void append_line(const std::string& path, const std::string& line) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << line << '\n';
  out.flush();
}

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
  std::mutex cfg_mu;
  std::shared_ptr<const config::Config> cfg;
  std::unique_ptr<http::Client> client;
  std::atomic<std::size_t> pending{0};
  std::atomic<bool> accepting{true};
  std::atomic<bool> draining{false};
  std::mt19937_64 rng{std::random_device{}()};

  struct Queue {
    std::vector<DispatchItem> items;
    std::size_t bytes = 0;
    std::unique_ptr<net::steady_timer> timer;
    bool timer_armed = false;
    bool paused = false;
    std::int64_t paused_since_s = 0;
  };
  std::map<std::string, Queue> queues;

  explicit Impl(std::shared_ptr<const config::Config> c) : cfg(std::move(c)) {
    http::ClientOptions o;
    o.connect_timeout_ms = cfg->meta.connect_timeout_ms;
    o.max_connections_per_host = cfg->meta.max_connections;
    o.ca_file = cfg->meta.ca_file;
    o.user_agent = "sidetag/0.1";
    client = std::make_unique<http::Client>(ioc, o);
  }

  std::shared_ptr<const config::Config> config() {
    std::lock_guard lock(cfg_mu);
    return cfg;
  }

  void enqueue(DispatchItem item) {
    auto c = config();
    const std::string key = batch_key(item);
    Queue& q = queues[key];
    q.bytes += item.event.dump().size();
    q.items.push_back(std::move(item));
    observe::metrics().gauge("sidetag_dispatch_queue_events").set(static_cast<std::int64_t>(pending.load()));
    if (q.paused) return;
    if (static_cast<int>(q.items.size()) >= c->meta.batch_max_events || q.bytes >= c->meta.batch_max_bytes ||
        draining.load()) {
      flush(key);
    } else if (!q.timer_armed) {
      if (!q.timer) q.timer = std::make_unique<net::steady_timer>(ioc);
      q.timer->expires_after(std::chrono::milliseconds(c->meta.batch_max_delay_ms));
      q.timer_armed = true;
      q.timer->async_wait([self = shared_from_this(), key](const boost::system::error_code& ec) {
        auto it = self->queues.find(key);
        if (it == self->queues.end()) return;
        it->second.timer_armed = false;
        if (!ec) self->flush(key);
      });
    }
  }

  void flush(const std::string& key) {
    auto c = config();
    Queue& q = queues[key];
    if (q.timer_armed && q.timer) {
      q.timer->cancel();
      q.timer_armed = false;
    }
    while (!q.items.empty() && !q.paused) {
      Batch b;
      b.key = key;
      const std::size_t n = std::min<std::size_t>(q.items.size(), static_cast<std::size_t>(c->meta.batch_max_events));
      std::size_t bytes = 0, take = 0;
      while (take < n) {
        bytes += q.items[take].event.dump().size();
        if (take > 0 && bytes > c->meta.batch_max_bytes) break;
        ++take;
      }
      b.items.assign(std::make_move_iterator(q.items.begin()), std::make_move_iterator(q.items.begin() + take));
      q.items.erase(q.items.begin(), q.items.begin() + take);
      q.bytes = 0;
      for (const auto& it : q.items) q.bytes += it.event.dump().size();
      send(std::move(b));
    }
  }

  void flush_all() {
    for (auto& [key, q] : queues) {
      if (!q.items.empty()) flush(key);
    }
  }

  void finish(std::size_t n) {
    pending.fetch_sub(n);
    observe::metrics().gauge("sidetag_dispatch_queue_events").set(static_cast<std::int64_t>(pending.load()));
  }

  json trace_ids(const Batch& b) {
    json ids = json::array();
    for (const auto& i : b.items) ids.push_back(i.trace_id);
    return ids;
  }

  void record_sandbox(Batch b) {
    auto c = config();
    std::vector<const json*> events;
    for (const auto& i : b.items) events.push_back(&i.event);
    const auto& first = b.items.front();
    BatchRequest req{first.access_token, first.app_secret, first.test_event_code, c->meta.partner_agent};
    json rec = {{"ts", util::iso8601_utc_us(util::now_unix_us())},
                {"env", c->env},
                {"pixel_id", first.pixel_id},
                {"method", "POST"},
                {"url", events_url(c->meta.graph_url, c->meta.api_version, first.pixel_id)},
                {"trace_ids", trace_ids(b)},
                {"body", json::parse(build_body(events, req, /*redact_token=*/true))}};
    std::string line = observe::scrub_secrets(rec.dump(-1, ' ', false, json::error_handler_t::replace));
    append_line(c->meta.sandbox_file, line);
    observe::metrics().counter("sidetag_dispatch_batches_total", observe::label("pixel", first.pixel_id) + ",result=\"sandbox\"").inc();
    observe::metrics().counter("sidetag_dispatch_events_total", "outcome=\"sandbox\"").inc(b.items.size());
    observe::log(Level::info, {{"msg", "sandbox: Graph API request recorded, not sent"},
                               {"stage", "dispatch"},
                               {"pixel_id", first.pixel_id},
                               {"batch_size", b.items.size()},
                               {"trace_ids", trace_ids(b)},
                               {"file", c->meta.sandbox_file},
                               {"request", json::parse(line)["body"]}});
    finish(b.items.size());
  }

  void dead_letter(const DispatchItem& item, const std::string& reason, const GraphResult* r) {
    auto c = config();
    json rec = {{"ts", util::iso8601_utc_us(util::now_unix_us())},
                {"env", c->env},
                {"trace_id", item.trace_id},
                {"pixel_id", item.pixel_id},
                {"reason", reason},
                {"event", item.event}};
    if (r) {
      rec["meta_response"] = {{"http_status", r->http_status}, {"code", r->code}, {"error_subcode", r->subcode},
                              {"message", r->message}, {"fbtrace_id", r->fbtrace_id}};
    }
    append_line(c->meta.dead_letter_file, observe::scrub_secrets(rec.dump(-1, ' ', false, json::error_handler_t::replace)));
    observe::metrics().counter("sidetag_dispatch_events_total", "outcome=\"dead_lettered\"").inc();
    observe::log(Level::error, {{"msg", "event dead-lettered"},
                                {"stage", "dispatch"},
                                {"trace_id", item.trace_id},
                                {"pixel_id", item.pixel_id},
                                {"reason", reason},
                                {"fbtrace_id", r ? r->fbtrace_id : ""}});
  }

  int backoff_ms(int attempt) {
    auto c = config();
    const double base = c->meta.retry_initial_ms * std::pow(2.0, std::min(attempt, 20));
    const double capped = std::min(base, static_cast<double>(c->meta.retry_max_ms));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);  // "equal jitter": never hammer in lockstep
    return static_cast<int>(capped * jitter(rng));
  }

  // Drops events that would leave Meta's window before they could be delivered; returns true if any remain.
  bool drop_expired(Batch& b) {
    const std::int64_t now = util::now_unix_us() / 1'000'000;
    std::vector<DispatchItem> keep;
    for (auto& i : b.items) {
      const std::string as = i.event.value("action_source", "website");
      const std::int64_t window = as == "physical_store" ? 62 * 86400 : 7 * 86400;
      if (i.event.value("event_time", now) < now - window + 60) {
        dead_letter(i, "event left Meta's " + std::to_string(window / 86400) + "-day window before delivery", nullptr);
        finish(1);
      } else {
        keep.push_back(std::move(i));
      }
    }
    b.items = std::move(keep);
    return !b.items.empty();
  }

  void retry_later(Batch b, int delay_ms) {
    auto timer = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(delay_ms));
    timer->async_wait([self = shared_from_this(), timer, b = std::move(b)](const boost::system::error_code&) mutable {
      self->send(std::move(b));
    });
  }

  void send(Batch b) {
    if (b.items.empty()) return;
    auto c = config();
    if (c->meta.dispatch == config::DispatchMode::sandbox) {
      record_sandbox(std::move(b));
      return;
    }
    if (!drop_expired(b)) return;
    std::vector<const json*> events;
    for (const auto& i : b.items) events.push_back(&i.event);
    const auto& first = b.items.front();
    BatchRequest req{first.access_token, first.app_secret, first.test_event_code, c->meta.partner_agent};
    http::ClientRequest hr;
    hr.url = events_url(c->meta.graph_url, c->meta.api_version, first.pixel_id);
    hr.body = build_body(events, req, false);
    hr.timeout_ms = c->meta.request_timeout_ms;
    const auto t0 = util::mono_us();
    auto batch = std::make_shared<Batch>(std::move(b));
    client->async_request(std::move(hr), [self = shared_from_this(), batch, t0](http::ClientResponse resp) {
      // The client calls back on this io_context's thread.
      self->on_response(std::move(*batch), resp, util::mono_us() - t0);
    });
  }

  void on_response(Batch b, const http::ClientResponse& resp, std::int64_t duration_us) {
    auto c = config();
    GraphResult r = classify_response(resp.status, resp.body);
    if (resp.status == 0) r.message = resp.error;
    const auto& pixel = b.items.front().pixel_id;
    observe::metrics().counter("sidetag_dispatch_batches_total",
                               observe::label("pixel", pixel) + "," + observe::label("result", to_string(r.cls))).inc();
    observe::metrics().histogram("sidetag_dispatch_batch_size").observe(static_cast<double>(b.items.size()));
    observe::metrics().gauge("sidetag_dispatch_connections_opened").set(static_cast<std::int64_t>(client->connections_opened()));
    json line = {{"msg", "Graph API batch"},      {"stage", "dispatch"},   {"pixel_id", pixel},
                 {"batch_size", b.items.size()}, {"http_status", r.http_status}, {"result", to_string(r.cls)},
                 {"events_received", r.events_received}, {"fbtrace_id", r.fbtrace_id},
                 {"duration_us", duration_us},   {"attempt", b.attempt},  {"trace_ids", trace_ids(b)}};
    if (r.cls != ResultClass::ok) {
      line["error"] = {{"code", r.code}, {"error_subcode", r.subcode}, {"message", r.message}};
    }
    observe::log(r.cls == ResultClass::ok ? Level::info : Level::warn, std::move(line));

    Queue& q = queues[b.key];
    switch (r.cls) {
      case ResultClass::ok: {
        const auto now = util::now_unix_us();
        for (const auto& i : b.items) {
          observe::metrics().histogram("sidetag_dispatch_latency_seconds").observe((now - i.accepted_us) / 1e6);
        }
        observe::metrics().counter("sidetag_dispatch_events_total", "outcome=\"delivered\"").inc(b.items.size());
        if (q.paused) {
          q.paused = false;
          observe::metrics().gauge("sidetag_pixel_paused", observe::label("pixel", pixel)).set(0);
          observe::log(Level::warn, {{"msg", "pixel resumed: Meta accepts its requests again"}, {"pixel_id", pixel}});
          flush(b.key);
        }
        finish(b.items.size());
        return;
      }
      case ResultClass::transient:
      case ResultClass::throttle: {
        observe::metrics().counter("sidetag_dispatch_retries_total", observe::label("reason", to_string(r.cls))).inc();
        int delay = backoff_ms(b.attempt);
        if (r.cls == ResultClass::throttle) delay = std::max(delay, 1000);
        ++b.attempt;
        retry_later(std::move(b), delay);
        return;
      }
      case ResultClass::config: {
        // Never dead-letter a backlog for a bad token: keep everything, alert, probe until it works again.
        if (!q.paused) {
          q.paused = true;
          q.paused_since_s = util::now_unix_us() / 1'000'000;
          observe::metrics().gauge("sidetag_pixel_paused", observe::label("pixel", pixel)).set(1);
          observe::log(Level::error, {{"msg", "pixel paused: configuration error at Meta; events are kept until it is fixed"},
                                      {"alert", true},
                                      {"pixel_id", pixel},
                                      {"code", r.code},
                                      {"error_subcode", r.subcode},
                                      {"message", r.message},
                                      {"fbtrace_id", r.fbtrace_id}});
        }
        ++b.attempt;
        retry_later(std::move(b), std::max(backoff_ms(b.attempt), std::min(c->meta.retry_max_ms, 30'000)));
        return;
      }
      case ResultClass::data: {
        if (b.items.size() == 1) {
          dead_letter(b.items.front(), "rejected by Meta: " + r.message, &r);
          finish(1);
          return;
        }
        // Bisect: the halves go out separately until the offending events are alone.
        Batch left, right;
        left.key = right.key = b.key;
        const std::size_t mid = b.items.size() / 2;
        left.items.assign(std::make_move_iterator(b.items.begin()), std::make_move_iterator(b.items.begin() + mid));
        right.items.assign(std::make_move_iterator(b.items.begin() + mid), std::make_move_iterator(b.items.end()));
        send(std::move(left));
        send(std::move(right));
        return;
      }
    }
  }
};

Dispatcher::Dispatcher(std::shared_ptr<const config::Config> config) : impl_(std::make_shared<Impl>(std::move(config))) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  impl_->thread = std::thread([impl = impl_] { impl->ioc.run(); });
}

bool Dispatcher::submit(DispatchItem item, std::string& reason) {
  if (!impl_->accepting.load()) {
    reason = "shutting down";
    return false;
  }
  impl_->pending.fetch_add(1);
  net::post(impl_->ioc, [impl = impl_, item = std::move(item)]() mutable { impl->enqueue(std::move(item)); });
  return true;
}

std::size_t Dispatcher::drain(std::chrono::steady_clock::time_point deadline) {
  impl_->draining = true;
  net::post(impl_->ioc, [impl = impl_] { impl->flush_all(); });
  while (impl_->pending.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return impl_->pending.load();
}

void Dispatcher::stop() {
  impl_->accepting = false;
  if (impl_->thread.joinable()) {
    impl_->work.reset();
    impl_->ioc.stop();  // only after drain() returned: whatever is left was reported by drain()
    impl_->thread.join();
  }
}

bool Dispatcher::running() const { return impl_->thread.joinable(); }
std::size_t Dispatcher::pending() const { return impl_->pending.load(); }

void Dispatcher::update_config(std::shared_ptr<const config::Config> config) {
  std::lock_guard lock(impl_->cfg_mu);
  impl_->cfg = std::move(config);
}

}  // namespace sidetag::destinations::meta
