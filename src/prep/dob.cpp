// db: cpb date-of-birth rule (capi-param-builder dobUtil.js).
#include "prep/fields.hpp"
#include "prep/text.hpp"

#include <cstdio>
#include <vector>

namespace sidetag::prep::detail {
namespace {

struct Group {
  std::string_view text;
  long value;  // saturated at 1e9: only compared against small bounds
};

}  // namespace

FieldResult normalize_dob(std::string_view in, int current_year) {
  // Every non-digit (JS \D: anything but ASCII 0-9) is a separator.
  std::vector<Group> groups;
  std::size_t i = 0;
  while (i < in.size()) {
    if (!is_ascii_digit(in[i])) {
      ++i;
      continue;
    }
    std::size_t start = i;
    long v = 0;
    while (i < in.size() && is_ascii_digit(in[i])) {
      if (v < 1000000000L) v = v * 10 + (in[i] - '0');
      ++i;
    }
    if (v > 1000000000L) v = 1000000000L;
    groups.push_back({in.substr(start, i - start), v});
  }
  if (groups.size() >= 3) {
    long n1 = groups[0].value, n2 = groups[1].value, n3 = groups[2].value;
    long year, month, day;
    if (n1 > 31) {
      year = n1, month = n2, day = n3;
    } else if (n2 > 31) {
      year = n2, month = n3, day = n1;
    } else {
      year = n3, month = n1, day = n2;
    }
    if (month > 12) std::swap(month, day);
    if (year >= 1800 && year <= current_year + 1 && month >= 1 && month <= 12 && day >= 1 && day <= 31) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04ld%02ld%02ld", year, month, day);
      return FieldResult::success(buf);
    }
    return FieldResult::failure("not a valid date of birth");
  }
  // cpb keeps a lone 8-digit group unchanged and unvalidated (it may be DDMMYYYY; Meta hashes it as sent).
  if (groups.size() == 1 && groups[0].text.size() == 8) return FieldResult::success(std::string(groups[0].text));
  if (groups.empty()) return FieldResult::failure("date of birth has no digits");
  return FieldResult::failure("not a valid date of birth");
}

}  // namespace sidetag::prep::detail
