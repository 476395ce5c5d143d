// The `identity:` table.
#include "sidetag/identity/settings.hpp"

namespace sidetag::config {

const Schema<IdentityConfig>& identity_schema() {
  static const Schema<IdentityConfig> s = [] {
    Schema<IdentityConfig> s("Identity resolution: one person across web visits, calls, CRM deals and store sales.");
    s.flag("enabled", &IdentityConfig::enabled, "Enrich every event from the identity graph.")
        .refuse("true", "identity resolution is not available yet in this build: remove the key or set it to false");
    return s;
  }();
  return s;
}

}  // namespace sidetag::config
