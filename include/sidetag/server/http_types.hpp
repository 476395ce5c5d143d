#pragma once
// Request and response as handlers see them: plain structs, no Beast, so handlers and routes stay light to compile
// and easy to test.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sidetag::server {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;
  std::string target;  // as received: path?query
  std::string path;
  std::string query;
  Headers headers;     // names lowercased
  std::string body;
  std::string remote_ip;
  std::uint16_t remote_port = 0;
  bool tls = false;
  // First value of a header (name in lowercase), empty when absent.
  std::string_view header(std::string_view lowercase_name) const {
    for (const auto& [k, v] : headers) {
      if (k == lowercase_name) return v;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  bool close = false;  // close the connection after this response
  void set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

using Respond = std::function<void(HttpResponse)>;
// Handlers may answer later, from any thread; Respond must be called exactly once.
using Handler = std::function<void(HttpRequest&&, Respond)>;

}  // namespace sidetag::server
