// ph: phone numbers.
//
// No region: exactly cpb (capi-param-builder phoneUtil.js): delete everything that is not an ASCII digit, strip all
// leading zeros, empty -> dropped. No length check, no country-code inference.
//
// With a region (the event's country or a site default) sidetag goes beyond cpb, deliberately: a national number gets
// its country calling code so that it can match Meta's E.164-based hashes. The input is first reduced to the cpb digit
// form (plus the knowledge of whether a '+' preceded the first digit); libphonenumber then decides, length-based
// (IsPossibleNumberWithReason == IS_POSSIBLE, never IsValidNumber for acceptance):
//   1. explicit international form -- '+' before the first digit, digits starting "00", or the region's own IDD
//      prefix (e.g. 011 in US) -- parse as international; not possible -> dropped.
//   2. otherwise two readings: national (per region; libphonenumber removes a trunk prefix, and Italy keeps its
//      leading 0) and, when the digits do not start with 0, "already has a country code" (+digits).
//      * only one is possible -> that one;
//      * both possible and the country code is a *foreign* one -> national wins (the digits are a possible national
//        number of the region);
//      * both possible and the digits start with the region's *own* code (e.g. 4915123456789 with DE) -> the reading
//        that IsValidNumber accepts (used only as a tie-break); if both or neither are valid, the international
//        reading, so that 4915123456789/DE never becomes 494915123456789 while an Italian mobile written nationally
//        (393..., IT) stays national.
//      * neither -> dropped.
//   An extension ("ext", "x", "#", ";" after the first digit) is cut off before counting digits (cpb keeps those
//   digits, which only makes the number unmatchable). Local-only numbers (IS_POSSIBLE_LOCAL_ONLY, e.g. 7-digit US
//   numbers without area code) are dropped: without an area code they cannot match.
// Output: E.164 digits without '+'.
#include "prep/fields.hpp"
#include "prep/text.hpp"

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <string>

namespace sidetag::prep::detail {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const PhoneNumberUtil& phone_util() {
  static const PhoneNumberUtil* util = [] {
    PhoneNumberUtil* u = PhoneNumberUtil::GetInstance();
    u->SetLogger(new i18n::phonenumbers::NullLogger());  // owned by the util; silences parse-failure logging
    return u;
  }();
  return *util;
}

std::string cpb_digits(std::string_view in) {
  std::string d;
  d.reserve(in.size());
  for (char c : in) {
    if (is_ascii_digit(c)) d.push_back(c);
  }
  return d;
}

// Lowercase ASCII comparison of in[i..] with word.
bool ascii_word_at(std::string_view in, std::size_t i, std::string_view word) {
  if (in.size() - i < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    char c = in[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[k]) return false;
  }
  return true;
}

// Cuts "ext. 123", "x123", "#123", ";ext=123" (anything from the first such marker after the first digit).
std::string_view without_extension(std::string_view in) {
  bool seen_digit = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (is_ascii_digit(c)) {
      seen_digit = true;
      continue;
    }
    if (!seen_digit) continue;
    if (c == '#' || c == ';' || c == 'x' || c == 'X' || ascii_word_at(in, i, "ext")) return in.substr(0, i);
  }
  return in;
}

bool plus_before_first_digit(std::string_view in) {
  for (char c : in) {
    if (c == '+') return true;
    if (is_ascii_digit(c)) return false;
  }
  return false;
}

bool possible(const PhoneNumberUtil& u, const PhoneNumber& n) {
  return u.IsPossibleNumberWithReason(n) == PhoneNumberUtil::IS_POSSIBLE;
}

std::string e164_digits(const PhoneNumberUtil& u, const PhoneNumber& n) {
  std::string out;
  u.Format(n, PhoneNumberUtil::E164, &out);
  if (!out.empty() && out[0] == '+') out.erase(0, 1);
  return out;
}

// Parses digits as "+digits" (leading zeros removed). False when libphonenumber cannot read a country code.
bool parse_international(const PhoneNumberUtil& u, std::string_view digits, PhoneNumber& out) {
  auto nz = digits.find_first_not_of('0');
  if (nz == std::string_view::npos) return false;
  std::string s = "+";
  s.append(digits.substr(nz));
  return u.Parse(s, "ZZ", &out) == PhoneNumberUtil::NO_PARSING_ERROR;
}

FieldResult cpb_phone(std::string_view in) {
  std::string d = cpb_digits(in);
  auto nz = d.find_first_not_of('0');
  if (nz == std::string::npos) return FieldResult::failure("phone number has no digits other than leading zeros");
  return FieldResult::success(d.substr(nz));
}

}  // namespace

FieldResult normalize_phone(std::string_view in, std::string_view region_in) {
  if (region_in.empty()) return cpb_phone(in);
  std::string region(region_in);
  const PhoneNumberUtil& u = phone_util();
  // A region libphonenumber does not know (e.g. a typo) cannot complete anything: fall back to cpb's rule.
  if (u.GetCountryCodeForRegion(region) == 0) return cpb_phone(in);
  const int own_cc = u.GetCountryCodeForRegion(region);

  std::string_view text = without_extension(in);
  std::string d = cpb_digits(text);
  if (d.find_first_not_of('0') == std::string::npos) {
    return FieldResult::failure("phone number has no digits other than leading zeros");
  }

  // 1. Explicit international form.
  if (plus_before_first_digit(text) || d.rfind("00", 0) == 0) {
    PhoneNumber n;
    if (parse_international(u, d, n) && possible(u, n)) return FieldResult::success(e164_digits(u, n));
    return FieldResult::failure("not a possible international phone number");
  }

  // National reading (ParseAndKeepRawInput also tells whether the region's own IDD prefix was used).
  PhoneNumber nat;
  bool nat_ok = u.ParseAndKeepRawInput(d, region, &nat) == PhoneNumberUtil::NO_PARSING_ERROR;
  if (nat_ok && nat.country_code_source() == PhoneNumber::FROM_NUMBER_WITH_IDD) {
    if (possible(u, nat)) return FieldResult::success(e164_digits(u, nat));
    return FieldResult::failure("not a possible international phone number");
  }
  bool nat_possible = nat_ok && possible(u, nat);
  // The international reading's country code is a prefix of the digits: when they do not start with the region's
  // own code, a possible national reading wins whatever that reading gives (rule 2, foreign code), so the second
  // parse -- about half of this function's cost -- is skipped.
  if (nat_possible && d.rfind(std::to_string(own_cc), 0) != 0) return FieldResult::success(e164_digits(u, nat));

  // 2. "Already has a country code" reading.
  PhoneNumber intl;
  bool intl_possible = d[0] != '0' && parse_international(u, d, intl) && possible(u, intl);

  if (nat_possible && intl_possible) {
    if (static_cast<int>(intl.country_code()) != own_cc) return FieldResult::success(e164_digits(u, nat));
    bool nat_valid = u.IsValidNumber(nat);
    bool intl_valid = u.IsValidNumber(intl);
    if (nat_valid && !intl_valid) return FieldResult::success(e164_digits(u, nat));
    return FieldResult::success(e164_digits(u, intl));
  }
  if (nat_possible) return FieldResult::success(e164_digits(u, nat));
  if (intl_possible) return FieldResult::success(e164_digits(u, intl));
  return FieldResult::failure("not a possible phone number for region " + region);
}

}  // namespace sidetag::prep::detail
