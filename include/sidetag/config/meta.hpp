#pragma once
// Per-site settings of the Meta destination: `sites.<id>.meta` (schema table: src/destinations/meta/site_settings.cpp).
// Every field has its default here; docs/migrating-from-sgtm.md maps the sGTM tags' settings onto these keys.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sidetag/sources/mapped/transforms.hpp"

namespace sidetag::config {

struct PixelConfig {
  std::string id;
  std::string access_token;     // secret: never logged
  std::string app_secret;       // optional: enables appsecret_proof; secret
  std::string test_event_code;  // routes events to Events Manager's Test Events
};

// sites.<id>.meta.user_data.<field>: where one Meta field (em, ph, ..., client_ip_address, fbc, ...) is read from.
// `keys` replaces the built-in list (src/destinations/meta/field_sources.cpp); `transforms` run in order on every
// value before normalization (the mapped-source transforms: trim, lowercase, split:<sep>:<i>, prefix:<text>, ...).
struct MetaFieldSource {
  std::vector<std::string> keys;  // empty: the built-in keys
  std::vector<sources::mapped::Transform> transforms;
};

// Limited Data Use (developers.facebook.com/docs/marketing-apis/data-processing-options): `ldu: {enabled, country,
// state}`. country/state in Meta's numeric form (country 1 = USA, 0 = geolocate; state 1000 = California, 0 =
// geolocate). When set, they also complete an event whose own LDU (event data x-fb-dpo) has no country/state; unset,
// such an event is rejected (Meta needs both).
struct MetaLduConfig {
  bool enabled = false;        // true: every event of the site is sent with data_processing_options ["LDU"]
  std::optional<int> country;  // unset: 0 (geolocate) for the site's own LDU
  std::optional<int> state;    // unset: 0 (geolocate) for the site's own LDU
};

struct MetaSiteConfig {
  // Read here, then moved by the loader into SiteConfig::pixels (where dispatch and secret redaction read them).
  std::vector<PixelConfig> pixels;
  // Event-name mapping on top of the built-in GA4 -> Meta table: source name -> Meta name, or "drop".
  std::map<std::string, std::string> event_names;
  std::vector<std::string> drop_events;  // source (or mapped Meta) names never sent
  // Event-data keys holding the id shared with the browser Pixel, tried before event_id and x-fb-event_id.
  std::vector<std::string> event_id_keys;
  // Event-data keys copied into custom_data under the same name (must not collide with Meta's standard keys).
  std::vector<std::string> custom_properties;
  std::string action_source;    // default when an event has none ("" : website with a page URL, else system_generated)
  std::string default_currency; // ISO 4217, used when an event with a value has no currency ("" : none)
  MetaLduConfig ldu;
  std::map<std::string, MetaFieldSource> user_data;  // Meta field -> sources (see MetaFieldSource)
};

}  // namespace sidetag::config
