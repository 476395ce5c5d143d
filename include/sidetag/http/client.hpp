#pragma once
// HTTP/1.1 client for the Graph API (and later the GA4 passthrough, identity and monitoring calls): TLS 1.2+ with
// certificate *and hostname* verification and SNI, keep-alive connection pool per host with a bounded number of
// connections, connect and response timeouts. Callbacks run on the client's io_context.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace sidetag::http {

struct ClientRequest {
  std::string method = "POST";
  std::string url;  // http://host[:port]/path or https://...
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  int timeout_ms = 15'000;  // whole exchange after the connection is up
};

struct ClientResponse {
  int status = 0;      // 0: no HTTP answer (see error)
  std::string body;
  std::string error;   // transport error text, empty on an HTTP answer
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ClientOptions {
  int connect_timeout_ms = 3000;
  int max_connections_per_host = 4;
  std::string ca_file;  // extra trusted CA bundle (tests); the system store is always used
  std::string user_agent = "sidetag";
};

class Client {
 public:
  Client(boost::asio::io_context& ioc, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  // Queues when the host's connections are all busy. Thread-safe.
  void async_request(ClientRequest request, std::function<void(ClientResponse)> done);
  std::uint64_t connections_opened() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sidetag::http
