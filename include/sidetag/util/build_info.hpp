#pragma once
// Facts about the binary that only main() can establish (it is the only translation unit that sees the allocator),
// reported by `sidetag version` and the start-up log line.
#include <string>

namespace sidetag::util {

inline std::string& allocator_name() {
  static std::string name = "glibc malloc";
  return name;
}

}  // namespace sidetag::util
