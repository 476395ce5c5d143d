#pragma once
// Delivery to the Graph API: batches per request identity (pixel, token, test_event_code), flushed at
// batch.max_events, batch.max_bytes or batch.max_delay_ms; the engine owns retries:
//   ok -> delivered; transient/throttle -> retried with exponential backoff and jitter, same event_ids;
//   config -> the pixel's queue pauses (events kept, alert raised) and probes until it is fixed;
//   data -> the batch is bisected until the bad events are isolated; only those are dead-lettered.
// In sandbox mode nothing leaves the machine: each request is recorded (token redacted) to a file and the log.
// Runs on its own thread and io_context, so slow Meta answers never hold up request handling.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/stages.hpp"

namespace sidetag::destinations::meta {

class Dispatcher final : public DispatchSink {
 public:
  explicit Dispatcher(std::shared_ptr<const config::Config> config);
  ~Dispatcher() override;
  void start();
  bool submit(DispatchItem item, std::string& reason) override;
  // Flushes every queue now and waits until nothing is pending or the deadline passes. Returns the number of
  // events still pending (0 = everything delivered, recorded or dead-lettered).
  std::size_t drain(std::chrono::steady_clock::time_point deadline);
  void stop();
  bool running() const;
  std::size_t pending() const;
  // New settings (graph_url, batching, retries) for batches formed after the call; queued events keep flowing.
  void update_config(std::shared_ptr<const config::Config> config);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sidetag::destinations::meta
