// em: cpb email rule (capi-param-builder emailUtil.js). Hand-written matcher for cpb's pattern (no std::regex on the
// hot path):
//   local  = atom ( ":"? "." atom )*      atom  = [a-z0-9!#$%&'*+/=?^_`{|}~-]+
//   domain = ( label "." )+ label         label = [a-z0-9] ( [a-z0-9-]* [a-z0-9] )?
// The optional ":" reproduces the `(:?\.)` typo in Meta's pattern, which lets a ':' precede any dot of the local part.
#include "prep/fields.hpp"
#include "prep/text.hpp"

#include <cstring>

namespace sidetag::prep::detail {
namespace {

bool is_atom_char(char c) {
  if (is_ascii_digit(c) || is_ascii_lower(c)) return true;
  return c != '\0' && std::strchr("!#$%&'*+/=?^_`{|}~-", c) != nullptr;
}

bool valid_local(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (true) {
    std::size_t start = i;
    while (i < n && is_atom_char(s[i])) ++i;
    if (i == start) return false;  // empty atom
    if (i == n) return true;
    if (s[i] == ':') ++i;
    if (i >= n || s[i] != '.') return false;
    ++i;  // the dot; an atom must follow
  }
}

bool valid_label(std::string_view l) {
  if (l.empty()) return false;
  auto alnum = [](char c) { return is_ascii_digit(c) || is_ascii_lower(c); };
  if (!alnum(l.front()) || !alnum(l.back())) return false;
  for (char c : l) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

bool valid_domain(std::string_view s) {
  std::size_t labels = 0;
  while (true) {
    auto dot = s.find('.');
    std::string_view label = s.substr(0, dot);
    if (!valid_label(label)) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return labels >= 2;
}

}  // namespace

FieldResult normalize_email(std::string_view in) {
  std::string s(js_trim(to_lower(in)));
  if (s.empty()) return FieldResult::failure("empty email address");
  auto at = s.find('@');
  if (at == std::string::npos || !valid_local(std::string_view(s).substr(0, at)) ||
      !valid_domain(std::string_view(s).substr(at + 1))) {
    return FieldResult::failure("not a valid email address");
  }
  return FieldResult::success(std::move(s));
}

}  // namespace sidetag::prep::detail
