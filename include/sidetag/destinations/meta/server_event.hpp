#pragma once
// The Meta destination's own state of one event: the server event it builds (one element of a Graph API batch's
// `data` array), typed, and the JSON it writes itself. The stages fill it in order: prep hashes user data into
// user_data, assemble builds the rest from the event data, enrich (identity) may add to user_data, validate checks
// it, dispatch writes it once with append_json() into the text that is queued, spooled and batched.
//
// append_json() writes keys in nlohmann's order (sorted), numbers and strings as nlohmann's dump() did: the text is
// byte-identical to the DOM era's for the same event (tests/unit/golden/). Members that carry JSON a source sent
// as it is (custom_data values, app_data, ...) are event::Value views into the event data's arena: a ServerEvent
// lives no longer than its pipeline::Event.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sidetag/event/value.hpp"
#include "sidetag/pipeline/event.hpp"

namespace sidetag::destinations::meta {

// Meta's user_data parameters (user_data_fields.def).
enum class UserField : std::uint8_t {
#define SIDETAG_META_HASHED(n) n,
#define SIDETAG_META_RAW(n) n,
#include "sidetag/destinations/meta/user_data_fields.def"
#undef SIDETAG_META_HASHED
#undef SIDETAG_META_RAW
};
inline constexpr std::size_t kUserFieldCount = 0
#define SIDETAG_META_HASHED(n) +1
#define SIDETAG_META_RAW(n) +1
#include "sidetag/destinations/meta/user_data_fields.def"
#undef SIDETAG_META_HASHED
#undef SIDETAG_META_RAW
    ;
std::string_view name_of(UserField f);
std::optional<UserField> user_field_of(std::string_view meta_key);
bool is_hashed(UserField f);

struct UserData {
  // Hashed: normalized, SHA-256, 64 lowercase hex each, de-duplicated; empty = not sent.
#define SIDETAG_META_HASHED(n) std::vector<std::string> n;
#define SIDETAG_META_RAW(n)
#include "sidetag/destinations/meta/user_data_fields.def"
#undef SIDETAG_META_HASHED
#undef SIDETAG_META_RAW
  // Raw: sent as they are; empty = not sent.
#define SIDETAG_META_HASHED(n)
#define SIDETAG_META_RAW(n) std::string n;
#include "sidetag/destinations/meta/user_data_fields.def"
#undef SIDETAG_META_HASHED
#undef SIDETAG_META_RAW

  // By field, for code that walks every field (prep, the writer); null for the other kind.
  std::vector<std::string>* hashes(UserField f);
  const std::vector<std::string>* hashes(UserField f) const;
  std::string* raw(UserField f);
  const std::string* raw(UserField f) const;
  // True when some field is set (Meta rejects an event without customer information).
  bool any() const;
};

// custom_data. Meta's standard keys have members; values are JSON as assemble made them (numbers for value,
// text for currency, ...) or, when the event's own custom_data sent something else, what it sent (validate
// names it then). Any other key (the event's own custom_data keys, the site's custom properties) is in extra.
struct CustomData {
#define SIDETAG_META_CUSTOM_KEYS(X)                                                                           \
  X(content_category) X(content_ids) X(content_name) X(content_type) X(contents) X(currency)                \
  X(delivery_category) X(item_number) X(net_revenue) X(num_items) X(order_id) X(predicted_ltv)             \
  X(search_string) X(status) X(value)
#define SIDETAG_META_MEMBER(n) event::Value n;
  SIDETAG_META_CUSTOM_KEYS(SIDETAG_META_MEMBER)
#undef SIDETAG_META_MEMBER
  std::vector<event::Member> extra;  // keys outside the standard list, in the order they were added

  // The value of any key (standard or extra); null when absent.
  const event::Value* find(std::string_view key) const;
  event::Value* standard(std::string_view key);  // the member for a standard key, null for other keys
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  bool empty() const;
};
struct ServerEvent {
  std::string event_name;
  std::int64_t event_time = 0;
  std::string action_source;   // validate checks it against Meta's list
  std::string event_id;
  std::string event_source_url;  // empty: not sent
  std::string referrer_url;      // empty: not sent
  std::optional<bool> opt_out;
  UserData user_data;
  CustomData custom_data;        // not sent when empty
  // Limited Data Use: absent, or what the event (or the site) asked for; validate checks the types.
  event::Value data_processing_options, data_processing_options_country, data_processing_options_state;
  // CAPI members passed through as the source sent them.
  event::Value app_data, original_event_data, attribution_data, messaging_channel;

  // The event as one JSON object (see the header comment): the Graph API `data` element.
  void append_json(std::string& out) const;
  std::string to_json() const;
};

// The Meta chain's work state of one event (pipeline::Event::work<Work>()).
struct Work : pipeline::WorkState {
  static constexpr pipeline::WorkTag kTag{"meta"};
  ServerEvent event;
  bool assembled = false;          // assemble ran and built `event`
  std::string dispatched_text;     // what dispatch handed over (empty until then); the spool and Graph get this
  std::vector<std::string> pixels; // the pixels it was handed to
};
// The event's Meta work state, created on first use.
Work& work(pipeline::Event& ev);
// Null when the event never reached a Meta stage.
const Work* find_work(const pipeline::Event& ev);

}  // namespace sidetag::destinations::meta
