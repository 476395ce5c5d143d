// sites.<id>.ga4: the GA4 web source's per-site settings.
#include "config/sections.hpp"

namespace sidetag::config {

void read_site_ga4(MapReader& g, Ga4SiteConfig& out, std::vector<std::string>& errors) {
  g.str_list("measurement_ids", out.measurement_ids);
  g.finish();
}

}  // namespace sidetag::config
