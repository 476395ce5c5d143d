// libFuzzer target for sidetag::prep: first byte selects the field (and whether a region is passed), the rest is
// the value. Every call must return without crashing/UB and satisfy the result invariants checked below.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sidetag/prep/normalize.hpp"

namespace {

bool lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void check(const sidetag::prep::Normalized& r) {
  if (r.ok) {
    if (!r.error.empty()) std::abort();
    if (r.already_hashed) {
      if (!r.normalized.empty() || (r.sha256.size() != 64 && r.sha256.size() != 32)) std::abort();
    } else if (r.sha256.size() != 64 || r.normalized.empty()) {
      std::abort();
    }
    if (!lower_hex(r.sha256)) std::abort();
  } else if (r.error.empty() || !r.sha256.empty()) {
    std::abort();
  }
}

constexpr const char* kRegions[] = {"", "US", "GB", "DE", "IT", "FR", "IN", "BR", "JP", "XX"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& fields = sidetag::prep::all_fields();
  const uint8_t selector = data[0];
  std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);

  sidetag::prep::NormalizeOptions opt;
  opt.region = kRegions[(selector >> 4) % (sizeof kRegions / sizeof kRegions[0])];
  opt.current_year = 2026;

  // The selected field first (so the selector byte steers coverage), then every field with the same value.
  check(sidetag::prep::normalize_field(fields[selector % fields.size()], value, opt));
  for (auto f : fields) check(sidetag::prep::normalize_field(f, value, opt));
  return 0;
}
