// f5first, f5last, fi, dobd, dobm, doby: Business SDK rules (facebook-python-business-sdk normalize.py). All SDKs trim
// and lowercase first (done by the caller). Where the SDKs disagree, sidetag follows python-sdk (normalize.py):
//  * f5first/f5last/fi count characters (code points), like py/node; php's substr counts bytes and can cut a UTF-8
//    sequence in half.
//  * dobd/dobm: one digit is left-padded with '0'; the value must then be a number in range (py rejects "0a", "-1",
//    "444"); node's parseInt accepts "1a" and lets "ab" through as NaN: not followed.
//    Deviation from py, documented: py's int() also accepts "+5", " 5" or non-ASCII digits and 3+ digit forms such
//    as "005"; sidetag requires exactly 1 or 2 ASCII digits (a hash of "005" could never match anyway).
//  * doby: exactly 4 ASCII digits (py `^[0-9]{4}$`); no range check ("0000" and "9999" pass, as in all SDKs).
#include "prep/fields.hpp"
#include "prep/text.hpp"

namespace sidetag::prep::detail {
namespace {

FieldResult day_or_month(std::string_view s, int max, const char* what) {
  if (s.empty()) return FieldResult::failure(std::string(what) + " is empty");
  if (s.size() > 2 || !is_ascii_digit(s[0]) || (s.size() == 2 && !is_ascii_digit(s[1]))) {
    return FieldResult::failure(std::string(what) + " must be a number from 01 to " + std::to_string(max));
  }
  std::string v = s.size() == 1 ? std::string("0") + s[0] : std::string(s);
  int n = (v[0] - '0') * 10 + (v[1] - '0');
  if (n < 1 || n > max) {
    return FieldResult::failure(std::string(what) + " must be a number from 01 to " + std::to_string(max));
  }
  return FieldResult::success(std::move(v));
}

}  // namespace

FieldResult normalize_f5(std::string_view s) {
  if (s.empty()) return FieldResult::failure("name is empty");
  return FieldResult::success(std::string(cp_prefix(s, 5)));
}

FieldResult normalize_fi(std::string_view s) {
  if (s.empty()) return FieldResult::failure("name is empty");
  return FieldResult::success(std::string(cp_prefix(s, 1)));
}

FieldResult normalize_dob_day(std::string_view s) { return day_or_month(s, 31, "birth day"); }

FieldResult normalize_dob_month(std::string_view s) { return day_or_month(s, 12, "birth month"); }

FieldResult normalize_dob_year(std::string_view s) {
  if (s.empty()) return FieldResult::failure("birth year is empty");
  bool ok = s.size() == 4;
  for (char c : s) ok = ok && is_ascii_digit(c);
  if (!ok) return FieldResult::failure("birth year must be exactly 4 digits");
  return FieldResult::success(std::string(s));
}

}  // namespace sidetag::prep::detail
