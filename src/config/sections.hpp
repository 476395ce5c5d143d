#pragma once
// Readers for configuration sections that live in their own files (one per source or destination), so adding a
// source's settings does not mean editing the core loader.
#include <string>
#include <vector>

#include "config/reader.hpp"
#include "sidetag/config/config.hpp"

namespace sidetag::config {

// sites.<id>.ga4
void read_site_ga4(MapReader& ga4_section, Ga4SiteConfig& out, std::vector<std::string>& errors);

}  // namespace sidetag::config
