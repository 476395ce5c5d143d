#include "sidetag/event/event_data.hpp"

#include <algorithm>

#include "sidetag/util/json_write.hpp"

namespace sidetag::event {

EventData::EventData() = default;
EventData::EventData(Arena& shared) : arena_(&shared) {}
EventData::~EventData() = default;

EventData::EventData(EventData&& o) noexcept
    : extras_(std::move(o.extras_)), arena_(o.arena_), own_(std::move(o.own_)), dotted_extras_(o.dotted_extras_) {
  std::copy(std::begin(o.slots_), std::end(o.slots_), std::begin(slots_));
  std::fill(std::begin(o.slots_), std::end(o.slots_), Value());
  o.arena_ = nullptr;
  o.dotted_extras_ = false;
}

EventData& EventData::operator=(EventData&& o) noexcept {
  if (this == &o) return *this;
  std::copy(std::begin(o.slots_), std::end(o.slots_), std::begin(slots_));
  std::fill(std::begin(o.slots_), std::end(o.slots_), Value());
  extras_ = std::move(o.extras_);
  o.extras_.clear();
  // The values point into o's arena: it comes along (an owned one moves; a shared one stays shared).
  own_ = std::move(o.own_);
  arena_ = o.arena_;
  dotted_extras_ = o.dotted_extras_;
  o.arena_ = nullptr;
  o.dotted_extras_ = false;
  return *this;
}

Arena& EventData::arena() const {
  if (!arena_) {
    own_ = std::make_unique<Arena>(2048);
    arena_ = own_.get();
  }
  return *arena_;
}

Value* EventData::find_extra(std::string_view name) {
  for (auto& m : extras_) {
    if (m.key.size() == name.size() && m.key == name) return &m.value;
  }
  return nullptr;
}

const Value* EventData::find(std::string_view name) const {
  if (auto k = key_of(name)) return get(*k);
  for (const auto& m : extras_) {
    if (m.key.size() == name.size() && m.key == name) return &m.value;
  }
  return nullptr;
}

const Value* EventData::walk(const Value* v, const FieldPath& path) const {
  for (std::size_t i = 0; v && i < path.rest_size(); ++i) v = v->find(path.rest(i));
  return v;
}

const Value* EventData::lookup(const FieldPath& path) const {
  const Value* v = nullptr;
  if (auto k = path.whole_key()) {
    v = get(*k);
  } else if (!path.dotted() || dotted_extras_) {
    for (const auto& m : extras_) {
      if (m.key == path.text()) {
        v = &m.value;
        break;
      }
    }
  }
  // A flat key that is there decides, even when it holds null (nothing to read then).
  if (v) return v->is_null() ? nullptr : v;
  if (!path.dotted()) return nullptr;
  const Value* head = nullptr;
  if (auto k = path.head_key()) {
    head = get(*k);
  } else {
    for (const auto& m : extras_) {
      if (m.key == path.head()) {
        head = &m.value;
        break;
      }
    }
  }
  v = walk(head, path);
  return v && !v->is_null() ? v : nullptr;
}

void EventData::set(std::string_view name, const Value& v) {
  if (auto k = key_of(name)) {
    set(*k, v);
    return;
  }
  if (Value* existing = find_extra(name)) {
    *existing = v;
    return;
  }
  if (name.find('.') != std::string_view::npos) dotted_extras_ = true;
  extras_.push_back(Member{arena().copy(name), v});
}

bool EventData::erase(Key k) {
  Value& slot = slots_[static_cast<std::size_t>(k)];
  if (slot.is_absent()) return false;
  slot = Value();
  return true;
}

bool EventData::erase(std::string_view name) {
  if (auto k = key_of(name)) return erase(*k);
  for (auto it = extras_.begin(); it != extras_.end(); ++it) {
    if (it->key == name) {
      extras_.erase(it);
      return true;
    }
  }
  return false;
}

std::size_t EventData::size() const {
  std::size_t n = extras_.size();
  for (const auto& v : slots_) n += v.is_absent() ? 0 : 1;
  return n;
}

void EventData::for_each(const std::function<void(std::string_view, const Value&)>& fn) const {
  std::vector<const Member*> extras;
  extras.reserve(extras_.size());
  for (const auto& m : extras_) extras.push_back(&m);
  std::sort(extras.begin(), extras.end(), [](const Member* a, const Member* b) { return a->key < b->key; });
  auto e = extras.begin();
  for (Key k : keys_by_name()) {
    const Value* v = get(k);
    if (!v) continue;
    const std::string_view name = name_of(k);
    for (; e != extras.end() && (*e)->key < name; ++e) fn((*e)->key, (*e)->value);
    fn(name, *v);
  }
  for (; e != extras.end(); ++e) fn((*e)->key, (*e)->value);
}

void EventData::append_json(std::string& out) const {
  bool first = true;
  out += '{';
  for_each([&](std::string_view name, const Value& v) { append_json_member(out, first, name, v); });
  out += '}';
}

std::string EventData::to_json() const {
  std::string out;
  append_json(out);
  return out;
}

}  // namespace sidetag::event
