#pragma once
// The known event-data keys (keys.def) as an enum: a slot index in event::EventData, a name for configuration
// and JSON. Lookups by name go through one static table, built once.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sidetag::event {

enum class Key : std::uint16_t {
#define SIDETAG_EVENT_KEY(id, name) id,
#include "sidetag/event/keys.def"
#undef SIDETAG_EVENT_KEY
};

inline constexpr std::size_t kKeyCount = 0
#define SIDETAG_EVENT_KEY(id, name) +1
#include "sidetag/event/keys.def"
#undef SIDETAG_EVENT_KEY
    ;

// The key's event-data name ("x-fb-ud-em" for Key::fb_ud_em).
std::string_view name_of(Key k);
// The key named `name`, if it is one of keys.def (exact, case-sensitive).
std::optional<Key> key_of(std::string_view name);
// True when `name` is a known top-level event-data key: the catalogue configuration checks names against.
inline bool is_known_key(std::string_view name) { return key_of(name).has_value(); }
// Every known key, in name order.
std::span<const Key> keys_by_name();

}  // namespace sidetag::event
