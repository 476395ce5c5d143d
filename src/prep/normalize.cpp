// Dispatch: already-hashed pass-through, per-field normaliser, SHA-256.
#include "sidetag/prep/normalize.hpp"

#include "prep/fields.hpp"
#include "prep/text.hpp"
#include "sidetag/util/crypto.hpp"

#include <ctime>
#include <unordered_set>

namespace sidetag::prep {
namespace {

struct KeyField {
  std::string_view key;
  Field field;
};

constexpr KeyField kKeys[] = {
    {"em", Field::em},           {"ph", Field::ph},           {"fn", Field::fn},         {"ln", Field::ln},
    {"ge", Field::ge},           {"db", Field::db},           {"ct", Field::ct},         {"st", Field::st},
    {"zp", Field::zp},           {"country", Field::country}, {"external_id", Field::external_id},
    {"f5first", Field::f5first}, {"f5last", Field::f5last},   {"fi", Field::fi},         {"dobd", Field::dobd},
    {"dobm", Field::dobm},       {"doby", Field::doby},
};

bool is_sdk_field(Field f) {
  switch (f) {
    case Field::f5first:
    case Field::f5last:
    case Field::fi:
    case Field::dobd:
    case Field::dobm:
    case Field::doby:
      return true;
    default:
      return false;
  }
}

int system_year() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

std::string canonical_region(std::string_view r) {
  std::string out;
  for (char c : r) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    out.push_back(c);
  }
  if (out == "UK") out = "GB";  // common alias; ISO 3166 says GB
  return out;
}

detail::FieldResult dispatch_cpb(Field f, std::string_view v, const NormalizeOptions& opt) {
  using namespace detail;
  switch (f) {
    case Field::em: return normalize_email(v);
    case Field::ph: return normalize_phone(v, opt.region.empty() ? std::string() : canonical_region(opt.region));
    case Field::fn:
    case Field::ln: return normalize_name(v);
    case Field::ge: return normalize_gender(v);
    case Field::db: return normalize_dob(v, opt.current_year > 0 ? opt.current_year : system_year());
    case Field::ct: return normalize_city(v);
    case Field::st: return normalize_state(v);
    case Field::zp: return normalize_zip(v);
    case Field::country: return normalize_country(v);
    case Field::external_id: return normalize_external_id(v);
    default: return FieldResult::failure("unsupported field");
  }
}

detail::FieldResult dispatch_sdk(Field f, std::string_view trimmed_lower) {
  using namespace detail;
  switch (f) {
    case Field::f5first:
    case Field::f5last: return normalize_f5(trimmed_lower);
    case Field::fi: return normalize_fi(trimmed_lower);
    case Field::dobd: return normalize_dob_day(trimmed_lower);
    case Field::dobm: return normalize_dob_month(trimmed_lower);
    case Field::doby: return normalize_dob_year(trimmed_lower);
    default: return FieldResult::failure("unsupported field");
  }
}

Normalized passthrough(std::string hash) {
  Normalized r;
  r.ok = true;
  r.already_hashed = true;
  r.sha256 = std::move(hash);
  return r;
}

}  // namespace

std::optional<Field> field_from_key(std::string_view key) {
  for (const auto& k : kKeys) {
    if (k.key == key) return k.field;
  }
  return std::nullopt;
}

std::string_view key_of(Field f) {
  for (const auto& k : kKeys) {
    if (k.field == f) return k.key;
  }
  return "";
}

const std::vector<Field>& all_fields() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> v;
    for (const auto& k : kKeys) v.push_back(k.field);
    return v;
  }();
  return fields;
}

Normalized normalize_field(Field f, std::string_view raw, const NormalizeOptions& opt) {
  Normalized r;
  if (raw.empty()) {
    r.error = "empty value";
    return r;
  }
  // Sanitise once: every normaliser below may assume well-formed UTF-8.
  std::string sanitized;
  std::string_view value = raw;
  if (!detail::is_ascii(raw) && !detail::valid_utf8(raw)) {
    sanitized = detail::sanitize_utf8(raw);
    value = sanitized;
  }

  detail::FieldResult res;
  if (is_sdk_field(f)) {
    // Business SDKs (python normalize.py): trim + lowercase, then a 64-hex value passes through (py does not
    // recognise MD5 or cpb's "<hash>.<suffix>" for these keys). Trimming uses the JS whitespace set like every
    // other key; Python's str.strip() also strips U+001C-U+001F and U+0085 (not reproduced).
    std::string lower = detail::to_lower(value);
    std::string_view tl = detail::js_trim(lower);
    std::string hash;
    if (detail::sdk_passthrough_hash(tl, hash)) return passthrough(std::move(hash));
    res = dispatch_sdk(f, tl);
  } else {
    std::string hash;
    if (detail::cpb_passthrough_hash(detail::js_trim(value), hash)) return passthrough(std::move(hash));
    res = dispatch_cpb(f, value, opt);
  }
  if (!res.ok) {
    r.error = std::move(res.error);
    return r;
  }
  r.ok = true;
  r.sha256 = util::sha256_hex(res.value);
  r.normalized = std::move(res.value);
  return r;
}

FieldValues normalize_values(Field f, const std::vector<std::string>& values, const NormalizeOptions& opt) {
  FieldValues out;
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < values.size(); ++i) {
    Normalized n = normalize_field(f, values[i], opt);
    if (!n.ok) {
      out.drop_reasons.push_back("value " + std::to_string(i) + ": " + n.error);
      continue;
    }
    if (seen.insert(n.sha256).second) out.hashes.push_back(std::move(n.sha256));
  }
  return out;
}

}  // namespace sidetag::prep
