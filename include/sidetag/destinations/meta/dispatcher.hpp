#pragma once
// Delivery to the Graph API: batches per pixel and test_event_code, flushed at batch.max_events, batch.max_bytes
// or batch.max_delay_ms; the engine owns retries:
//   ok -> delivered; transient -> retried with exponential backoff and jitter, same event_ids;
//   throttle -> the scope Meta names is paused (app: code 4/341 -> every queue; user 17 and business 80000-80014 ->
//     every queue sharing the access token, for estimated_time_to_regain_access when X-Business-Use-Case-Usage
//     carries it; pixel/page 613/32/429 -> that pixel), growing while the throttling continues;
//   config -> the pixel's queue pauses (events kept, alert raised) and probes until it is fixed (a reload probes
//     at once);
//   data -> the batch is bisected until the bad events are isolated; only those are dead-lettered.
// The access token is resolved from the current configuration when a batch is sent (a rotated token also fixes a
// paused backlog and spooled records, which never store it).
// With a spool attached (durability: disk) every submitted event is appended to it, its CommitGroup is told when
// it is durable, and it is acknowledged in the spool once delivered or dead-lettered.
// In sandbox mode nothing leaves the machine: each request is recorded (token redacted) to a file and the log.
// Runs on its own thread and io_context, so slow Meta answers never hold up request handling.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/stages.hpp"

namespace sidetag::delivery {
class Spool;
struct SpoolRecord;
}  // namespace sidetag::delivery

namespace sidetag::destinations::meta {

struct DispatcherHooks {
  // Replaces the dead-letter file append (used by `sidetag dlq replay`). record is the dead-letter JSON.
  std::function<void(const DispatchItem&, const nlohmann::json& record)> dead_letter;
  std::function<void(const DispatchItem&)> delivered;
};

struct PausedPixel {
  std::string pixel_id;
  std::int64_t since_s = 0;
  int code = 0;
  std::string message;
};

class Dispatcher final : public DispatchSink {
 public:
  explicit Dispatcher(std::shared_ptr<const config::Config> config, DispatcherHooks hooks = {});
  ~Dispatcher() override;
  // Disk durability: appends every submitted event to `spool` (owned by the caller, outlives the dispatcher's
  // thread) and queues the replayed records. Call before start().
  void attach_spool(delivery::Spool* spool, std::vector<delivery::SpoolRecord> replay);
  void start();
  bool submit(DispatchItem item, std::string& reason) override;
  // Flushes every queue now and waits until nothing is pending or the deadline passes. Returns the number of
  // events still pending (0 = everything delivered, recorded or dead-lettered).
  std::size_t drain(std::chrono::steady_clock::time_point deadline);
  void stop();
  bool running() const;
  std::size_t pending() const;
  // Bytes of events accepted and not yet delivered or dead-lettered (the global delivery.max_queue_bytes budget).
  std::size_t queued_bytes() const;
  // trace_ids of pending events (at most max), for the shutdown report.
  std::vector<std::string> pending_trace_ids(std::size_t max) const;
  std::vector<PausedPixel> paused_pixels() const;
  // False (with the error) when a spool is attached and cannot take new records (disk full).
  bool spool_ok(std::string* error = nullptr) const;
  bool durable() const;
  // New settings (graph_url, batching, retries, tokens) for batches formed after the call; queued events keep
  // flowing and paused pixels probe at once.
  void update_config(std::shared_ptr<const config::Config> config);

  // Spool record codec (no token): {"p": pixel_id, "t": test_event_code, "tr": trace_id, "a": accepted_us, "e": event}
  static std::string encode_record(const DispatchItem& item);
  static bool decode_record(const std::string& data, DispatchItem& item);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sidetag::destinations::meta
