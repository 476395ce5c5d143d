// Fuzzes util::append_json / to_json_text / append_json_string differentially against
// nlohmann's dump(-1, ' ', false, replace), which they must match byte for byte. The input is used four ways: parsed as
// JSON (when it parses), as a string value, as an object key, and its first 8 bytes as a double and as integers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "sidetag/util/json_write.hpp"

using namespace sidetag::util;
using json = nlohmann::json;

namespace {

std::string reference(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void check(const json& j) {
  if (to_json_text(j) != reference(j)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);

  const json parsed = json::parse(raw, nullptr, false);
  if (!parsed.is_discarded()) check(parsed);

  const json value = raw;
  check(value);
  std::string literal = "[";
  append_json_string(literal, raw);
  if (literal != "[" + reference(value)) __builtin_trap();

  check(json{{raw, value}, {"k", json::array({raw, 1})}});

  if (size >= 8) {
    std::uint64_t bits;
    std::memcpy(&bits, data, sizeof bits);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    check(json::array({d, bits, static_cast<std::int64_t>(bits)}));
  }
  return 0;
}
