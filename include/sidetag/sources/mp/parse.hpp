#pragma once
// Source `mp`: GA4 Measurement Protocol JSON (POST /mp/collect?measurement_id=G-…&api_secret=…), for back ends
// that already send their conversions to GA4 this way. Each element of `events[]` becomes one Event whose `data`
// holds the same event-data keys the GA4 web source produces:
//   event_name (name), client_id, user_id, event_time (event or request timestamp_micros), params as top-level keys
//   (page_location, currency, value, transaction_id, items, event_id, ...), session_id -> ga_session_id,
//   user_properties -> x-ga-mp2-user_properties, ip_override,
//   user_data.sha256_email_address (hex; Meta accepts it as an em hash), user_data.address.{city, region,
//   postal_code, country} (plain text). Google's phone and name digests are normalized differently from Meta's
//   (E.164 with "+", Gmail dot removal) and are never forwarded; they are kept under x-sidetag-ud_not_forwardable.
// Pure: no Asio, fuzzable.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidetag::sources::mp {

struct ParsedEvent {
  std::size_t index = 0;
  bool ok = false;
  std::string error;
  nlohmann::json event_data;
  std::vector<std::string> notes;  // dropped values and the like, for the trace
};

struct ParseResult {
  bool ok = false;  // false: the request as a whole is malformed (error); nothing accepted
  std::string error;
  std::vector<ParsedEvent> events;
};

struct Limits {
  std::size_t max_events = 25;  // GA4's own limit per request
  std::size_t max_depth = 16;
};

ParseResult parse(std::string_view body, const Limits& limits = {});

}  // namespace sidetag::sources::mp
