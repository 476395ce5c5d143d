#pragma once
// Meta-grade normalisation and hashing of Conversions API user_data fields.
//
// The 11 main keys (em ph fn ln ge db ct st zp country external_id) follow Meta's reference normaliser
// facebook/capi-param-builder ("cpb"); f5first f5last fi dobd dobm doby follow the Business SDKs (python-sdk where
// they disagree). See github.com/facebook/capi-param-builder. Output is always plain SHA-256 (64 lowercase hex),
// never cpb's ".<appendix>" suffix.
//
// Deliberate improvement over cpb: phone numbers are completed with a country calling code (libphonenumber) when a
// region is given in NormalizeOptions; with no region the cpb digit rule is applied unchanged.
//
// Pure: no Asio/Beast. Thread-safe: every function may be called concurrently.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sidetag::prep {

enum class Field { em, ph, fn, ln, ge, db, ct, st, zp, country, external_id, f5first, f5last, fi, dobd, dobm, doby };

// "em" -> Field::em ... (exact, lowercase keys as sent to Meta); nullopt for anything else.
std::optional<Field> field_from_key(std::string_view key);
std::string_view key_of(Field f);
// Every Field, in enum order.
const std::vector<Field>& all_fields();

struct NormalizeOptions {
  std::string region;    // ISO 3166 alpha-2 (case-insensitive; "UK" is read as GB) or empty; used by ph only
  int current_year = 0;  // 0 = take from the system clock (UTC); used by db's year <= current_year + 1 check
};

struct Normalized {
  bool ok = false;
  bool already_hashed = false;  // input was a hash and passed through
  std::string normalized;       // the normalized plain value (empty when already_hashed)
  std::string sha256;           // 64 lowercase hex (or the passed-through 32/64 hex, lowercased)
  std::string error;            // reason when !ok, e.g. "not a possible phone number for region GB"
};

// Never throws for any input bytes (invalid UTF-8 is read with U+FFFD replacements).
Normalized normalize_field(Field f, std::string_view value, const NormalizeOptions& opt = {});

struct FieldValues {
  std::vector<std::string> hashes;        // de-duplicated, in first-seen order
  std::vector<std::string> drop_reasons;  // one per dropped value: "value <index>: <reason>" (no PII)
};
FieldValues normalize_values(Field f, const std::vector<std::string>& values, const NormalizeOptions& opt = {});

}  // namespace sidetag::prep
