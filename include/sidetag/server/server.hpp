#pragma once
// The HTTP(S) listener and its sessions: HTTP/1.1 keep-alive, limits (header size -> 431, request line -> 414,
// body -> 413), timeouts (header, body, idle keep-alive), optional TLS, and a graceful drain:
// stop accepting -> finish in-flight requests (keep-alive connections are closed after their current response,
// idle ones at once) -> the owner's drain hook (queued events) -> threads end. It never stops the io_context with
// a request in flight.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "sidetag/config/config.hpp"
#include "sidetag/server/http_types.hpp"

namespace sidetag::server {

struct ServerHooks {
  // SIGHUP.
  std::function<void()> on_reload;
  // Called once the listener is closed and in-flight requests are done; must return by the deadline.
  std::function<void(std::chrono::steady_clock::time_point deadline)> on_drain;
};

class Server {
 public:
  Server(const config::ServerConfig& cfg, Handler handler, ServerHooks hooks);
  ~Server();
  // Binds and listens; throws std::runtime_error with a clear message (address in use, bad certificate, ...).
  void listen();
  std::uint16_t port() const;
  // Runs until SIGTERM/SIGINT (or shutdown()) and the drain have completed. Returns the process exit code.
  int run();
  // Starts the graceful shutdown from any thread.
  void shutdown();
  bool draining() const;
  std::size_t active_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sidetag::server
