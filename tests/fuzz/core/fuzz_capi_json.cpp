// Fuzzes the capi_json source parser (untrusted request bodies on POST /v1/events).
// Invariants: never throws or crashes; a rejected request has an error and no records; an accepted one has
// 1..max_events records, each either an object with event data or rejected with a reason; the event data can be
// serialised strictly (nlohmann throws on invalid UTF-8) and stays within the nesting limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sidetag/sources/capi_json/parse.hpp"
#include "sidetag/util/strings.hpp"

using namespace sidetag::sources::capi_json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  ParseLimits limits;
  limits.max_events = 50;
  limits.max_depth = 32;
  ParseResult r = parse(body, limits);
  if (!r.ok) {
    if (r.error.empty() || !r.records.empty()) std::abort();
    return 0;
  }
  if (r.records.empty() || r.records.size() > limits.max_events) std::abort();
  if (sidetag::util::json_nesting_depth(body, limits.max_depth) > limits.max_depth) std::abort();
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const auto& rec = r.records[i];
    if (rec.index != i) std::abort();
    if (rec.ok) {
      if (!rec.event_data.is_object() || !rec.error.empty()) std::abort();
      (void)rec.event_data.dump();  // strict: throws (and so aborts) on invalid UTF-8
    } else if (rec.error.empty()) {
      std::abort();
    }
  }
  return 0;
}
