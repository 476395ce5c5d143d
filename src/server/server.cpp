#include <utility>

#include "sidetag/server/server.hpp"

#include <csignal>
#include <stdexcept>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <openssl/ssl.h>

#include "server/session.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/util/thread_name.hpp"

namespace sidetag::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using observe::Level;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  config::ServerConfig cfg;
  ServerHooks hooks;
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{net::make_strand(ioc)};
  net::signal_set signals{ioc};
  std::unique_ptr<net::ssl::context> tls;
  std::shared_ptr<SessionShared> shared = std::make_shared<SessionShared>();
  std::atomic<bool> shutdown_started{false};
  std::thread shutdown_thread;
  std::uint16_t bound_port = 0;

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this()](boost::system::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
      if (!ec) {
        if (static_cast<int>(self->shared->registry.size()) >= self->cfg.max_connections) {
          boost::system::error_code ignore;
          s.close(ignore);  // over the limit: refuse rather than let memory grow
        } else {
          boost::system::error_code ignore;
          s.set_option(tcp::no_delay(true), ignore);
          start_session(std::move(s), self->shared);
        }
      } else if (ec == net::error::no_descriptors) {
        observe::log(Level::error, {{"msg", "accept failed: out of file descriptors"}});
      }
      self->accept();
    });
  }

  void wait_signals() {
    signals.async_wait([self = shared_from_this()](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        if (self->hooks.on_reload) self->hooks.on_reload();
        self->wait_signals();
        return;
      }
      observe::log(Level::info, {{"msg", "signal received: draining"}, {"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                                 {"grace_s", self->cfg.shutdown_grace_s}});
      self->begin_shutdown();
    });
  }

  void begin_shutdown() {
    if (shutdown_started.exchange(true)) return;
    shared->draining = true;
    // The drain blocks (waits for sessions and queues), so it runs on its own thread, never on an io thread.
    shutdown_thread = std::thread([self = shared_from_this()] {
      util::name_this_thread("st-drain");
      self->drain();
    });
  }

  void drain() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(cfg.shutdown_grace_s);
    net::post(acceptor.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ec;
      self->acceptor.close(ec);
    });
    shared->registry.drain_all();
    while (shared->registry.size() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const auto left_sessions = shared->registry.size();
    if (hooks.on_drain) hooks.on_drain(deadline);
    signals.cancel();
    work.reset();
    if (left_sessions > 0) {
      // Only reached when clients kept requests open past the grace period.
      observe::log(Level::warn, {{"msg", "grace period over with connections still open; closing them"},
                                 {"connections", left_sessions}});
      ioc.stop();
    }
  }
};

Server::Server(const config::ServerConfig& cfg, Handler handler, ServerHooks hooks) : impl_(std::make_shared<Impl>()) {
  impl_->cfg = cfg;
  impl_->hooks = std::move(hooks);
  impl_->shared->cfg = cfg;
  impl_->shared->handler = std::move(handler);
}

Server::~Server() {
  if (impl_->shutdown_thread.joinable()) impl_->shutdown_thread.join();
}

void Server::listen() {
  auto& cfg = impl_->cfg;
  if (cfg.tls) {
    impl_->tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(impl_->tls->native_handle(), TLS1_2_VERSION);
    try {
      impl_->tls->use_certificate_chain_file(cfg.tls->cert_file);
      impl_->tls->use_private_key_file(cfg.tls->key_file, net::ssl::context::pem);
    } catch (const std::exception& e) {
      throw std::runtime_error("TLS: cannot load certificate/key (" + cfg.tls->cert_file + ", " + cfg.tls->key_file +
                               "): " + e.what());
    }
    impl_->shared->tls = impl_->tls.get();
  }
  boost::system::error_code ec;
  auto addr = net::ip::make_address(cfg.address, ec);
  if (ec) throw std::runtime_error("server.address '" + cfg.address + "' is not an IP address");
  tcp::endpoint ep(addr, cfg.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + cfg.address + ":" + std::to_string(cfg.port) + ": " + ec.message());
  impl_->bound_port = a.local_endpoint().port();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

int Server::run() {
  impl_->signals.add(SIGTERM);
  impl_->signals.add(SIGINT);
  impl_->signals.add(SIGHUP);
  impl_->wait_signals();
  impl_->accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->cfg.threads; ++i) {
    threads.emplace_back([this, i] {
      util::name_this_thread(("st-io-" + std::to_string(i)).c_str());
      impl_->ioc.run();
    });
  }
  util::name_this_thread("st-io-0");
  impl_->ioc.run();
  for (auto& t : threads) t.join();
  if (impl_->shutdown_thread.joinable()) impl_->shutdown_thread.join();
  return 0;
}

void Server::shutdown() { impl_->begin_shutdown(); }
bool Server::draining() const { return impl_->shared->draining.load(); }
std::size_t Server::active_connections() const { return impl_->shared->registry.size(); }

}  // namespace sidetag::server
