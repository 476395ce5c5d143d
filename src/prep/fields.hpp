#pragma once
// Internal: one small pure normaliser per user_data key. Each takes the raw (UTF-8 sanitised, untrimmed) value and
// returns the normalised plain string, or an error naming why the value is dropped. No hashing here.
#include <string>
#include <string_view>

namespace sidetag::prep::detail {

struct FieldResult {
  bool ok = false;
  std::string value;  // normalised plain value when ok
  std::string error;  // human-readable reason when !ok (never contains the input: it is PII)

  static FieldResult success(std::string v) { return {true, std::move(v), {}}; }
  static FieldResult failure(std::string e) { return {false, {}, std::move(e)}; }
};

// cpb rules (github.com/facebook/capi-param-builder, nodejs/capi-param-builder/src/piiUtil/).
FieldResult normalize_email(std::string_view in);
// region: ISO alpha-2 uppercase or empty. Empty -> exact cpb digit rule; otherwise libphonenumber completion.
FieldResult normalize_phone(std::string_view in, std::string_view region);
FieldResult normalize_name(std::string_view in);  // fn, ln
FieldResult normalize_gender(std::string_view in);
FieldResult normalize_dob(std::string_view in, int current_year);
FieldResult normalize_city(std::string_view in);
FieldResult normalize_state(std::string_view in);
FieldResult normalize_zip(std::string_view in);
FieldResult normalize_country(std::string_view in);
FieldResult normalize_external_id(std::string_view in);

// Business SDK rules (facebook-python-business-sdk serverside/normalize.py, where the SDKs disagree). Input is already
// trimmed+lowercased.
FieldResult normalize_f5(std::string_view trimmed_lower);  // f5first, f5last
FieldResult normalize_fi(std::string_view trimmed_lower);
FieldResult normalize_dob_day(std::string_view trimmed_lower);
FieldResult normalize_dob_month(std::string_view trimmed_lower);
FieldResult normalize_dob_year(std::string_view trimmed_lower);

// Already-hashed input (cpb's PIIUtil.getNormalizedAndHashedPII). cpb: trimmed value is 64 or 32 hex (any case), or
// <64|32 hex>.<suffix> where suffix is a cpb language token (AQ Ag Aw BA BQ Bg) or 8 characters -> the hash part,
// lowercased.
bool cpb_passthrough_hash(std::string_view trimmed, std::string& hash_out);
// python-sdk: trimmed+lowercased value is exactly 64 lowercase hex.
bool sdk_passthrough_hash(std::string_view trimmed_lower, std::string& hash_out);

}  // namespace sidetag::prep::detail
