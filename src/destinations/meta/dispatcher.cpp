#include "sidetag/destinations/meta/dispatcher.hpp"

#include <cmath>
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

#include "sidetag/delivery/dead_letters.hpp"
#include "sidetag/delivery/spool.hpp"
#include "sidetag/destinations/meta/graph.hpp"
#include "sidetag/http/client.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/util/clock.hpp"
#include "sidetag/util/crypto.hpp"
#include "sidetag/util/json_write.hpp"
#include "sidetag/util/strings.hpp"
#include "sidetag/util/thread_name.hpp"

namespace sidetag::destinations::meta {

namespace net = boost::asio;
using nlohmann::json;
using observe::Level;
using Clock = std::chrono::steady_clock;

namespace {

struct Batch {
  std::string key;
  std::vector<DispatchItem> items;
  int attempt = 0;
};

// Queue identity. The token is resolved from the current configuration when a batch is sent, so it is not part of
// the key (a reload with a new token applies to everything queued).
std::string batch_key(const DispatchItem& i) { return i.pixel_id + '\x1f' + i.test_event_code; }

void append_line(const std::string& path, const std::string& line) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << line << '\n';
  out.flush();
}

// Largest estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage, in ms; -1 when absent.
std::int64_t business_regain_ms(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::int64_t best = -1;
  for (const auto& [k, v] : headers) {
    if (!util::iequals(k, "x-business-use-case-usage")) continue;
    json doc = json::parse(v, nullptr, false);
    if (!doc.is_object()) continue;
    for (const auto& [biz, entries] : doc.items()) {
      if (!entries.is_array()) continue;
      for (const auto& e : entries) {
        if (!e.is_object()) continue;
        auto it = e.find("estimated_time_to_regain_access");
        if (it != e.end() && it->is_number()) best = std::max<std::int64_t>(best, static_cast<std::int64_t>(it->get<double>() * 60'000));
      }
    }
  }
  return std::min<std::int64_t>(best, 24LL * 3600 * 1000);
}

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
  mutable std::mutex cfg_mu;
  std::shared_ptr<const config::Config> cfg;
  DispatcherHooks hooks;
  std::unique_ptr<http::Client> client;
  delivery::Spool* spool = nullptr;
  std::atomic<std::size_t> pending{0};
  std::atomic<std::size_t> bytes{0};
  std::atomic<std::uint64_t> next_id{0};
  std::atomic<bool> accepting{true};
  std::atomic<bool> draining{false};
  std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t connections_counted = 0;  // io thread

  // Pending events (id -> trace_id), for the shutdown report. Any thread.
  mutable std::mutex live_mu;
  std::map<std::uint64_t, std::string> live;
  // Paused pixels, for /readyz. Any thread (written on the io thread).
  mutable std::mutex paused_mu;
  std::map<std::string, PausedPixel> paused_view;

  // Hand-off from the threads that submit (I/O, `send`) to the io thread. One post per event woke the io thread
  // for every event: on a single core that is two context switches per event, more than the event's own work.
  // Submitters append here and only the first one after a drain posts; the io thread then waits up to
  // kInboxDelayMs (never longer than the batching delay) so that one wake-up takes many events. Batches wait
  // max_delay_ms (1 s by default) for more events anyway.
  static constexpr int kInboxDelayMs = 5;
  std::mutex inbox_mu;
  std::vector<DispatchItem> inbox;
  bool inbox_scheduled = false;  // a drain is posted or its timer armed

  // The event as a tree (dead letters, sandbox records): the DOM when the item still has one, else parsed from text.
  static json event_json(const DispatchItem& item) {
    if (!item.event.is_null()) return item.event;
    return json::parse(item.text, nullptr, false);
  }

  // Io-thread state below.
  std::unique_ptr<net::steady_timer> inbox_timer;
  observe::Gauge& queue_events_gauge = observe::metrics().gauge("sidetag_dispatch_queue_events");
  observe::Gauge& queue_bytes_gauge = observe::metrics().gauge("sidetag_dispatch_queue_bytes");
  struct Queue {
    std::vector<DispatchItem> items;
    std::size_t bytes = 0;
    std::unique_ptr<net::steady_timer> timer;
    bool timer_armed = false;
    bool paused = false;
    std::int64_t paused_since_s = 0;
    std::vector<std::weak_ptr<net::steady_timer>> probes;  // config-paused batches waiting to probe
  };
  std::map<std::string, Queue> queues;
  struct Gate {
    Clock::time_point until{};
    int streak = 0;
  };
  std::map<std::string, Gate> gates;  // throttle scopes: "app", "token:<hash>", "pixel:<id>"

  Impl(std::shared_ptr<const config::Config> c, DispatcherHooks h) : cfg(std::move(c)), hooks(std::move(h)) {
    http::ClientOptions o;
    o.connect_timeout_ms = cfg->meta.connect_timeout_ms;
    o.max_connections_per_host = cfg->meta.max_connections;
    o.ca_file = cfg->meta.ca_file;
    o.user_agent = "sidetag/0.1";
    client = std::make_unique<http::Client>(ioc, o);
  }

  std::shared_ptr<const config::Config> config() const {
    std::lock_guard lock(cfg_mu);
    return cfg;
  }

  // The pixel's credentials in the current configuration; the item's own when the pixel is not configured.
  static const config::PixelConfig* find_pixel(const config::Config& c, const std::string& pixel_id) {
    for (const auto& s : c.sites) {
      for (const auto& p : s.pixels) {
        if (p.id == pixel_id) return &p;
      }
    }
    return nullptr;
  }

  void register_item(DispatchItem& item) {
    item.id = ++next_id;
    if (item.text.empty()) item.text = util::to_json_text(item.event);
    if (item.event.is_object()) {  // replayed records: their event was validated once, but read defensively
      if (auto t = item.event.find("event_time"); t != item.event.end() && t->is_number()) {
        item.event_time = t->get<std::int64_t>();
      }
      if (auto a = item.event.find("action_source"); a != item.event.end() && a->is_string()) {
        item.action_source = a->get<std::string>();
      }
    }
    item.event = nullptr;  // queued as text only (see DispatchItem::event)
    item.bytes = item.text.size();
    pending.fetch_add(1);
    bytes.fetch_add(item.bytes);
    std::lock_guard lock(live_mu);
    live[item.id] = item.trace_id;
  }

  // The item left the dispatcher: delivered, dead-lettered or recorded. ack=false keeps its spool record (it is
  // replayed at the next start).
  void settle(const DispatchItem& item, bool ack = true) {
    if (ack && spool && item.seq) spool->ack(item.seq);
    {
      std::lock_guard lock(live_mu);
      live.erase(item.id);
    }
    bytes.fetch_sub(item.bytes);
    pending.fetch_sub(1);
    queue_events_gauge.set(static_cast<std::int64_t>(pending.load()));
    queue_bytes_gauge.set(static_cast<std::int64_t>(bytes.load()));
  }

  // Any thread.
  void hand_off(DispatchItem item) {
    bool post;
    {
      std::lock_guard lock(inbox_mu);
      inbox.push_back(std::move(item));
      post = !inbox_scheduled;
      inbox_scheduled = true;
    }
    if (post) net::post(ioc, [self = shared_from_this()] { self->schedule_inbox(); });
  }

  // Io thread: drain now when nothing should wait (draining, no batching delay), else after a short delay.
  void schedule_inbox() {
    const int delay_ms = std::min(kInboxDelayMs, config()->meta.batch_max_delay_ms);
    if (delay_ms <= 0 || draining.load()) return drain_inbox();
    if (!inbox_timer) inbox_timer = std::make_unique<net::steady_timer>(ioc);
    inbox_timer->expires_after(std::chrono::milliseconds(delay_ms));
    inbox_timer->async_wait([self = shared_from_this()](const boost::system::error_code&) { self->drain_inbox(); });
  }

  void drain_inbox() {
    std::vector<DispatchItem> items;
    {
      std::lock_guard lock(inbox_mu);
      items.swap(inbox);
      inbox_scheduled = false;
    }
    for (auto& item : items) enqueue(std::move(item));
  }

  void enqueue(DispatchItem item) {
    auto c = config();
    const std::string key = batch_key(item);
    Queue& q = queues[key];
    q.bytes += item.bytes;
    q.items.push_back(std::move(item));
    queue_events_gauge.set(static_cast<std::int64_t>(pending.load()));
    queue_bytes_gauge.set(static_cast<std::int64_t>(bytes.load()));
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
      std::size_t sz = 0, take = 0;
      while (take < n) {
        sz += q.items[take].bytes;
        if (take > 0 && sz > c->meta.batch_max_bytes) break;
        ++take;
      }
      b.items.assign(std::make_move_iterator(q.items.begin()), std::make_move_iterator(q.items.begin() + take));
      q.items.erase(q.items.begin(), q.items.begin() + take);
      q.bytes = 0;
      for (const auto& it : q.items) q.bytes += it.bytes;
      send(std::move(b));
    }
  }

  void flush_all() {
    for (auto& [key, q] : queues) {
      if (!q.items.empty()) flush(key);
    }
  }

  json trace_ids(const Batch& b) {
    json ids = json::array();
    for (const auto& i : b.items) ids.push_back(i.trace_id);
    return ids;
  }

  void record_sandbox(Batch b) {
    auto c = config();
    std::vector<json> trees;  // the sandbox file shows the body with the token redacted: built from DOMs (dev only)
    trees.reserve(b.items.size());
    for (const auto& i : b.items) trees.push_back(event_json(i));
    std::vector<const json*> events;
    for (const auto& t : trees) events.push_back(&t);
    const auto& first = b.items.front();
    BatchRequest req{"[redacted]", "", first.test_event_code, c->meta.partner_agent};
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
    for (const auto& i : b.items) settle(i);
  }

  void dead_letter(const DispatchItem& item, const std::string& reason, const GraphResult* r) {
    auto c = config();
    const auto now = util::now_unix_us();
    const json event = event_json(item);
    json rec = {{"id", util::random_hex(8)},
                {"ts", util::iso8601_utc_us(now)},
                {"ts_us", now},
                {"env", c->env},
                {"trace_id", item.trace_id},
                {"pixel_id", item.pixel_id},
                {"test_event_code", item.test_event_code},
                {"reason", reason},
                {"event", event}};
    if (r) {
      rec["meta_response"] = {{"http_status", r->http_status}, {"code", r->code}, {"error_subcode", r->subcode},
                              {"message", r->message}, {"fbtrace_id", r->fbtrace_id}};
    }
    observe::log(Level::error, {{"msg", "event dead-lettered"},
                                {"stage", "dispatch"},
                                {"trace_id", item.trace_id},
                                {"pixel_id", item.pixel_id},
                                {"event_id", event.is_object() ? event.value("event_id", "") : std::string()},
                                {"reason", reason},
                                {"fbtrace_id", r ? r->fbtrace_id : ""}});
    if (hooks.dead_letter) {
      hooks.dead_letter(item, rec);
      settle(item);
      return;
    }
    // The record must be durable in the dead-letter store before its spool record is acknowledged.
    json scrubbed = json::parse(observe::scrub_secrets(rec.dump(-1, ' ', false, json::error_handler_t::replace)), nullptr, false);
    std::string error;
    if (delivery::dlq_append(c->meta.dead_letter_file, scrubbed.is_object() ? scrubbed : rec, error)) {
      observe::metrics().counter("sidetag_dispatch_events_total", "outcome=\"dead_lettered\"").inc();
      settle(item);
    } else {
      observe::log(Level::error, {{"msg", spool ? "dead-letter store not writable: the event stays in the spool for the next start"
                                                : "dead-letter store not writable: event lost"},
                                  {"alert", true},
                                  {"trace_id", item.trace_id},
                                  {"file", c->meta.dead_letter_file},
                                  {"error", error}});
      settle(item, /*ack=*/false);
    }
  }

  int backoff_ms(int attempt) {
    auto c = config();
    const double base = c->meta.retry_initial_ms * std::pow(2.0, std::min(attempt, 20));
    const double capped = std::min(base, static_cast<double>(c->meta.retry_max_ms));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);  // "equal jitter": never hammer in lockstep
    return static_cast<int>(capped * jitter(rng));
  }

  // Dead-letters events that would leave Meta's window before they could be delivered; true if any remain.
  bool drop_expired(Batch& b) {
    const std::int64_t now = util::now_unix_us() / 1'000'000;
    std::vector<DispatchItem> keep;
    for (auto& i : b.items) {
      const std::int64_t window = i.action_source == "physical_store" ? 62 * 86400 : 7 * 86400;
      if (i.event_time != 0 && i.event_time < now - window + 60) {
        dead_letter(i, "event left Meta's " + std::to_string(window / 86400) + "-day window before delivery", nullptr);
      } else {
        keep.push_back(std::move(i));
      }
    }
    b.items = std::move(keep);
    return !b.items.empty();
  }

  // A cancelled timer sends at once (a reload probes paused pixels immediately).
  std::shared_ptr<net::steady_timer> retry_later(Batch b, std::int64_t delay_ms) {
    auto timer = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(std::max<std::int64_t>(0, delay_ms)));
    timer->async_wait([self = shared_from_this(), timer, b = std::move(b)](const boost::system::error_code&) mutable {
      self->send(std::move(b));
    });
    return timer;
  }

  static std::string token_scope(const std::string& token) { return "token:" + util::sha256_hex(token).substr(0, 16); }

  std::vector<std::string> scopes(const std::string& pixel, const std::string& token) {
    return {"app", token_scope(token), "pixel:" + pixel};
  }

  void credentials(const config::Config& c, const DispatchItem& first, std::string& token, std::string& secret) {
    if (const auto* p = find_pixel(c, first.pixel_id)) {
      token = p->access_token;
      secret = p->app_secret;
    } else {
      token = first.access_token;
      secret = first.app_secret;
    }
  }

  void send(Batch b) {
    if (b.items.empty()) return;
    auto c = config();
    if (c->meta.dispatch == config::DispatchMode::sandbox) {
      record_sandbox(std::move(b));
      return;
    }
    if (!drop_expired(b)) {
      // A paused queue whose probe expired entirely needs a new probe, or it would wait forever.
      auto it = queues.find(b.key);
      if (it != queues.end() && it->second.paused && !it->second.items.empty()) {
        Batch probe;
        probe.key = b.key;
        probe.attempt = b.attempt;
        auto& items = it->second.items;
        const std::size_t take = std::min<std::size_t>(items.size(), static_cast<std::size_t>(c->meta.batch_max_events));
        probe.items.assign(std::make_move_iterator(items.begin()), std::make_move_iterator(items.begin() + take));
        items.erase(items.begin(), items.begin() + take);
        it->second.bytes = 0;
        for (const auto& i : items) it->second.bytes += i.bytes;
        send(std::move(probe));
      }
      return;
    }
    const auto& first = b.items.front();
    std::string token, secret;
    credentials(*c, first, token, secret);
    // Throttled scope: the batch waits until Meta said it may go again (no per-batch retry loop).
    const auto now = Clock::now();
    Clock::time_point until = now;
    for (const auto& s : scopes(first.pixel_id, token)) {
      if (auto it = gates.find(s); it != gates.end()) until = std::max(until, it->second.until);
    }
    if (until > now) {
      std::uniform_int_distribution<int> jitter(0, 50);
      retry_later(std::move(b), std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count() + jitter(rng));
      return;
    }
    // Each event was serialized once when it was accepted; the body is concatenated from those texts.
    std::vector<const std::string*> texts;
    texts.reserve(b.items.size());
    for (const auto& i : b.items) texts.push_back(&i.text);
    BatchRequest req{token, secret, first.test_event_code, c->meta.partner_agent};
    http::ClientRequest hr;
    hr.url = events_url(c->meta.graph_url, c->meta.api_version, first.pixel_id);
    hr.body = build_body_from_text(texts, req);
    hr.timeout_ms = c->meta.request_timeout_ms;
    const auto t0 = util::mono_us();
    auto batch = std::make_shared<Batch>(std::move(b));
    client->async_request(std::move(hr), [self = shared_from_this(), batch, t0, token](http::ClientResponse resp) {
      // The client calls back on this io_context's thread.
      self->on_response(std::move(*batch), resp, util::mono_us() - t0, token);
    });
  }

  void set_paused_view(const std::string& pixel, const GraphResult* r) {
    std::lock_guard lock(paused_mu);
    if (!r) {
      paused_view.erase(pixel);
      return;
    }
    paused_view[pixel] = PausedPixel{pixel, util::now_unix_us() / 1'000'000, r->code, r->message};
  }

  void throttle(Batch b, const GraphResult& r, const http::ClientResponse& resp, const std::string& token) {
    auto c = config();
    const auto& pixel = b.items.front().pixel_id;
    std::string scope;
    if (r.throttle_scope == "app") {
      scope = "app";
    } else if (r.throttle_scope == "user" || r.throttle_scope == "business") {
      scope = token_scope(token);
    } else {
      scope = "pixel:" + pixel;
    }
    const std::int64_t regain_ms = business_regain_ms(resp.headers);
    Gate& g = gates[scope];
    const auto now = Clock::now();
    if (g.until <= now || regain_ms >= 0) {
      std::int64_t ms;
      if (regain_ms >= 0) {
        ms = std::max<std::int64_t>(regain_ms, 1000);
      } else {
        const double base = std::max(1000, c->meta.retry_initial_ms) * std::pow(2.0, std::min(g.streak, 20));
        ms = static_cast<std::int64_t>(std::min(base, static_cast<double>(std::max(1000, c->meta.retry_max_ms))));
      }
      const auto new_until = now + std::chrono::milliseconds(ms);
      if (new_until > g.until) {
        const bool fresh = g.until <= now;
        g.until = new_until;
        if (fresh) ++g.streak;
        observe::metrics().counter("sidetag_dispatch_throttled_total",
                                   observe::label("scope", r.throttle_scope.empty() ? "pixel" : r.throttle_scope)).inc();
        observe::log(Level::warn, {{"msg", "throttled by Meta: pausing every queue in the scope"},
                                   {"stage", "dispatch"},
                                   {"scope", r.throttle_scope.empty() ? "pixel" : r.throttle_scope},
                                   {"pixel_id", pixel},
                                   {"code", r.code},
                                   {"error_subcode", r.subcode},
                                   {"pause_ms", ms},
                                   {"from_business_usage_header", regain_ms >= 0},
                                   {"fbtrace_id", r.fbtrace_id}});
      }
    }
    observe::metrics().counter("sidetag_dispatch_retries_total", observe::label("reason", "throttle")).inc();
    ++b.attempt;
    send(std::move(b));  // parks on the gate
  }

  void on_response(Batch b, const http::ClientResponse& resp, std::int64_t duration_us, const std::string& token) {
    auto c = config();
    GraphResult r = classify_response(resp.status, resp.body);
    if (resp.status == 0) r.message = resp.error;
    const auto& pixel = b.items.front().pixel_id;
    observe::metrics().counter("sidetag_dispatch_batches_total",
                               observe::label("pixel", pixel) + "," + observe::label("result", to_string(r.cls))).inc();
    observe::metrics().histogram("sidetag_dispatch_batch_size").observe(static_cast<double>(b.items.size()));
    const std::uint64_t opened = client->connections_opened();
    observe::stats().dispatch_connections_opened_total.get().inc(opened - connections_counted);
    connections_counted = opened;
    json line = {{"msg", "Graph API batch"},      {"stage", "dispatch"},   {"env", c->env},
                 {"pixel_id", pixel},            {"test_event_code", b.items.front().test_event_code},
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
        for (const auto& s : scopes(pixel, token)) {
          if (auto it = gates.find(s); it != gates.end() && it->second.until <= Clock::now()) it->second.streak = 0;
        }
        const bool resumed = q.paused;
        if (q.paused) {
          q.paused = false;
          q.probes.clear();
          set_paused_view(pixel, nullptr);
          observe::metrics().gauge("sidetag_pixel_paused", observe::label("pixel", pixel)).set(0);
          observe::log(Level::warn, {{"msg", "pixel resumed: Meta accepts its requests again"}, {"pixel_id", pixel}});
        }
        for (const auto& i : b.items) {
          if (hooks.delivered) hooks.delivered(i);
          settle(i);
        }
        if (resumed) flush(b.key);
        return;
      }
      case ResultClass::transient: {
        observe::metrics().counter("sidetag_dispatch_retries_total", observe::label("reason", to_string(r.cls))).inc();
        const int delay = backoff_ms(b.attempt);
        ++b.attempt;
        retry_later(std::move(b), delay);
        return;
      }
      case ResultClass::throttle:
        throttle(std::move(b), r, resp, token);
        return;
      case ResultClass::config: {
        // Never dead-letter a backlog for a bad token: keep everything, alert, probe until it works again.
        if (!q.paused) {
          q.paused = true;
          q.paused_since_s = util::now_unix_us() / 1'000'000;
          set_paused_view(pixel, &r);
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
        const int probe_ms = std::max(backoff_ms(b.attempt), std::min(c->meta.retry_max_ms, 30'000));
        auto timer = retry_later(std::move(b), probe_ms);
        q.probes.push_back(timer);
        return;
      }
      case ResultClass::data: {
        if (b.items.size() == 1) {
          dead_letter(b.items.front(), "rejected by Meta: " + r.message, &r);
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

  void probe_paused_now() {
    for (auto& [key, q] : queues) {
      if (!q.paused) continue;
      for (auto& w : q.probes) {
        if (auto t = w.lock()) t->cancel();
      }
      q.probes.clear();
    }
  }
};

Dispatcher::Dispatcher(std::shared_ptr<const config::Config> config, DispatcherHooks hooks)
    : impl_(std::make_shared<Impl>(std::move(config), std::move(hooks))) {}

Dispatcher::~Dispatcher() { stop(); }

std::string Dispatcher::encode_record(const DispatchItem& item) {
  // The same object as {"a","e","p","t","tr"} dumped by nlohmann (keys in its sorted order), built by concatenation:
  // the event is already serialized once in item.text, and copying it into a json object to dump it again cost
  // more than the rest of the dispatch stage.
  const std::string event_text = item.text.empty() ? util::to_json_text(item.event) : std::string();
  const std::string& e = item.text.empty() ? event_text : item.text;
  std::string out;
  out.reserve(e.size() + item.pixel_id.size() + item.trace_id.size() + item.test_event_code.size() + 64);
  out += "{\"a\":";
  out += std::to_string(item.accepted_us);
  out += ",\"e\":";
  out += e;
  out += ",\"p\":";
  util::append_json_string(out, item.pixel_id);
  out += ",\"t\":";
  util::append_json_string(out, item.test_event_code);
  out += ",\"tr\":";
  util::append_json_string(out, item.trace_id);
  out += '}';
  return out;
}

bool Dispatcher::decode_record(const std::string& data, DispatchItem& item) {
  json j = json::parse(data, nullptr, false);
  if (!j.is_object() || !j.contains("p") || !j.contains("e") || !j["p"].is_string() || !j["e"].is_object()) return false;
  item.pixel_id = j["p"].get<std::string>();
  item.test_event_code = j.value("t", "");
  item.trace_id = j.value("tr", "");
  item.accepted_us = j.value("a", std::int64_t{0});
  item.event = std::move(j["e"]);
  return true;
}

void Dispatcher::attach_spool(delivery::Spool* spool, std::vector<delivery::SpoolRecord> replay) {
  impl_->spool = spool;
  auto c = impl_->config();
  std::size_t queued = 0, unreadable = 0;
  for (auto& r : replay) {
    DispatchItem item;
    if (!decode_record(r.data, item)) {
      ++unreadable;
      spool->ack(r.seq);
      continue;
    }
    item.seq = r.seq;
    impl_->register_item(item);
    if (!Impl::find_pixel(*c, item.pixel_id)) {
      impl_->dead_letter(item, "pixel " + item.pixel_id + " is no longer in the configuration", nullptr);
      continue;
    }
    ++queued;
    net::post(impl_->ioc, [impl = impl_, item = std::move(item)]() mutable { impl->enqueue(std::move(item)); });
  }
  if (!replay.empty()) {
    observe::log(unreadable ? Level::warn : Level::info, {{"msg", "spool replayed: unacknowledged events queued for delivery"},
                                                          {"stage", "dispatch"},
                                                          {"events", queued},
                                                          {"unreadable", unreadable}});
  }
}

void Dispatcher::start() {
  impl_->thread = std::thread([impl = impl_] {
    util::name_this_thread("st-dispatch");
    impl->ioc.run();
  });
}

bool Dispatcher::submit(DispatchItem item, std::string& reason) {
  if (!impl_->accepting.load()) {
    reason = "shutting down";
    return false;
  }
  impl_->register_item(item);
  if (impl_->spool) {
    auto commit = std::move(item.commit);
    if (commit) commit->expect();
    delivery::CommitCallback cb;
    if (commit) cb = [commit](bool ok, const std::string& e) { commit->committed(ok, e); };
    item.seq = impl_->spool->append(encode_record(item), std::move(cb));
  }
  item.commit.reset();
  impl_->hand_off(std::move(item));
  return true;
}

std::size_t Dispatcher::drain(std::chrono::steady_clock::time_point deadline) {
  impl_->draining = true;
  net::post(impl_->ioc, [impl = impl_] {
    impl->drain_inbox();  // events waiting for the inbox timer go out now
    impl->flush_all();
  });
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
std::size_t Dispatcher::queued_bytes() const { return impl_->bytes.load(); }

std::vector<std::string> Dispatcher::pending_trace_ids(std::size_t max) const {
  std::vector<std::string> out;
  std::lock_guard lock(impl_->live_mu);
  for (const auto& [id, t] : impl_->live) {
    if (out.size() >= max) break;
    out.push_back(t);
  }
  return out;
}

std::vector<PausedPixel> Dispatcher::paused_pixels() const {
  std::vector<PausedPixel> out;
  std::lock_guard lock(impl_->paused_mu);
  for (const auto& [k, v] : impl_->paused_view) out.push_back(v);
  return out;
}

bool Dispatcher::spool_ok(std::string* error) const {
  if (!impl_->spool || impl_->spool->healthy()) return true;
  if (error) *error = impl_->spool->last_error();
  return false;
}

bool Dispatcher::durable() const { return impl_->spool != nullptr; }

void Dispatcher::update_config(std::shared_ptr<const config::Config> config) {
  {
    std::lock_guard lock(impl_->cfg_mu);
    impl_->cfg = std::move(config);
  }
  net::post(impl_->ioc, [impl = impl_] { impl->probe_paused_now(); });
}

}  // namespace sidetag::destinations::meta
