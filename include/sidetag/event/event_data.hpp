#pragma once
// Event data: what a source made of one input event, the one model every destination reads. The known keys
// (keys.def) sit in fixed slots, found in O(1) by event::Key; every other key sits in a small list of extras, found
// by name. Values are event::Value views into the request's arena (ClickHouse's Arena): a source copies each string
// there once, and the request frees them all at once.
//
// Names, not three addressing schemes: a key is the top-level name ("page_location", "x-fb-ud-em", "crm_id");
// nested objects are reached with dotted paths (user_data.address.city) through FieldPath, resolved once per
// configuration load. A flat name that contains dots ("user_data.email_address" sent as a GA4 event parameter) is
// a key of its own, and lookup() finds it before it walks into user_data.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sidetag/event/arena.hpp"
#include "sidetag/event/field_path.hpp"
#include "sidetag/event/key.hpp"
#include "sidetag/event/value.hpp"

namespace sidetag::event {

class EventData {
 public:
  EventData();                            // its own arena, created on first use (tests, tools, a lone event)
  explicit EventData(Arena& shared);      // the request's arena: must outlive this data
  EventData(EventData&& o) noexcept;
  EventData& operator=(EventData&& o) noexcept;
  EventData(const EventData&) = delete;
  EventData& operator=(const EventData&) = delete;
  ~EventData();

  Arena& arena() const;
  // A string value holding a copy of s in this data's arena.
  Value text(std::string_view s) const { return Value::string(arena().copy(s)); }

  // The value of a known key; null when absent. A JSON null is returned as a null Value.
  const Value* get(Key k) const {
    const Value& v = slots_[static_cast<std::size_t>(k)];
    return v.is_absent() ? nullptr : &v;
  }
  // The value of a top-level name (a known key's slot or an extra); null when absent.
  const Value* find(std::string_view name) const;
  // The value at a configured key: the whole name first, then the dotted walk into nested objects. JSON null is
  // treated as absent (nothing to read), as the DOM-era lookup did.
  const Value* lookup(const FieldPath& path) const;
  bool contains(Key k) const { return get(k) != nullptr; }
  bool contains(std::string_view name) const { return find(name) != nullptr; }

  void set(Key k, const Value& v) { slots_[static_cast<std::size_t>(k)] = v; }
  // A known name goes to its slot; any other name is copied into the arena (once) and kept as an extra.
  void set(std::string_view name, const Value& v);
  void set_text(Key k, std::string_view s) { set(k, text(s)); }
  bool erase(Key k);
  bool erase(std::string_view name);

  // Number of keys present (slots and extras).
  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // Every key with its value, sorted by name (the order append_json writes).
  void for_each(const std::function<void(std::string_view name, const Value& value)>& fn) const;
  // The extras (keys outside keys.def) in the order they were set.
  std::span<const Member> extras() const { return extras_; }

  // One JSON object with the keys sorted by name: exactly what nlohmann's dump() wrote for the DOM-era event data
  // (debug capture, the debug_pii log line, tests).
  void append_json(std::string& out) const;
  std::string to_json() const;

 private:
  Value* find_extra(std::string_view name);
  const Value* walk(const Value* v, const FieldPath& path) const;

  Value slots_[kKeyCount];
  std::vector<Member> extras_;
  mutable Arena* arena_ = nullptr;
  mutable std::unique_ptr<Arena> own_;
  bool dotted_extras_ = false;  // some extra's name contains '.': whole-name lookups of dotted paths must look
};

}  // namespace sidetag::event
