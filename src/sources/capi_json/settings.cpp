// The schema table of `type: capi_json` sources.
#include "sidetag/sources/capi_json/settings.hpp"

namespace sidetag::sources::capi_json {

using config::MapReader;

const config::Schema<Settings>& settings_schema() {
  static const config::Schema<Settings> s = [] {
    config::Schema<Settings> s("`POST <path>` with `{\"data\": [...]}` in the Conversions API's own shape, "
                               "authenticated with `Authorization: Bearer <key>`.");
    s.str("path", &Settings::path, "HTTP path.").validate([](const std::string& p) -> std::string {
      return !p.empty() && p[0] == '/' ? "" : "must start with /";
    });
    s.str("site", &Settings::site, "Site id the events belong to.").required();
    s.str_list("api_keys", &Settings::api_keys, "Accepted API keys (at least one, 16 characters or more).")
        .secret()
        .validate([](const std::string& k) -> std::string {
          return k.size() >= 16 ? "" : "is too short: API keys must be at least 16 characters";
        });
    s.one_of("action_source", &Settings::action_source,
             {"website", "email", "app", "phone_call", "chat", "physical_store", "system_generated",
              "business_messaging", "other"},
             "Default `action_source` for events without one.");
    s.check([](MapReader& r, Settings& v) {
      if (v.api_keys.empty() && !r.child("api_keys")) {
        r.error("api_keys", nullptr, "at least one API key is required (server-to-server sources are authenticated)");
      }
    });
    return s;
  }();
  return s;
}

}  // namespace sidetag::sources::capi_json
