#include "sidetag/event/key.hpp"

#include <algorithm>
#include <array>

namespace sidetag::event {

namespace {

constexpr std::string_view kNames[] = {
#define SIDETAG_EVENT_KEY(id, name) name,
#include "sidetag/event/keys.def"
#undef SIDETAG_EVENT_KEY
};
static_assert(std::size(kNames) == kKeyCount);

// FNV-1a: names are short, and this runs for every name a source sets that is not addressed by Key directly.
constexpr std::uint32_t hash(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

constexpr std::size_t kTableSize = 512;  // a power of two, well above 2 * kKeyCount: short probe chains
static_assert(kTableSize >= 2 * kKeyCount);
constexpr std::uint16_t kEmpty = 0xFFFF;

struct Table {
  std::array<std::uint16_t, kTableSize> slot{};
  std::array<Key, kKeyCount> by_name{};
};

constexpr Table make_table() {
  Table t;
  for (auto& s : t.slot) s = kEmpty;
  for (std::size_t i = 0; i < kKeyCount; ++i) {
    std::size_t pos = hash(kNames[i]) & (kTableSize - 1);
    while (t.slot[pos] != kEmpty) pos = (pos + 1) & (kTableSize - 1);
    t.slot[pos] = static_cast<std::uint16_t>(i);
    t.by_name[i] = static_cast<Key>(i);
  }
  std::sort(t.by_name.begin(), t.by_name.end(),
            [](Key a, Key b) { return kNames[static_cast<std::size_t>(a)] < kNames[static_cast<std::size_t>(b)]; });
  return t;
}

constexpr Table kTable = make_table();

constexpr bool names_unique() {
  for (std::size_t i = 1; i < kKeyCount; ++i) {
    if (kNames[static_cast<std::size_t>(kTable.by_name[i - 1])] == kNames[static_cast<std::size_t>(kTable.by_name[i])]) return false;
  }
  return true;
}
static_assert(names_unique(), "keys.def names a key twice");

}  // namespace

std::string_view name_of(Key k) { return kNames[static_cast<std::size_t>(k)]; }

std::optional<Key> key_of(std::string_view name) {
  std::size_t pos = hash(name) & (kTableSize - 1);
  while (true) {
    const std::uint16_t i = kTable.slot[pos];
    if (i == kEmpty) return std::nullopt;
    if (kNames[i] == name) return static_cast<Key>(i);
    pos = (pos + 1) & (kTableSize - 1);
  }
}

std::span<const Key> keys_by_name() { return kTable.by_name; }

}  // namespace sidetag::event
