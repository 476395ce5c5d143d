#pragma once
// Readers for configuration sections that live in their own files (one per source or destination), so adding a
// source's settings does not mean editing the core loader.
#include <string>
#include <vector>

#include "sidetag/config/reader.hpp"
#include "sidetag/config/config.hpp"

namespace sidetag::config {

// sites.<id>.ga4
void read_site_ga4(MapReader& ga4_section, Ga4SiteConfig& out, Diagnostics& errors);

// sites.<id>.meta (pixels, event names, event id keys, custom properties, LDU, field sources: config/meta.hpp)
void read_site_meta(MapReader& meta_section, MetaSiteConfig& out, Diagnostics& errors);

// sources.<name> with type: mapped (the mapping schema is the source's own: src/sources/mapped/spec_yaml.cpp)
void read_mapped_source(const std::string& name, const Node& node, SourceConfig& out, Diagnostics& errors);

}  // namespace sidetag::config
