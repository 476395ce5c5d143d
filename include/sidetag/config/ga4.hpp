#pragma once
// Per-site settings of the GA4 web source (/g/collect on the tagging domain). Read by src/config/ga4_section.cpp.
#include <string>
#include <vector>

namespace sidetag::config {

struct Ga4SiteConfig {
  std::vector<std::string> measurement_ids;  // allowed `tid` values (G-XXXX)
};

}  // namespace sidetag::config
