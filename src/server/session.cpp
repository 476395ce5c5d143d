#include "server/session.hpp"

#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "server/response_wire.hpp"
#include "sidetag/observe/stats.hpp"
#include "sidetag/util/clock.hpp"

namespace sidetag::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

std::uint64_t SessionRegistry::add(std::weak_ptr<SessionBase> s) {
  std::lock_guard lock(mu_);
  auto id = next_++;
  sessions_.emplace(id, std::move(s));
  return id;
}

void SessionRegistry::remove(std::uint64_t id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void SessionRegistry::drain_all() {
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, w] : sessions_) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->drain();
}

namespace {

// Resolved once: a connect, a disconnect and a response touch these without a registry lookup.
struct SessionStats {
  observe::Gauge& connections = observe::stats().http_connections_active.get();
  observe::Histogram& duration = observe::stats().http_request_duration_seconds.get();
};
SessionStats& session_stats() {
  static SessionStats s;
  return s;
}

std::string json_error(int status, const std::string& message) {
  std::string out = "{\"error\":{\"status\":" + std::to_string(status) + ",\"message\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"}}";
}

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  explicit Session(std::shared_ptr<SessionShared> shared, Args&&... args)
      : shared_(std::move(shared)), stream_(std::forward<Args>(args)...) {}

  ~Session() override {
    shared_->registry.remove(id_);
    session_stats().connections.add(-1);
  }

  void start() {
    id_ = shared_->registry.add(this->weak_from_this());
    session_stats().connections.add(1);
    auto& sock = beast::get_lowest_layer(stream_).socket();
    beast::error_code ec;
    auto ep = sock.remote_endpoint(ec);
    if (!ec) {
      auto addr = ep.address();
      if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
        addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
      }
      remote_ip_ = addr.to_string();
      remote_port_ = ep.port();
    }
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->on_start(); });
  }

  void drain() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->drain_ = true;
      if (!self->busy_) self->close();
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void on_start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(shared_->cfg.header_timeout_ms));
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->read_header(true);
                              });
    } else {
      read_header(true);
    }
  }

  void read_header(bool first) {
    if (drain_) return close();
    busy_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->cfg.max_header_bytes));
    parser_->body_limit(shared_->cfg.max_body_bytes);
    // A new connection must send its header within header_timeout; a kept-alive one may idle first.
    const int ms = first ? shared_->cfg.header_timeout_ms : shared_->cfg.idle_timeout_ms + shared_->cfg.header_timeout_ms;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(ms));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    busy_ = true;
    if (ec == bhttp::error::header_limit) {
      // The limit counts the request line too: a target longer than the whole header budget is a long URI (414),
      // not large headers (431).
      if (request_line_exceeds_limit()) return reject(414, "request line too long");
      return reject(431, "request header too large");
    }
    // Beast checks Content-Length against the body limit while parsing the header.
    if (ec == bhttp::error::body_limit) {
      return reject(413, "body larger than " + std::to_string(shared_->cfg.max_body_bytes) + " bytes");
    }
    if (ec) return reject(400, std::string("malformed request: ") + ec.message());
    auto& req = parser_->get();
    if (req.target().size() + req.method_string().size() + 10 > shared_->cfg.max_request_line) {
      return reject(414, "request line too long");
    }
    if (req.payload_size() && *req.payload_size() > shared_->cfg.max_body_bytes) {
      return reject(413, "body larger than " + std::to_string(shared_->cfg.max_body_bytes) + " bytes");
    }
    if (parser_->is_done()) return dispatch_request();
    auto expect = req[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      // curl and many HTTP libraries wait for this before sending bodies over 1 KiB.
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t) {
        if (wec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  // After a header_limit error: whether the request line is to blame. Beast parses (and consumes) the start line
  // before the fields, so an empty target means the start line itself did not fit in the header budget.
  bool request_line_exceeds_limit() const {
    const auto& req = parser_->get();
    if (req.target().empty()) return true;
    return req.target().size() + req.method_string().size() + 10 > shared_->cfg.max_request_line;
  }

  void read_body() {
    beast::error_code ec;
    if (parse_buffered_body(ec)) return dispatch_request();
    if (ec == bhttp::error::body_limit) return reject(413, "body too large");
    if (ec) return close();
    // Beast's own stream timeout closes the socket, which would leave no way to answer 408; a separate timer
    // cancels the read instead, and the session answers before closing.
    beast::get_lowest_layer(stream_).expires_never();
    if (!body_timer_) body_timer_.emplace(stream_.get_executor());
    body_timer_->expires_after(std::chrono::milliseconds(shared_->cfg.body_timeout_ms));
    body_timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the body arrived
      self->body_timed_out_ = true;
      beast::error_code ignore;
      beast::get_lowest_layer(self->stream_).socket().cancel(ignore);
    });
    bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->body_timer_->cancel();
      if (self->body_timed_out_) return self->reject(408, "body not received in time");
      if (ec == bhttp::error::body_limit) return self->reject(413, "body too large");
      if (ec) return self->close();
      self->dispatch_request();
    });
  }

  // Clients usually send a small body in the same packet as the header, so it is often in the buffer already: parsing
  // it here spares the asynchronous read, its timer and a trip through the executor. True once the body is complete;
  // a parse error is left in ec (what async_read would have reported).
  bool parse_buffered_body(beast::error_code& ec) {
    parser_->eager(true);
    while (!parser_->is_done() && buffer_.size() > 0) {
      const auto used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        return false;
      }
      if (ec || used == 0) return false;
    }
    return parser_->is_done();
  }

  void dispatch_request() {
    request_t0_us_ = util::mono_us();
    auto& r = parser_->get();
    HttpRequest req;
    req.method = std::string(r.method_string());
    req.target = std::string(r.target());
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.headers.reserve(static_cast<std::size_t>(std::distance(r.begin(), r.end())));
    for (const auto& f : r) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.body = std::move(r.body());
    req.remote_ip = remote_ip_;
    req.remote_port = remote_port_;
    req.tls = kTls;
    keep_alive_ = r.keep_alive();
    head_ = r.method() == bhttp::verb::head;
    beast::get_lowest_layer(stream_).expires_never();
    auto self = this->shared_from_this();
    // Handlers may answer from another thread (GA4 passthrough); dispatch runs write() at once only when the answer
    // comes on the session's own strand, which is the usual, synchronous case.
    shared_->handler(std::move(req), [self](HttpResponse resp) {
      net::dispatch(self->stream_.get_executor(),
                    [self, resp = std::move(resp)]() mutable { self->write(std::move(resp)); });
    });
  }

  void reject(int status, const std::string& message) {
    keep_alive_ = false;
    linger_ = true;  // the client may still be sending the body we refused
    HttpResponse resp;
    resp.status = status;
    resp.set("Content-Type", "application/json");
    resp.body = json_error(status, message);
    resp.close = true;
    observe::stats().http_requests_total.with("(rejected)", std::to_string(status)).inc();  // rare: resolved here
    write(std::move(resp));
  }

  void write(HttpResponse resp) {
    if (request_t0_us_) {
      session_stats().duration.observe(static_cast<double>(util::mono_us() - request_t0_us_) / 1e6);
      request_t0_us_ = 0;
    }
    const bool keep = keep_alive_ && !resp.close && !drain_ && !shared_->draining.load();
    to_wire(std::move(resp), keep, head_, wire_);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(shared_->cfg.body_timeout_ms));
    const std::array<net::const_buffer, 2> bytes{net::buffer(wire_.head), net::buffer(wire_.body)};
    net::async_write(stream_, bytes, [self = this->shared_from_this(), keep](beast::error_code ec, std::size_t) {
      if (!ec && !keep && self->linger_) return self->linger();
      if (ec || !keep) return self->close();
      self->read_header(false);
    });
  }

  // Lingering close (RFC 9112 §9.6): after refusing a request whose body is still arriving, stop sending, then read
  // and discard for a while before closing. Closing with unread data would make the kernel send a reset, and the
  // client would report a broken pipe instead of reading our 413/408.
  void linger() {
    if constexpr (kTls) {
      close();
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return close();
      stream_.expires_after(std::chrono::seconds(2));
      linger_read();
    }
  }

  void linger_read() {
    if (!discard_) discard_ = std::make_unique<std::array<char, 16384>>();
    stream_.async_read_some(net::buffer(*discard_), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
      self->lingered_ += n;
      // Bounded: at most 2 s (the stream timeout) and 8 MiB, then the connection is closed regardless.
      if (ec || self->lingered_ > (8u << 20)) return self->close();
      self->linger_read();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    busy_ = false;
    beast::error_code ec;
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ec2;
        beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ec2);
        beast::get_lowest_layer(self->stream_).close();
      });
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      stream_.close();
    }
  }

  std::shared_ptr<SessionShared> shared_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::uint64_t id_ = 0;
  std::string remote_ip_;
  std::uint16_t remote_port_ = 0;
  bool keep_alive_ = true;
  bool head_ = false;
  bool busy_ = false;
  bool drain_ = false;
  bool closed_ = false;
  bool linger_ = false;
  bool body_timed_out_ = false;
  std::size_t lingered_ = 0;
  std::int64_t request_t0_us_ = 0;  // monotonic time the request was complete (0: no request being answered)
  std::optional<net::steady_timer> body_timer_;
  ResponseWire wire_;  // the response being written; a member so its buffers are reused
  std::unique_ptr<std::array<char, 16384>> discard_;
};

}  // namespace

void start_session(tcp::socket socket, std::shared_ptr<SessionShared> shared) {
  if (shared->tls) {
    auto* ctx = shared->tls;
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared, std::move(socket), *ctx)->start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(shared, std::move(socket))->start();
  }
}

}  // namespace sidetag::server
