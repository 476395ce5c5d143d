#pragma once
// A configured event-data key ("user_data.address.city", "x-fb-ud-em", "crm_id"), resolved once per
// configuration load: the whole name's slot when it is a known key, else its first segment's slot and the
// member names under it. EventData::lookup() then needs no parsing and, for known keys, no name comparison.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sidetag/event/key.hpp"

namespace sidetag::event {

class FieldPath {
 public:
  FieldPath() = default;
  FieldPath(std::string text);  // NOLINT: implicit, so configuration and tests can write {"a.b", "c"}
  FieldPath(const char* text) : FieldPath(std::string(text)) {}  // NOLINT
  FieldPath(const FieldPath& o) : FieldPath(o.text_) {}
  FieldPath& operator=(const FieldPath& o) {
    if (this != &o) *this = FieldPath(o.text_);
    return *this;
  }
  FieldPath(FieldPath&&) = default;
  FieldPath& operator=(FieldPath&&) = default;

  const std::string& text() const { return text_; }
  bool dotted() const { return !rest_.empty(); }
  std::optional<Key> whole_key() const { return whole_; }   // the whole text is a known key
  std::optional<Key> head_key() const { return head_; }     // the first segment is a known key
  std::string_view head() const { return std::string_view(text_).substr(0, head_len_); }
  std::size_t rest_size() const { return rest_.size(); }
  std::string_view rest(std::size_t i) const { return std::string_view(text_).substr(rest_[i].first, rest_[i].second); }
  friend bool operator==(const FieldPath& a, const FieldPath& b) { return a.text_ == b.text_; }

 private:
  std::string text_;
  std::optional<Key> whole_, head_;
  std::size_t head_len_ = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rest_;  // offset, length of each segment after the first
};

}  // namespace sidetag::event
