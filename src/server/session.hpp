#pragma once
// Internal to the server module: sessions and the registry the drain walks.
#include <utility>

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "sidetag/config/config.hpp"
#include "sidetag/server/http_types.hpp"

namespace sidetag::server {

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Close at once if idle; otherwise close after the current response. Thread-safe (posts to the session).
  virtual void drain() = 0;
};

class SessionRegistry {
 public:
  std::uint64_t add(std::weak_ptr<SessionBase> s);
  void remove(std::uint64_t id);
  std::size_t size() const;
  void drain_all();

 private:
  mutable std::mutex mu_;
  std::uint64_t next_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<SessionBase>> sessions_;
};

struct SessionShared {
  config::ServerConfig cfg;
  Handler handler;
  SessionRegistry registry;
  std::atomic<bool> draining{false};
  boost::asio::ssl::context* tls = nullptr;  // null: plain HTTP
};

void start_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<SessionShared> shared);

}  // namespace sidetag::server
