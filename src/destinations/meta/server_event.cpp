#include "sidetag/destinations/meta/server_event.hpp"

#include <algorithm>
#include <array>

#include "sidetag/util/json_write.hpp"

namespace sidetag::destinations::meta {

namespace {

constexpr std::string_view kUserFieldNames[] = {
#define SIDETAG_META_HASHED(n) #n,
#define SIDETAG_META_RAW(n) #n,
#include "sidetag/destinations/meta/user_data_fields.def"
#undef SIDETAG_META_HASHED
#undef SIDETAG_META_RAW
};
constexpr bool kUserFieldHashed[] = {
#define SIDETAG_META_HASHED(n) true,
#define SIDETAG_META_RAW(n) false,
#include "sidetag/destinations/meta/user_data_fields.def"
#undef SIDETAG_META_HASHED
#undef SIDETAG_META_RAW
};

// The fields in name order: the order nlohmann's std::map wrote user_data in.
constexpr std::array<UserField, kUserFieldCount> kUserFieldsByName = [] {
  std::array<UserField, kUserFieldCount> a{};
  for (std::size_t i = 0; i < kUserFieldCount; ++i) a[i] = static_cast<UserField>(i);
  std::sort(a.begin(), a.end(), [](UserField x, UserField y) {
    return kUserFieldNames[static_cast<std::size_t>(x)] < kUserFieldNames[static_cast<std::size_t>(y)];
  });
  return a;
}();

struct CustomKey {
  std::string_view name;
  event::Value CustomData::*member;
};
constexpr CustomKey kCustomKeys[] = {
#define SIDETAG_META_ENTRY(n) {#n, &CustomData::n},
    SIDETAG_META_CUSTOM_KEYS(SIDETAG_META_ENTRY)
#undef SIDETAG_META_ENTRY
};
constexpr bool custom_keys_sorted() {
  for (std::size_t i = 1; i < std::size(kCustomKeys); ++i) {
    if (!(kCustomKeys[i - 1].name < kCustomKeys[i].name)) return false;
  }
  return true;
}
static_assert(custom_keys_sorted(), "SIDETAG_META_CUSTOM_KEYS must list the keys in name order (the writer relies on it)");

const CustomKey* custom_key(std::string_view key) {
  for (const auto& k : kCustomKeys) {
    if (k.name == key) return &k;
  }
  return nullptr;
}

}  // namespace

std::string_view name_of(UserField f) { return kUserFieldNames[static_cast<std::size_t>(f)]; }

std::optional<UserField> user_field_of(std::string_view meta_key) {
  for (std::size_t i = 0; i < kUserFieldCount; ++i) {
    if (kUserFieldNames[i] == meta_key) return static_cast<UserField>(i);
  }
  return std::nullopt;
}

bool is_hashed(UserField f) { return kUserFieldHashed[static_cast<std::size_t>(f)]; }

std::vector<std::string>* UserData::hashes(UserField f) {
  return const_cast<std::vector<std::string>*>(static_cast<const UserData*>(this)->hashes(f));
}

const std::vector<std::string>* UserData::hashes(UserField f) const {
  switch (f) {
#define SIDETAG_META_HASHED(n) \
  case UserField::n: return &n;
#define SIDETAG_META_RAW(n)
#include "sidetag/destinations/meta/user_data_fields.def"
#undef SIDETAG_META_HASHED
#undef SIDETAG_META_RAW
    default: return nullptr;
  }
}

std::string* UserData::raw(UserField f) {
  return const_cast<std::string*>(static_cast<const UserData*>(this)->raw(f));
}

const std::string* UserData::raw(UserField f) const {
  switch (f) {
#define SIDETAG_META_HASHED(n)
#define SIDETAG_META_RAW(n) \
  case UserField::n: return &n;
#include "sidetag/destinations/meta/user_data_fields.def"
#undef SIDETAG_META_HASHED
#undef SIDETAG_META_RAW
    default: return nullptr;
  }
}

bool UserData::any() const {
  for (std::size_t i = 0; i < kUserFieldCount; ++i) {
    const auto f = static_cast<UserField>(i);
    if (is_hashed(f) ? !hashes(f)->empty() : !raw(f)->empty()) return true;
  }
  return false;
}

const event::Value* CustomData::find(std::string_view key) const {
  if (const CustomKey* k = custom_key(key)) {
    const event::Value& v = this->*(k->member);
    return v.is_absent() ? nullptr : &v;
  }
  for (const auto& m : extra) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

event::Value* CustomData::standard(std::string_view key) {
  const CustomKey* k = custom_key(key);
  return k ? &(this->*(k->member)) : nullptr;
}

bool CustomData::empty() const {
  if (!extra.empty()) return false;
  for (const auto& k : kCustomKeys) {
    if (!(this->*(k.member)).is_absent()) return false;
  }
  return true;
}

namespace {

void write_user_data(std::string& out, const UserData& ud) {
  util::JsonWriter w(out);
  w.write('{');
  bool first = true;
  for (UserField f : kUserFieldsByName) {
    const std::string_view name = name_of(f);
    if (is_hashed(f)) {
      const auto& list = *ud.hashes(f);
      if (list.empty()) continue;
      if (!first) w.write(',');
      first = false;
      w.string(name);
      w.write(':');
      w.write('[');
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) w.write(',');
        w.string(list[i]);
      }
      w.write(']');
    } else {
      const auto& value = *ud.raw(f);
      if (value.empty()) continue;
      if (!first) w.write(',');
      first = false;
      w.string(name);
      w.write(':');
      w.string(value);
    }
  }
  w.write('}');
}

void write_custom_data(std::string& out, const CustomData& cd) {
  std::vector<const event::Member*> extra;
  extra.reserve(cd.extra.size());
  for (const auto& m : cd.extra) extra.push_back(&m);
  std::sort(extra.begin(), extra.end(), [](const event::Member* a, const event::Member* b) { return a->key < b->key; });
  out += '{';
  bool first = true;
  auto member = [&](std::string_view name, const event::Value& v) { event::append_json_member(out, first, name, v); };
  auto e = extra.begin();
  for (const auto& k : kCustomKeys) {
    const event::Value& v = cd.*(k.member);
    if (v.is_absent()) continue;
    for (; e != extra.end() && (*e)->key < k.name; ++e) member((*e)->key, (*e)->value);
    member(k.name, v);
  }
  for (; e != extra.end(); ++e) member((*e)->key, (*e)->value);
  out += '}';
}

}  // namespace

void ServerEvent::append_json(std::string& out) const {
  // Keys in name order (nlohmann's): action_source, app_data, attribution_data, custom_data,
  // data_processing_options(_country, _state), event_id, event_name, event_source_url, event_time,
  // messaging_channel, opt_out, original_event_data, referrer_url, user_data.
  out += '{';
  bool first = true;
  auto raw_key = [&](std::string_view quoted) {
    if (!first) out += ',';
    first = false;
    out += quoted;
  };
  auto text = [&](std::string_view quoted, std::string_view value) {
    raw_key(quoted);
    util::JsonWriter w(out);
    w.string(value);
  };
  auto json = [&](std::string_view quoted, const event::Value& v) {
    if (v.is_absent()) return;
    raw_key(quoted);
    event::append_json(out, v);
  };
  text("\"action_source\":", action_source);
  json("\"app_data\":", app_data);
  json("\"attribution_data\":", attribution_data);
  if (!custom_data.empty()) {
    raw_key("\"custom_data\":");
    write_custom_data(out, custom_data);
  }
  json("\"data_processing_options\":", data_processing_options);
  json("\"data_processing_options_country\":", data_processing_options_country);
  json("\"data_processing_options_state\":", data_processing_options_state);
  text("\"event_id\":", event_id);
  text("\"event_name\":", event_name);
  if (!event_source_url.empty()) text("\"event_source_url\":", event_source_url);
  raw_key("\"event_time\":");
  {
    util::JsonWriter w(out);
    w.number(event_time);
  }
  json("\"messaging_channel\":", messaging_channel);
  if (opt_out) {
    raw_key("\"opt_out\":");
    out += *opt_out ? "true" : "false";
  }
  json("\"original_event_data\":", original_event_data);
  if (!referrer_url.empty()) text("\"referrer_url\":", referrer_url);
  raw_key("\"user_data\":");
  write_user_data(out, user_data);
  out += '}';
}

std::string ServerEvent::to_json() const {
  std::string out;
  out.reserve(1024);
  append_json(out);
  return out;
}

Work& work(pipeline::Event& ev) { return ev.work<Work>(); }
const Work* find_work(const pipeline::Event& ev) { return ev.find_work<Work>(); }

}  // namespace sidetag::destinations::meta
