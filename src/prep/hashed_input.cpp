// Already-hashed input detection (capi-param-builder PIIUtil.getNormalizedAndHashedPII).
#include "prep/fields.hpp"
#include "prep/text.hpp"

namespace sidetag::prep::detail {
namespace {

bool all_hex(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

bool is_hash_shape(std::string_view s) { return (s.size() == 64 || s.size() == 32) && all_hex(s); }

std::string lower_hex(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

bool cpb_passthrough_hash(std::string_view trimmed, std::string& hash_out) {
  if (is_hash_shape(trimmed)) {
    hash_out = lower_hex(trimmed);
    return true;
  }
  // <hash>.<suffix>: cpb's own output "<hex>.<appendix>" (isAlreadyNormalizedAndHashedByParamBuilder): the suffix
  // after the last dot is one of cpb's language tokens or any 8 (UTF-16) characters, the appendix length.
  auto dot = trimmed.rfind('.');
  if (dot != 64 && dot != 32) return false;
  std::string_view hash = trimmed.substr(0, dot);
  std::string_view suffix = trimmed.substr(dot + 1);
  static constexpr std::string_view kTokens[] = {"AQ", "Ag", "Aw", "BA", "BQ", "Bg"};
  bool token = false;
  for (auto t : kTokens) token = token || suffix == t;
  if (!token && utf16_length(suffix) != 8) return false;
  if (!all_hex(hash)) return false;
  hash_out = lower_hex(hash);
  return true;
}

bool sdk_passthrough_hash(std::string_view trimmed_lower, std::string& hash_out) {
  if (trimmed_lower.size() != 64) return false;
  for (char c : trimmed_lower) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  hash_out = std::string(trimmed_lower);
  return true;
}

}  // namespace sidetag::prep::detail
