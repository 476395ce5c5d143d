#pragma once
// Small ASCII string helpers shared by parsers. No locale, no allocation where avoidable.
#include <string>
#include <string_view>
#include <vector>

namespace sidetag::util {

std::string_view trim(std::string_view s);
std::string ascii_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with(std::string_view s, std::string_view prefix);
std::vector<std::string_view> split(std::string_view s, char sep);
bool is_hex(std::string_view s);
// True when s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s);
// Nesting depth of JSON text (brackets outside strings; escapes inside strings skipped). Stops early and returns
// limit + 1 once the limit is exceeded, so deep input is rejected before a parser recurses into it.
std::size_t json_nesting_depth(std::string_view text, std::size_t limit);
// Percent-decodes s; '+' becomes a space when plus_is_space. Invalid %xx sequences are kept literally.
std::string percent_decode(std::string_view s, bool plus_is_space);

}  // namespace sidetag::util
