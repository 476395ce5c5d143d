#pragma once
// `sources.<name>` with `type: mapped`: the mapping spec's schema table (src/sources/mapped/settings.cpp). The
// config loader reads a mapped source with it and compiles the Mapper once, at load.
#include <string>
#include <vector>

#include "sidetag/config/schema.hpp"
#include "sidetag/sources/mapped/mapping.hpp"

namespace sidetag::sources::mapped {

const config::Schema<MappingSpec>& mapped_source_schema();

// The transforms a mapping may name (trim, lowercase, ..., sha256), for messages and the reference.
const std::vector<std::string>& transform_names();
// "" when `text` is a valid transform; otherwise what is wrong, with the nearest transform name for a typo.
std::string transform_problem(const std::string& text);

}  // namespace sidetag::sources::mapped
