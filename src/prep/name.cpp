// fn, ln: cpb name rule (capi-param-builder stringUtil.js): delete all JS whitespace and all ASCII punctuation, then
// lowercase. Non-Latin letters, digits, emoji and non-ASCII dashes/apostrophes are kept.
#include "prep/fields.hpp"
#include "prep/text.hpp"

namespace sidetag::prep::detail {

FieldResult normalize_name(std::string_view in) {
  std::string kept;
  kept.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    std::size_t start = i;
    char32_t c = next_cp(in, i);
    if (c < 0x80 && is_ascii_punct(static_cast<char>(c))) continue;
    if (is_js_space(c)) continue;
    kept.append(in.substr(start, i - start));
  }
  if (kept.empty()) return FieldResult::failure("name is empty after removing spaces and punctuation");
  return FieldResult::success(to_lower(kept));
}

}  // namespace sidetag::prep::detail
