#pragma once
// Internal UTF-8 text helpers for the prep normalisers (JavaScript semantics: `\s`, toLowerCase, UTF-16 length).
// All functions expect well-formed UTF-8 (normalize_field sanitises its input first).
#include <cstddef>
#include <string>
#include <string_view>

namespace sidetag::prep::detail {

// Decodes the code point starting at s[i] and advances i past it. Ill-formed bytes yield U+FFFD.
char32_t next_cp(std::string_view s, std::size_t& i);
void append_utf8(std::string& out, char32_t c);
bool is_ascii(std::string_view s);
// Copy of s with every ill-formed sequence replaced by U+FFFD (only called when s is not valid UTF-8).
std::string sanitize_utf8(std::string_view s);
bool valid_utf8(std::string_view s);

// JavaScript `\s`: ASCII TAB LF VT FF CR SPACE, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F,
// U+3000, U+FEFF.
bool is_js_space(char32_t c);
// String.prototype.trim(): strips leading/trailing JS whitespace.
std::string_view js_trim(std::string_view s);
// String.prototype.toLowerCase(): full, locale-independent Unicode lowercase (ICU root; ASCII fast path).
std::string to_lower(std::string_view s);
// Removes every JS whitespace code point.
std::string strip_js_space(std::string_view s);
// Length in UTF-16 code units (JavaScript's String.length).
std::size_t utf16_length(std::string_view s);
// Number of code points.
std::size_t cp_length(std::string_view s);
// First n code points.
std::string_view cp_prefix(std::string_view s, std::size_t n);

inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_ascii_lower(char c) { return c >= 'a' && c <= 'z'; }
inline bool is_ascii_alnum(char c) {
  return is_ascii_digit(c) || is_ascii_lower(c) || (c >= 'A' && c <= 'Z');
}
// ASCII punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
inline bool is_ascii_punct(char c) {
  return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

}  // namespace sidetag::prep::detail
