#include <utility>  // before Asio's awaitable.hpp (GCC 12)

#include "sidetag/http/client.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <openssl/ssl.h>

namespace sidetag::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

namespace {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

bool parse_url(const std::string& url, Url& out) {
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    out.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    out.tls = false;
    rest = url.substr(7);
  } else {
    return false;
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    auto close = authority.find(']');
    if (close == std::string::npos) return false;
    out.host = authority.substr(1, close - 1);
    out.port = close + 1 < authority.size() && authority[close + 1] == ':' ? authority.substr(close + 2) : "";
  } else {
    auto colon = authority.find(':');
    out.host = authority.substr(0, colon);
    out.port = colon == std::string::npos ? "" : authority.substr(colon + 1);
  }
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  return !out.host.empty();
}

struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

}  // namespace

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
  net::io_context& ioc;
  ClientOptions opt;
  net::ssl::context ssl_ctx{net::ssl::context::tls_client};
  std::mutex mu;
  struct Host {
    std::vector<std::unique_ptr<Connection>> idle;
    int open = 0;  // idle + busy
    std::deque<std::pair<ClientRequest, std::function<void(ClientResponse)>>> waiting;
  };
  std::map<std::string, Host> hosts;
  std::atomic<std::uint64_t> opened{0};

  Impl(net::io_context& io, ClientOptions o) : ioc(io), opt(std::move(o)) {
    ssl_ctx.set_default_verify_paths();
    if (!opt.ca_file.empty()) ssl_ctx.load_verify_file(opt.ca_file);
    ssl_ctx.set_verify_mode(net::ssl::verify_peer);
    SSL_CTX_set_min_proto_version(ssl_ctx.native_handle(), TLS1_2_VERSION);
  }

  void start(ClientRequest req, std::function<void(ClientResponse)> done) {
    Url url;
    if (!parse_url(req.url, url)) {
      ClientResponse r;
      r.error = "invalid URL";
      done(std::move(r));
      return;
    }
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(mu);
      Host& h = hosts[url.key()];
      if (!h.idle.empty()) {
        conn = std::move(h.idle.back());
        h.idle.pop_back();
      } else if (h.open < opt.max_connections_per_host) {
        ++h.open;
      } else {
        h.waiting.emplace_back(std::move(req), std::move(done));
        return;
      }
    }
    auto self = shared_from_this();
    net::co_spawn(ioc, self->exchange(std::move(url), std::move(req), std::move(conn), std::move(done)), net::detached);
  }

  void release(const Url& url, std::unique_ptr<Connection> conn) {
    std::pair<ClientRequest, std::function<void(ClientResponse)>> next;
    bool have_next = false;
    {
      std::lock_guard lock(mu);
      Host& h = hosts[url.key()];
      if (!conn) --h.open;
      if (!h.waiting.empty()) {
        next = std::move(h.waiting.front());
        h.waiting.pop_front();
        have_next = true;
        if (conn) {
          h.idle.push_back(std::move(conn));
        } else {
          // the slot freed by the closed connection goes to the waiting request
        }
        if (!h.idle.empty() || h.open < opt.max_connections_per_host) {
          // start() below will take the idle connection or open a new one
        }
      } else if (conn) {
        h.idle.push_back(std::move(conn));
      }
    }
    if (have_next) start(std::move(next.first), std::move(next.second));
  }

  net::awaitable<bool> open(const Url& url, Connection& c, std::string& err) {
    beast::error_code ec;
    tcp::resolver resolver(co_await net::this_coro::executor);
    auto results = co_await resolver.async_resolve(url.host, url.port, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      err = "resolve " + url.host + ": " + ec.message();
      co_return false;
    }
    if (url.tls) {
      c.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(co_await net::this_coro::executor, ssl_ctx);
    } else {
      c.plain = std::make_unique<beast::tcp_stream>(co_await net::this_coro::executor);
    }
    c.lowest().expires_after(std::chrono::milliseconds(opt.connect_timeout_ms));
    co_await c.lowest().async_connect(results, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      err = "connect " + url.host + ":" + url.port + ": " + ec.message();
      co_return false;
    }
    opened.fetch_add(1, std::memory_order_relaxed);
    if (url.tls) {
      // SNI, and the certificate must name this host (the Beast examples skip this check).
      if (!SSL_set_tlsext_host_name(c.tls->native_handle(), url.host.c_str())) {
        err = "cannot set SNI";
        co_return false;
      }
      c.tls->set_verify_callback(net::ssl::host_name_verification(url.host));
      co_await c.tls->async_handshake(net::ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        err = "TLS handshake with " + url.host + ": " + ec.message();
        co_return false;
      }
    }
    co_return true;
  }

  template <class Stream>
  net::awaitable<void> roundtrip(Stream& s, Connection& c, const bhttp::request<bhttp::string_body>& req,
                                 ClientResponse& out, bool& keep, beast::error_code& ec) {
    co_await bhttp::async_write(s, req, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    co_await bhttp::async_read(s, c.buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    keep = res.keep_alive();
  }

  net::awaitable<void> exchange(Url url, ClientRequest request, std::unique_ptr<Connection> conn,
                                std::function<void(ClientResponse)> done) {
    auto self = shared_from_this();
    ClientResponse out;
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), url.target, 11};
    req.set(bhttp::field::host, url.host);
    req.set(bhttp::field::user_agent, opt.user_agent);
    if (!request.body.empty() || request.method == "POST") req.set(bhttp::field::content_type, request.content_type);
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.body() = std::move(request.body);
    req.keep_alive(true);
    req.prepare_payload();

    // A pooled connection may have been closed by the server while idle; one fresh attempt covers that.
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = conn != nullptr;
      if (!conn) {
        conn = std::make_unique<Connection>();
        std::string err;
        if (!co_await open(url, *conn, err)) {
          out.error = err;
          conn.reset();
          break;
        }
      }
      beast::error_code ec;
      bool keep = false;
      conn->lowest().expires_after(std::chrono::milliseconds(request.timeout_ms));
      if (conn->tls) {
        co_await roundtrip(*conn->tls, *conn, req, out, keep, ec);
      } else {
        co_await roundtrip(*conn->plain, *conn, req, out, keep, ec);
      }
      if (!ec) {
        out.error.clear();
        if (!keep) conn.reset();
        break;
      }
      out.status = 0;
      out.error = ec == beast::error::timeout ? "timeout after " + std::to_string(request.timeout_ms) + " ms" : ec.message();
      conn.reset();
      if (!reused || out.status != 0) break;
      {
        std::lock_guard lock(mu);
        // keep the slot: the retry opens a replacement connection
      }
    }
    if (conn) conn->lowest().expires_never();
    release(url, std::move(conn));
    done(std::move(out));
  }
};

Client::Client(net::io_context& ioc, ClientOptions options) : impl_(std::make_shared<Impl>(ioc, std::move(options))) {}
Client::~Client() = default;

void Client::async_request(ClientRequest request, std::function<void(ClientResponse)> done) {
  net::post(impl_->ioc, [impl = impl_, request = std::move(request), done = std::move(done)]() mutable {
    impl->start(std::move(request), std::move(done));
  });
}

std::uint64_t Client::connections_opened() const { return impl_->opened.load(); }

}  // namespace sidetag::http
