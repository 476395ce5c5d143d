#pragma once
// Conversions between event::Value and nlohmann::json, for the rare paths that still hold a DOM (configuration
// constants, tests) — never on the hot path.
#include <nlohmann/json.hpp>

#include "sidetag/event/event_data.hpp"
#include "sidetag/event/value.hpp"

namespace sidetag::event {

// A deep copy of j in the arena (strings, arrays, objects copied; nlohmann's number kinds kept).
Value from_json(const nlohmann::json& j, Arena& arena);
// A DOM of v (absent becomes null).
nlohmann::json to_nlohmann(const Value& v);
// The event data as one DOM object.
nlohmann::json to_nlohmann(const EventData& d);
// Sets every member of a JSON object into d (copied into d's arena).
void assign(EventData& d, const nlohmann::json& object);

}  // namespace sidetag::event
