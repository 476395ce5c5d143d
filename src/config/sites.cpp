// sites.<id>: a site's own keys, and its GA4 (sources/ga4/settings.cpp) and Meta (destinations/meta/site_settings.cpp)
// sections.
#include <cctype>

#include "config/sections.hpp"
#include "sidetag/sources/ga4/settings.hpp"

namespace sidetag::config {

const Schema<SiteConfig>& site_schema() {
  static const Schema<SiteConfig> s = [] {
    using S = SiteConfig;
    Schema<S> s;
    s.str_list("domains", &S::domains, "The site's domains (CORS origins, cookie domain).");
    s.str("default_region", &S::default_region,
          "ISO 3166 alpha-2; completes national phone numbers (`07700 900123` + GB -> `447700900123`).")
        .validate([](const std::string& v) -> std::string {
          bool ok = v.empty() || (v.size() == 2 && std::isalpha(static_cast<unsigned char>(v[0])) &&
                                  std::isalpha(static_cast<unsigned char>(v[1])));
          return ok ? "" : "is not a region: expected an ISO 3166 alpha-2 code like GB";
        });
    s.flag("allow_zero_value_purchase", &S::allow_zero_value_purchase,
           "Accept a Purchase with value 0 (free orders); otherwise it is rejected.");
    s.section("ga4", &S::ga4, sources::ga4::site_settings_schema());
    s.section("meta", &S::meta, meta_site_schema());
    s.check([](MapReader&, S& site) {
      for (auto& ch : site.default_region) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      // Dispatch and secret redaction read the pixels from the site itself.
      site.pixels = std::move(site.meta.pixels);
      site.meta.pixels.clear();
    });
    return s;
  }();
  return s;
}

}  // namespace sidetag::config
