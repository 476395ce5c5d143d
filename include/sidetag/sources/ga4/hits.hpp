#pragma once
// Splitting one /g/collect request (query + body) into hits (docs/ga4.md). Pure, never throws.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sidetag/sources/ga4/query.hpp"

namespace sidetag::sources::ga4 {

struct HitLimits {
  std::size_t max_events = 100;          // body lines (events) per request; the rest are dropped
  std::size_t max_params_per_hit = 500;  // parameters per merged hit; extra params are dropped (noted)
  std::size_t max_value_bytes = 8192;    // a longer value is dropped (noted); em is limited to 20000 anyway
};

struct Hit {
  Params params;                    // query overlaid by the body line
  std::size_t line = 0;             // 1-based body line number; 0 = the event came from the query only
  std::vector<std::string> notes;   // dropped values etc. (never contains values, only keys and reasons)
};

struct DroppedHit {
  std::size_t line = 0;   // 1-based body line (0 = query)
  std::string reason;     // "too_many_events", "invalid_utf8_event_name", "missing_event_name"
};

struct HitBatch {
  std::vector<Hit> hits;
  std::vector<DroppedHit> dropped;  // one record per dropped hit (too_many_events is one record per line)
  std::size_t dropped_count() const { return dropped.size(); }
};

// Event i = parse(query) overlaid by parse(body line i). Lines end in "\n" or "\r\n"; blank lines skipped;
// an empty (or whitespace-only) body gives exactly one event from the query.
// Invalid UTF-8 in a key or value: the parameter is dropped with a note; when it is `en` the hit is dropped.
// A hit with no `en` after the overlay is dropped ("missing_event_name").
HitBatch parse_hits(std::string_view query, std::string_view body, const HitLimits& limits = {});
// The same with the limits chosen from the query's parameters (as parsed, before any is dropped; called once):
// the route picks the request's event limit by the site of the query's `tid` from this parse instead of scanning
// the query a second time for it (query_param).
HitBatch parse_hits(std::string_view query, std::string_view body,
                    const std::function<HitLimits(const Params& query_params)>& limits_for);

}  // namespace sidetag::sources::ga4
