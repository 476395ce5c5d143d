// Fuzzes the W3C traceparent parser (an untrusted request header). Invariants: never crashes; on success the
// trace id is 32 and the parent id 16 lowercase hex characters, neither all zeros, and both are the exact
// substrings at their positions in the (trimmed) header; on failure the outputs are untouched.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sidetag/pipeline/event.hpp"

namespace {
bool lower_hex_nonzero(const std::string& s, std::size_t n) {
  if (s.size() != n) return false;
  bool nonzero = false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    nonzero |= c != '0';
  }
  return nonzero;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  std::string trace = "untouched", parent = "untouched";
  const bool ok = sidetag::pipeline::parse_traceparent(header, trace, parent);
  if (!ok) {
    if (trace != "untouched" || parent != "untouched") std::abort();
    return 0;
  }
  if (!lower_hex_nonzero(trace, 32) || !lower_hex_nonzero(parent, 16)) std::abort();
  if (header.find(trace) == std::string_view::npos || header.find(parent) == std::string_view::npos) std::abort();
  return 0;
}
