#pragma once
// application/x-www-form-urlencoded parsing for GA4 /g/collect hits (ga4-collect.md §2). Pure, no Asio.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sidetag::sources::ga4 {

// One hit's parameters: decoded key -> value. Keys are percent-decoded ('+' = space). Values are
// percent-decoded EXCEPT for the "tilde-structured" keys (`em`, `pr<N>`): those keep the RAW (still
// percent-encoded) value, because §2 says to split on '~' first and decode each field afterwards; use
// split_tilde_fields() on them. A valueless key ("richsstsse") has the value "".
// std::map: last duplicate wins, lookups are O(log n) even for hostile inputs (fuzzing), heterogeneous lookup.
using Params = std::map<std::string, std::string, std::less<>>;

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
// An empty segment produced by "~~" is a literal '~' joined to its neighbours (Google's parser, §2):
// "nmA~~B~qt1" -> {"nmA~B", "qt1"}. Leading/trailing empty segments are dropped.
std::vector<std::string> split_tilde_fields(std::string_view raw);

// Form-decodes one component ('+' = space, invalid %xx kept).
std::string form_decode(std::string_view s);

}  // namespace sidetag::sources::ga4
