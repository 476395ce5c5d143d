#include "prep/text.hpp"

#include <unicode/casemap.h>
#include <unicode/utf8.h>

#include <cstdint>

namespace sidetag::prep::detail {

char32_t next_cp(std::string_view s, std::size_t& i) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t len = static_cast<int32_t>(s.size());
  int32_t k = static_cast<int32_t>(i);
  UChar32 c;
  U8_NEXT(p, k, len, c);
  i = static_cast<std::size_t>(k);
  return c < 0 ? U'\uFFFD' : static_cast<char32_t>(c);
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t len = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < len) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, len, c);
    if (c < 0) return false;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t i = 0;
  while (i < s.size()) {
    append_utf8(out, next_cp(s, i));
  }
  return out;
}

bool is_js_space(char32_t c) {
  if (c < 0x80) return c == 0x20 || (c >= 0x09 && c <= 0x0d);
  switch (c) {
    case 0x00a0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
    case 0xfeff:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200a;
  }
}

std::string_view js_trim(std::string_view s) {
  // Leading.
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    if (!is_js_space(next_cp(s, j))) break;
    i = j;
  }
  s.remove_prefix(i);
  // Trailing: step back to the start of the last code point (valid UTF-8 assumed; a stray continuation byte run
  // decodes to U+FFFD, which is not whitespace, so the loop stops safely).
  while (!s.empty()) {
    std::size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xc0) == 0x80 && s.size() - start < 4) --start;
    std::size_t j = start;
    char32_t c = next_cp(s, j);
    if (j != s.size() || !is_js_space(c)) break;
    s.remove_suffix(s.size() - start);
  }
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  if (is_ascii(s)) {
    for (auto& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  // ICU root-locale full lowercase (SpecialCasing incl. Final_Sigma), as JS toLowerCase. No per-call objects.
  // Lowercasing can grow the text (e.g. U+0130 -> "i\u0307"), so retry once with the reported size.
  int32_t cap = static_cast<int32_t>(s.size() + s.size() / 2 + 8);
  for (int attempt = 0; attempt < 2; ++attempt) {
    out.resize(static_cast<std::size_t>(cap));
    UErrorCode ec = U_ZERO_ERROR;
    int32_t n = icu::CaseMap::utf8ToLower("", 0, s.data(), static_cast<int32_t>(s.size()), out.data(), cap, nullptr,
                                          ec);
    if (ec == U_BUFFER_OVERFLOW_ERROR) {
      cap = n;
      continue;
    }
    if (U_FAILURE(ec)) break;
    out.resize(static_cast<std::size_t>(n));
    return out;
  }
  return std::string(s);  // unreachable in practice (allocation failure inside ICU)
}

std::string strip_js_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t start = i;
    char32_t c = next_cp(s, i);
    if (!is_js_space(c)) out.append(s.substr(start, i - start));
  }
  return out;
}

std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < s.size()) n += next_cp(s, i) >= 0x10000 ? 2 : 1;
  return n;
}

std::size_t cp_length(std::string_view s) {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    next_cp(s, i);
    ++n;
  }
  return n;
}

std::string_view cp_prefix(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t k = 0; k < n && i < s.size(); ++k) next_cp(s, i);
  return s.substr(0, i);
}

}  // namespace sidetag::prep::detail
