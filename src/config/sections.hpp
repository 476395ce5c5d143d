#pragma once
// The configuration-level sections (src/config/): sites (each site's own keys plus the GA4 and Meta tables of
// their modules) and sources (one table per source type). The loader puts them into config_schema().
#include <string>
#include <vector>

#include "sidetag/config/config.hpp"

namespace sidetag::config {

// sites.<id>
const Schema<SiteConfig>& site_schema();

// sources.<name>: the type picks the table (capi_json, mapped); a mapped source is compiled at load.
void read_sources(MapReader& top, const std::string& key, Config& c);
void document_sources(const std::string& path, std::vector<KeyDoc>& out);

}  // namespace sidetag::config
