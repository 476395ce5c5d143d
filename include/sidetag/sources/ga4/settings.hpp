#pragma once
// `sites.<id>.ga4`: the GA4 web source's schema table (src/sources/ga4/settings.cpp); the settings struct is
// config/ga4.hpp (header-only: the pure GA4 library reads the consent policy from it).
#include "sidetag/config/ga4.hpp"
#include "sidetag/config/schema.hpp"

namespace sidetag::sources::ga4 {

const config::Schema<config::Ga4SiteConfig>& site_settings_schema();

}  // namespace sidetag::sources::ga4
