#pragma once
#include <atomic>
#include <memory>
#include <mutex>

#include "sidetag/config/config.hpp"
#include "sidetag/destinations/meta/dispatcher.hpp"
#include "sidetag/pipeline/runner.hpp"
#include "sidetag/server/http_types.hpp"

namespace sidetag::app {

// Shared state the handlers read. The config pointer is swapped atomically by a reload; each request takes one
// snapshot and keeps it for all its events.
struct AppState {
  std::shared_ptr<const config::Config> config() const {
    std::lock_guard lock(mu);
    return cfg;
  }
  void set_config(std::shared_ptr<const config::Config> c) {
    std::lock_guard lock(mu);
    cfg = std::move(c);
  }
  mutable std::mutex mu;
  std::shared_ptr<const config::Config> cfg;
  std::unique_ptr<destinations::meta::Dispatcher> dispatcher;
  std::unique_ptr<pipeline::Runner> runner;
  std::atomic<bool> draining{false};
  std::atomic<bool> listening{false};
};

// The server's single handler: routes by path and method.
void handle(AppState& state, server::HttpRequest&& req, server::Respond respond);

}  // namespace sidetag::app
