#pragma once
// Internal to the server module: an HttpResponse as the bytes that go on the wire. Written by hand instead of through
// Beast's message/serializer, which cost an allocation per header and a deep buffer-sequence machinery per write.
#include <string>

#include "sidetag/server/http_types.hpp"

namespace sidetag::server {

struct ResponseWire {
  std::string head;  // status line and header block, ending in the blank line
  std::string body;  // empty when the response must not carry one (HEAD, 1xx, 204, 304)
};

// Fills `out` (its capacity is reused) with the same bytes Beast produced for HTTP/1.1:
//   HTTP/1.1 <code> <reason>, Server: sidetag, the handler's headers (repeated names kept together, in the order
//   given), Connection: close unless keep_alive, Content-Length.
// Where Beast was wrong or unsafe it is not followed: no Content-Length (and no body) on 1xx, 204 and 304 (RFC 9110
// §8.6, §15.4.5); CR, LF and NUL in a header value become spaces (RFC 9110 §5.5) and a header whose name is not a
// token is left out, so no handler input can split the response. Server, Content-Length, Connection and
// Transfer-Encoding belong to the server: a handler's own are left out.
// head_request: the answer to HEAD keeps the Content-Length of the body it does not carry.
void to_wire(HttpResponse&& resp, bool keep_alive, bool head_request, ResponseWire& out);

}  // namespace sidetag::server
