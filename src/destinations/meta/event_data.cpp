#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <string_view>

#include "sidetag/sources/mapped/transforms.hpp"

#include "sidetag/destinations/meta/stages.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::destinations::meta {

namespace {
thread_local const LookupScope* t_scope = nullptr;

// The length and the first and last 8 bytes, mixed: constant time per key (keys share long prefixes such as
// "x-fb-ud-", so both ends are needed). Collisions only cost a map search, never a wrong answer.
std::uint64_t key_hash(std::string_view s) {
  std::uint64_t head = 0, tail = 0;
  if (!s.empty()) std::memcpy(&head, s.data(), std::min<std::size_t>(s.size(), 8));
  if (s.size() > 8) std::memcpy(&tail, s.data() + s.size() - 8, 8);
  std::uint64_t x = head * 0x9E3779B97F4A7C15ull + tail + s.size();
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;  // splitmix64's finalizer: every input bit reaches every output bit
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
}  // namespace

LookupScope::LookupScope(const nlohmann::json& data) : data_(&data), previous_(t_scope) {
  if (data.is_object()) {
    for (const auto& [k, v] : data.items()) {
      const std::uint64_t h = key_hash(k);
      bits_[(h & 2047) >> 6] |= 1ull << (h & 63);
      bits_[((h >> 11) & 2047) >> 6] |= 1ull << ((h >> 11) & 63);
    }
  }
  t_scope = this;
}

LookupScope::~LookupScope() { t_scope = previous_; }

bool LookupScope::may_hold(std::string_view key) const {
  const std::uint64_t h = key_hash(key);
  return (bits_[(h & 2047) >> 6] >> (h & 63) & 1) && (bits_[((h >> 11) & 2047) >> 6] >> ((h >> 11) & 63) & 1);
}

const nlohmann::json* lookup(const nlohmann::json& data, std::string_view key) {
  // Called ~100 times per event (every default source key of every field): heterogeneous finds on string_view
  // parts, no temporary strings, and within a LookupScope most absent keys never reach the map.
  if (!data.is_object()) return nullptr;
  auto dot = key.find('.');
  const LookupScope* scope = t_scope && t_scope->data() == &data ? t_scope : nullptr;
  if (!scope || scope->may_hold(key)) {
    if (auto it = data.find(key); it != data.end()) return it->is_null() ? nullptr : &*it;
  }
  if (dot == std::string_view::npos) return nullptr;
  if (scope && !scope->may_hold(key.substr(0, dot))) return nullptr;
  const nlohmann::json* cur = &data;
  std::size_t start = 0;
  while (true) {
    std::string_view part = key.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
    dot = key.find('.', start);
  }
  return cur->is_null() ? nullptr : cur;
}

namespace {
// ISO 8601: YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]
bool parse_iso8601(std::string_view s, std::int64_t& out) {
  std::tm tm{};
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  auto num = [&](std::size_t pos, std::size_t len, int& v) {
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, v);
    return ec == std::errc() && p == s.data() + pos + len;
  };
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d)) return false;
  std::size_t i = 10;
  int offset_s = 0;
  if (i < s.size() && (s[i] == 'T' || s[i] == ' ')) {
    if (s.size() < i + 6 || !num(i + 1, 2, h) || s[i + 3] != ':' || !num(i + 4, 2, mi)) return false;
    i += 6;
    if (i < s.size() && s[i] == ':') {
      if (s.size() < i + 3 || !num(i + 1, 2, se)) return false;
      i += 3;
      if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      }
    }
    if (i < s.size()) {
      if (s[i] == 'Z') {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        int oh, om;
        if (s.size() < i + 6 || !num(i + 1, 2, oh) || s[i + 3] != ':' || !num(i + 4, 2, om)) return false;
        offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
      }
    }
  }
  if (i != s.size()) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  out = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
  return true;
}
}  // namespace

bool to_unix_seconds(const nlohmann::json& v, std::int64_t& out) {
  double num = 0;
  if (v.is_number()) {
    num = v.get<double>();
  } else if (v.is_string()) {
    auto s = util::trim(v.get_ref<const std::string&>());
    if (s.empty()) return false;
    if (std::isdigit(static_cast<unsigned char>(s[0])) && s.find_first_not_of("0123456789.") == std::string_view::npos) {
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), num);
      if (ec != std::errc() || p != s.data() + s.size()) return false;
    } else {
      return parse_iso8601(s, out);
    }
  } else {
    return false;
  }
  if (num <= 0) return false;
  // 13-digit values are milliseconds (a common bug in peers), 16-digit microseconds.
  if (num > 1e15) num /= 1e6;
  else if (num > 1e11) num /= 1e3;
  out = static_cast<std::int64_t>(num);
  return true;
}

namespace {
// ISO 4217 codes in use (SIX list, 2026), sorted for binary search. Left out: XTS (testing) and XXX (no currency),
// which never price a conversion; withdrawn codes (HRK, SLL, ZWL, CUC, ANG, ...) are not accepted.
constexpr std::string_view kIso4217[] = {
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD",
    "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP",
    "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD",
    "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK",
    "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK",
    "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR",
    "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS",
    "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH",
    "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA",
    "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XUA", "YER", "ZAR", "ZMW", "ZWG"};

constexpr std::string_view kStandardCustomData[] = {
    "content_category", "content_ids", "content_name", "content_type", "contents", "currency", "delivery_category",
    "item_number", "net_revenue", "num_items", "order_id", "predicted_ltv", "search_string", "status", "value"};
}  // namespace

bool is_iso4217_currency(const std::string& code) {
  static_assert(std::size(kIso4217) > 150);
  return std::binary_search(std::begin(kIso4217), std::end(kIso4217), std::string_view(code));
}

bool is_delivery_category(const std::string& v) { return v == "in_store" || v == "curbside" || v == "home_delivery"; }

bool is_standard_custom_data_key(const std::string& key) {
  return std::find(std::begin(kStandardCustomData), std::end(kStandardCustomData), key) != std::end(kStandardCustomData);
}

bool to_number(const nlohmann::json& v, double& out) {
  if (v.is_number()) {
    out = v.get<double>();
    return std::isfinite(out);
  }
  if (!v.is_string()) return false;
  std::string error;
  double d = 0;
  if (!sources::mapped::parse_number_text(v.get_ref<const std::string&>(), d, error) || !std::isfinite(d)) return false;
  out = d;
  return true;
}

}  // namespace sidetag::destinations::meta
