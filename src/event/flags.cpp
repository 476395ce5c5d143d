#include "sidetag/event/flags.hpp"

namespace sidetag::event {

const char* to_string(ConsentState s) {
  switch (s) {
    case ConsentState::unknown: return "unknown";
    case ConsentState::granted: return "granted";
    case ConsentState::denied: return "denied";
  }
  return "unknown";
}

namespace {
// a == b, or a lies inside b ("user_data.address.sha256_street" inside "user_data.address").
bool within(std::string_view a, std::string_view b) {
  return a.size() >= b.size() && a.compare(0, b.size(), b) == 0 && (a.size() == b.size() || a[b.size()] == '.');
}
}  // namespace

bool Flags::forwardable(std::string_view path) const {
  for (const auto& p : not_forwardable) {
    if (within(path, p) || within(p, path)) return false;
  }
  return true;
}

}  // namespace sidetag::event
