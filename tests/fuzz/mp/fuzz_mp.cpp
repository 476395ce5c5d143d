// libFuzzer: the Measurement Protocol JSON parser must never crash, and every accepted event's data must be
// serializable (valid UTF-8 keys and values).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sidetag/sources/mp/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = sidetag::sources::mp::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& e : r.events) {
    if (e.ok) (void)e.event_data.dump();
  }
  return 0;
}
