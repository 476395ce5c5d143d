#pragma once
// `identity:` — the identity graph, with its schema table (src/identity/settings.cpp).
#include "sidetag/config/schema.hpp"

namespace sidetag::config {

struct IdentityConfig {
  bool enabled = false;
};

const Schema<IdentityConfig>& identity_schema();

}  // namespace sidetag::config
