// Fuzzes the classification of Graph API answers (what Meta, or anything in between, sends back).
// Input: 2 bytes of HTTP status (modulo 600), then the body. Invariants: never throws or crashes; 2xx is `ok` and
// nothing else is; a non-2xx always carries a message; throttles name a scope.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sidetag/destinations/meta/graph.hpp"

using namespace sidetag::destinations::meta;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int status = ((data[0] << 8) | data[1]) % 600;
  const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  GraphResult r = classify_response(status, body);
  if (r.http_status != status) std::abort();
  const bool two_xx = status >= 200 && status < 300;
  if (two_xx != (r.cls == ResultClass::ok)) std::abort();
  if (!two_xx && r.message.empty()) std::abort();
  if (r.cls == ResultClass::throttle && r.throttle_scope.empty()) std::abort();
  if (to_string(r.cls) == nullptr) std::abort();
  return 0;
}
