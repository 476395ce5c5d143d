// external_id: cpb rule (capi-param-builder PIIUtil.js): delete all JS whitespace, lowercase. Must equal what the Pixel
// sends.
#include "prep/fields.hpp"
#include "prep/text.hpp"

namespace sidetag::prep::detail {

FieldResult normalize_external_id(std::string_view in) {
  std::string s = strip_js_space(in);
  if (s.empty()) return FieldResult::failure("external id is empty");
  return FieldResult::success(to_lower(s));
}

}  // namespace sidetag::prep::detail
