#pragma once
// application/x-www-form-urlencoded parsing for GA4 /g/collect hits (docs/ga4.md). Pure, no Asio.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sidetag::sources::ga4 {

// One hit's parameters: decoded key -> value. Keys are percent-decoded ('+' = space). Values are
// percent-decoded EXCEPT for the "tilde-structured" keys (`em`, `pr<N>`): those keep the RAW (still
// percent-encoded) value, because gtag.js joins their fields with '~' before encoding: split on '~' first and decode
// each field afterwards; use split_tilde_fields() on them. A valueless key ("richsstsse") has the value "".
//
// A flat vector sorted by key with the part of std::map's interface the callers use: one allocation for the
// entries instead of a tree node each (a hit has ~40 parameters, and every body line copies the query's), lookups
// O(log n) by binary search. parse_query builds it with one sort (O(n log n) even for hostile inputs); a single
// insert_or_assign/operator[]/erase shifts the tail (O(n)), meant for a few edits, not for building. Iteration is in
// key order, like std::map. Keys must not be changed through iterators (that would break the order).
class Params {
 public:
  using value_type = std::pair<std::string, std::string>;
  using iterator = std::vector<value_type>::iterator;
  using const_iterator = std::vector<value_type>::const_iterator;

  Params() = default;
  // From pairs in wire order: sorted by key, the last duplicate of a key wins.
  explicit Params(std::vector<value_type> pairs);

  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  iterator find(std::string_view key);
  const_iterator find(std::string_view key) const;
  std::size_t count(std::string_view key) const { return find(key) == end() ? 0 : 1; }
  bool contains(std::string_view key) const { return find(key) != end(); }
  // Throws std::out_of_range when absent, like std::map::at.
  const std::string& at(std::string_view key) const;
  std::string& at(std::string_view key);
  std::string& operator[](std::string_view key);
  std::pair<iterator, bool> insert_or_assign(std::string key, std::string value);
  iterator erase(const_iterator pos) { return entries_.erase(pos); }
  std::size_t erase(std::string_view key);
  // Removes the entries for which pred(entry) is true in one O(n) pass (erase(it) in a loop would be O(n^2)).
  // pred is called exactly once per entry, in key order, so it may record what it removes.
  template <typename Pred>
  std::size_t erase_if(Pred pred) {
    auto out = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (pred(std::as_const(*it))) continue;
      if (out != it) *out = std::move(*it);
      ++out;
    }
    const auto removed = static_cast<std::size_t>(entries_.end() - out);
    entries_.erase(out, entries_.end());
    return removed;
  }

  // `base` with every key of `top` replacing or added (std::map's insert_or_assign of each, in one O(n + m) merge).
  static Params overlay(const Params& base, Params&& top);

  friend bool operator==(const Params& a, const Params& b) { return a.entries_ == b.entries_; }

 private:
  iterator lower_bound(std::string_view key);
  const_iterator lower_bound(std::string_view key) const;
  std::vector<value_type> entries_;
};

// Raw (undecoded) key/value pairs in wire order, duplicates kept. Zero-copy views into the input.
struct RawPair {
  std::string_view key;
  std::string_view value;
  bool has_value = false;  // false for "key" without '='
};
std::vector<RawPair> split_query(std::string_view query);

// True for `em` and `pr<N>` (N = 1..200 without leading zero): values kept raw in Params.
bool is_tilde_structured_key(std::string_view decoded_key);

// Parses one query string / body line. Empty segments ("a=1&&b=2") are skipped; a pair with an empty key
// ("=x") is skipped. Invalid %xx sequences are kept literally. Last duplicate wins.
Params parse_query(std::string_view query);

// One parameter's value with parse_query's rules (last duplicate wins), without decoding the others: the route
// needs the shared `tid` before parsing the hits. Empty optional when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view decoded_key);

// Ordered variant (wire order, duplicates kept, same decoding rules as parse_query).
std::vector<std::pair<std::string, std::string>> parse_query_pairs(std::string_view query);

// Splits a RAW tilde-structured value on '~' and percent-decodes each field ('+' = space).
// An empty segment produced by "~~" is a literal '~' joined to its neighbours (as Google's collector reads it):
// "nmA~~B~qt1" -> {"nmA~B", "qt1"}. Leading/trailing empty segments are dropped.
std::vector<std::string> split_tilde_fields(std::string_view raw);

// Form-decodes one component ('+' = space, invalid %xx kept).
std::string form_decode(std::string_view s);

}  // namespace sidetag::sources::ga4
