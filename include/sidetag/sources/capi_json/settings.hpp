#pragma once
// `sources.<name>` with `type: capi_json` (the default): Conversions API-shaped JSON from a back end, with its
// schema table (src/sources/capi_json/settings.cpp).
#include <string>
#include <vector>

#include "sidetag/config/schema.hpp"

namespace sidetag::sources::capi_json {

struct Settings {
  std::string path = "/v1/events";
  std::string site;
  std::vector<std::string> api_keys;  // secrets; Authorization: Bearer <key>
  std::string action_source;          // default action_source when an event has none
};

const config::Schema<Settings>& settings_schema();

}  // namespace sidetag::sources::capi_json
