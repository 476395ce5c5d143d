#pragma once
// The Meta destination's pipeline stages: prep (normalize + hash user data), assemble (Meta server event),
// validate (everything Meta would reject, checked before batching: one bad event rejects a whole batch), and
// dispatch (hand the event to the delivery queue). Pure: no Asio.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidetag/pipeline/stage.hpp"

namespace sidetag::config {
struct MetaSiteConfig;
}

namespace sidetag::destinations::meta {

// The durability outcome of the events of one server-to-server request. The handler creates one, makes it current
// for its thread (CommitScope) while the pipeline runs, then seals it: `done` runs once every event the sink took is
// committed (disk durability: fsynced to the spool) or as soon as all commits have reported when one failed. With
// memory durability nothing is expected and `done(true)` runs at seal(). Thread-safe; `done` may run on any thread.
class CommitGroup {
 public:
  using Done = std::function<void(bool ok, const std::string& error)>;
  void expect() {
    std::lock_guard lock(mu_);
    ++outstanding_;
  }
  void committed(bool ok, const std::string& error) {
    Done cb;
    {
      std::lock_guard lock(mu_);
      --outstanding_;
      if (!ok && ok_) {
        ok_ = false;
        error_ = error;
      }
      if (sealed_ && outstanding_ == 0 && done_) {
        cb = std::move(done_);
        done_ = nullptr;
      }
    }
    if (cb) cb(ok_, error_);
  }
  void seal(Done done) {
    {
      std::lock_guard lock(mu_);
      sealed_ = true;
      if (outstanding_ > 0) {
        done_ = std::move(done);
        return;
      }
    }
    done(ok_, error_);
  }

 private:
  std::mutex mu_;
  int outstanding_ = 0;
  bool sealed_ = false;
  bool ok_ = true;
  std::string error_;
  Done done_;
};

// Makes a CommitGroup current on this thread for the lifetime of the scope (the dispatch stage attaches it to
// every item it hands to the sink). No group: fire-and-forget (browser hits, `sidetag send`).
class CommitScope {
 public:
  explicit CommitScope(std::shared_ptr<CommitGroup> g) : prev_(std::move(slot())) { slot() = std::move(g); }
  ~CommitScope() { slot() = std::move(prev_); }
  CommitScope(const CommitScope&) = delete;
  CommitScope& operator=(const CommitScope&) = delete;
  static const std::shared_ptr<CommitGroup>& current() { return slot(); }

 private:
  static std::shared_ptr<CommitGroup>& slot() {
    static thread_local std::shared_ptr<CommitGroup> s;
    return s;
  }
  std::shared_ptr<CommitGroup> prev_;
};

// One event ready for a Graph API batch.
struct DispatchItem {
  std::string pixel_id;
  std::string access_token;  // secret; the dispatcher prefers the pixel's token in the current configuration
  std::string app_secret;    // secret, optional
  std::string test_event_code;
  // The Meta server event. The dispatch stage hands over only its text (below); a DOM given here (dead-letter replay,
  // spool replay) is serialized into `text` on submission and then released: a queued event is its text, not a tree.
  nlohmann::json event;
  std::int64_t event_time = 0;  // the event's event_time and action_source, for the delivery-window check at send
  std::string action_source;
  std::string trace_id;
  std::int64_t accepted_us = 0;
  std::shared_ptr<CommitGroup> commit;  // told when the item is durable (null: nobody waits)
  std::string replay_of;     // dead-letter record id when `sidetag dlq replay` re-submits it
  // Set by the dispatcher.
  std::uint64_t id = 0;      // dispatcher-local
  std::uint64_t seq = 0;     // spool sequence number (disk durability), 0 otherwise
  std::size_t bytes = 0;     // serialized event size, counted against delivery.max_queue_bytes
  std::string text;          // the event serialized once (spool record, Graph bodies and dead letters are made from it)
};

// Where dispatch hands events: the delivery queue (server) or a collector (tests, `sidetag send`).
class DispatchSink {
 public:
  virtual ~DispatchSink() = default;
  // Returns false (with a reason) when the event cannot be accepted (shutting down). When item.commit is set the
  // sink calls item.commit->expect() before returning true and committed() later, from any thread.
  virtual bool submit(DispatchItem item, std::string& reason) = 0;
};

std::unique_ptr<pipeline::Stage> make_prep_stage();
std::unique_ptr<pipeline::Stage> make_assemble_stage();
std::unique_ptr<pipeline::Stage> make_validate_stage();
std::unique_ptr<pipeline::Stage> make_dispatch_stage(DispatchSink& sink);

// GA4 / lowercase names -> Meta standard events (page_view -> PageView, purchase -> Purchase, ...); Meta standard
// names pass unchanged; anything else is returned as is (a custom event).
std::string map_event_name(const std::string& name);
bool is_standard_event(const std::string& meta_name);

// The site's mapping first (sites.<id>.meta.event_names, then its drop list), then the built-in table.
struct EventNameDecision {
  std::string name;    // the Meta event name (when not dropped)
  bool drop = false;
  std::string reason;  // why it was dropped
};
EventNameDecision map_event_name(const std::string& name, const config::MetaSiteConfig* site);

// Meta's limit on event names (custom ones; standard names are shorter).
constexpr std::size_t kMaxEventNameLength = 50;
// Empty when `name` is an acceptable Meta event name; else the reason (empty, too long, surrounding spaces, ...).
std::string event_name_problem(const std::string& name);

// ISO 4217 (the codes in use; X-codes for test and "no currency" excluded). `code` must already be upper case.
bool is_iso4217_currency(const std::string& code);

// custom_data.delivery_category / contents[].delivery_category values Meta accepts.
bool is_delivery_category(const std::string& v);

// Meta's standard custom_data keys (a configured custom property may not use one of these names).
bool is_standard_custom_data_key(const std::string& key);

// Numbers, numeric strings, decimal-comma and thousands-separated strings ("12,50", "1.234,56") -> double.
bool to_number(const nlohmann::json& v, double& out);

// Reads a value by event-data key: the flat key first ("x-fb-ud-em"), then a dotted path into nested objects
// ("user_data.address.city"). Returns nullptr when absent.
const nlohmann::json* lookup(const nlohmann::json& data, std::string_view key);

// While it lives, lookup() on `data` (this thread only) rules out most absent keys with a 2048-bit filter of the
// object's top-level keys, built once, instead of a map search: prep and assemble look up ~100 default source keys
// per event and find a handful. `data` must not change while the scope lives (the stages only read event data).
class LookupScope {
 public:
  explicit LookupScope(const nlohmann::json& data);
  ~LookupScope();
  LookupScope(const LookupScope&) = delete;
  LookupScope& operator=(const LookupScope&) = delete;
  // False only when `key` is certainly not a top-level key of the object.
  bool may_hold(std::string_view key) const;
  const nlohmann::json* data() const { return data_; }

 private:
  const nlohmann::json* data_;
  const LookupScope* previous_;
  std::uint64_t bits_[32] = {};
};

// event_time in seconds from seconds, milliseconds, numeric strings or ISO 8601 text; false when unreadable.
bool to_unix_seconds(const nlohmann::json& v, std::int64_t& out);

}  // namespace sidetag::destinations::meta
