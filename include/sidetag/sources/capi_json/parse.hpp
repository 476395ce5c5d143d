#pragma once
// Source `capi_json`: Meta-CAPI-shaped JSON from servers (CRMs, shops, back ends) with raw, unhashed user data:
//   {"data":[{"event_name":..,"event_time":..,"event_id":..,"action_source":..,"event_source_url":..,
//             "user_data":{"em":..,"ph":..,...},"custom_data":{"value":..,"currency":..}}], "test_event_code":..}
// Each element becomes one Event whose `data` holds event data keys (see pipeline/event.hpp):
//   event_name, event_time, event_id, action_source, page_location (event_source_url), page_referrer,
//   opt_out, user_data raw keys as x-fb-ud-<key> (em, ph, fn, ...; values kept as string or list),
//   client_ip_address -> ip_override, client_user_agent -> user_agent, fbc/fbp -> x-fb-ck-fbc/x-fb-ck-fbp,
//   custom_data -> custom_data (object), data_processing_options* -> x-fb-dpo*.
// Pure: no Asio, fuzzable.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidetag::sources::capi_json {

struct ParsedRecord {
  std::size_t index = 0;
  bool ok = false;
  std::string error;  // why the record was rejected at ingest
  nlohmann::json event_data;
};

struct ParseResult {
  bool ok = false;     // false: the whole request is malformed (error says why); no record was accepted
  std::string error;
  std::vector<ParsedRecord> records;
  std::string test_event_code;  // request-level override, if present
};

struct ParseLimits {
  std::size_t max_events = 1000;
  std::size_t max_depth = 32;
};

ParseResult parse(std::string_view body, const ParseLimits& limits = {});

}  // namespace sidetag::sources::capi_json
