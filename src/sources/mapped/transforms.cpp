#include "sidetag/sources/mapped/transforms.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <cstdlib>
#include <mutex>
#include <sys/stat.h>
#include <unordered_map>

#include "sidetag/util/crypto.hpp"
#include "sidetag/util/strings.hpp"

namespace sidetag::sources::mapped {

using nlohmann::json;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string shorten(std::string_view s) {
  if (s.size() <= 40) return std::string(s);
  return std::string(s.substr(0, 37)) + "...";
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::string> scalar_text(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return v.get_ref<const std::string&>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
    case json::value_t::boolean:
      return v.dump();
    default:
      return std::nullopt;
  }
}

bool parse_utc_offset(std::string_view s, int& offset_s) {
  if (s == "Z" || s == "z" || s == "UTC" || s == "GMT") {
    offset_s = 0;
    return true;
  }
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  const int sign = s[0] == '-' ? -1 : 1;
  std::string_view r = s.substr(1);
  int h = 0, m = 0;
  auto two = [](std::string_view t, int& v) {
    if (t.size() != 2 || !is_digit(t[0]) || !is_digit(t[1])) return false;
    v = (t[0] - '0') * 10 + (t[1] - '0');
    return true;
  };
  if (r.size() == 2) {
    if (!two(r, h)) return false;
  } else if (r.size() == 4) {
    if (!two(r.substr(0, 2), h) || !two(r.substr(2), m)) return false;
  } else if (r.size() == 5 && r[2] == ':') {
    if (!two(r.substr(0, 2), h) || !two(r.substr(3), m)) return false;
  } else {
    return false;
  }
  if (h > 23 || m > 59) return false;
  offset_s = sign * (h * 3600 + m * 60);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers

bool parse_number_text(std::string_view text, double& out, std::string& error) {
  std::string_view s = util::trim(text);
  if (s.empty()) {
    error = "empty value";
    return false;
  }
  std::string cleaned;
  cleaned.reserve(s.size());
  bool neg = false;
  std::size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (is_digit(c) || c == '.' || c == ',') {
      cleaned.push_back(c);
    } else if (c == ' ' || c == '\'') {
      // digit group separators
    } else if (s.compare(i, 2, "\xC2\xA0") == 0) {
      ++i;  // no-break space
    } else if (s.compare(i, 3, "\xE2\x80\xAF") == 0) {
      i += 2;  // narrow no-break space
    } else {
      error = "not a number: '" + shorten(text) + "'";
      return false;
    }
  }
  const auto ndots = std::count(cleaned.begin(), cleaned.end(), '.');
  const auto ncommas = std::count(cleaned.begin(), cleaned.end(), ',');
  char decimal = 0, group = 0;
  if (ndots && ncommas) {
    decimal = cleaned.find_last_of(".,") == cleaned.rfind('.') ? '.' : ',';
    group = decimal == '.' ? ',' : '.';
  } else if (ncommas) {
    if (ncommas > 1) {
      group = ',';
    } else {
      const auto p = cleaned.find(',');
      const auto after = cleaned.size() - p - 1;
      if (after == 3 && p >= 1 && p <= 3 && cleaned[0] != '0') {
        group = ',';
      } else {
        decimal = ',';
      }
    }
  } else if (ndots) {
    if (ndots > 1) {
      group = '.';
    } else {
      decimal = '.';
    }
  }
  std::string norm;
  norm.reserve(cleaned.size() + 1);
  bool seen_decimal = false;
  std::size_t digits = 0;
  for (std::size_t k = 0; k < cleaned.size(); ++k) {
    const char c = cleaned[k];
    if (c == decimal) {
      if (seen_decimal) {
        error = "not a number: '" + shorten(text) + "'";
        return false;
      }
      seen_decimal = true;
      norm.push_back('.');
    } else if (c == group) {
      if (seen_decimal || k == 0 || !is_digit(cleaned[k - 1]) || k + 1 >= cleaned.size() ||
          !is_digit(cleaned[k + 1])) {
        error = "not a number: '" + shorten(text) + "'";
        return false;
      }
    } else {
      ++digits;
      norm.push_back(c);
    }
  }
  if (digits == 0) {
    error = "not a number: '" + shorten(text) + "'";
    return false;
  }
  if (norm.front() == '.') norm.insert(norm.begin(), '0');
  if (norm.back() == '.') norm.pop_back();
  double v = 0;
  auto [p, ec] = std::from_chars(norm.data(), norm.data() + norm.size(), v);
  if (ec != std::errc() || p != norm.data() + norm.size() || !std::isfinite(v)) {
    error = "not a number: '" + shorten(text) + "'";
    return false;
  }
  out = neg ? -v : v;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Dates

namespace {

struct DateParts {
  std::int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int pm = -1;  // -1 no %p, 0 AM, 1 PM
  bool hour12 = false;
  bool has_offset = false;
  int offset_s = 0;
  bool has_epoch = false;
  std::int64_t epoch = 0;
};

constexpr const char* kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                                   "july",    "august",   "september", "october", "november", "december"};
constexpr const char* kDays[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(std::int64_t y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  std::string_view rest() const { return s_.substr(std::min(i_, s_.size())); }
  void skip_space() {
    while (!at_end() && is_space(s_[i_])) ++i_;
  }
  bool lit(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  bool num(int min_digits, int max_digits, std::int64_t& v) {
    std::size_t n = 0;
    v = 0;
    while (n < static_cast<std::size_t>(max_digits) && i_ + n < s_.size() && is_digit(s_[i_ + n])) {
      v = v * 10 + (s_[i_ + n] - '0');
      ++n;
    }
    if (n < static_cast<std::size_t>(min_digits)) return false;
    i_ += n;
    return true;
  }
  bool num(int min_digits, int max_digits, int& v) {
    std::int64_t t = 0;
    if (!num(min_digits, max_digits, t)) return false;
    v = static_cast<int>(t);
    return true;
  }
  // Full or 3-letter English name from `names`; returns index.
  bool name(const char* const* names, int count, int& idx) {
    for (int k = 0; k < count; ++k) {
      std::string_view full = names[k];
      for (std::size_t len : {full.size(), std::size_t{3}}) {
        if (i_ + len <= s_.size() && util::iequals(s_.substr(i_, len), full.substr(0, len))) {
          i_ += len;
          idx = k;
          return true;
        }
      }
    }
    return false;
  }
  bool fraction() {
    if ((peek() == '.' || peek() == ',') && i_ + 1 < s_.size() && is_digit(s_[i_ + 1])) {
      ++i_;
      while (!at_end() && is_digit(s_[i_])) ++i_;
    }
    return true;
  }
  bool offset(int& off) {
    if (lit('Z') || lit('z')) {
      off = 0;
      return true;
    }
    const std::size_t start = i_;
    if (peek() != '+' && peek() != '-') return false;
    ++i_;
    std::size_t n = 0;
    while (i_ + n < s_.size() && (is_digit(s_[i_ + n]) || s_[i_ + n] == ':') && n < 5) ++n;
    // Try the longest form that parses.
    for (std::size_t len = n; len >= 2; --len) {
      if (parse_utc_offset(s_.substr(start, len + 1), off)) {
        i_ = start + 1 + len;
        return true;
      }
    }
    i_ = start;
    return false;
  }
  std::size_t pos() const { return i_; }
  void advance(std::size_t n) { i_ += n; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// Checks a pattern's conversion specifiers; returns false with error on an unsupported one.
bool validate_pattern(std::string_view f, std::string& error) {
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') continue;
    if (++i >= f.size()) {
      error = "date: pattern ends with '%'";
      return false;
    }
    switch (f[i]) {
      case 'Y': case 'm': case 'd': case 'e': case 'H': case 'I': case 'p': case 'M': case 'S': case 'y':
      case 'b': case 'B': case 'h': case 'a': case 'A': case 'z': case 'Z': case 's': case 'T': case 'F':
      case 'D': case 'R': case 'n': case 't': case '%':
        break;
      default:
        error = std::string("date: unsupported conversion '%") + f[i] + "'";
        return false;
    }
  }
  return true;
}

bool scan_pattern(std::string_view f, Scanner& in, DateParts& p, std::string& error);

bool scan_spec(char c, Scanner& in, DateParts& p, std::string_view next_fmt, std::string& error) {
  auto fail = [&](const char* what) {
    error = std::string("expected ") + what + " at '" + shorten(in.rest()) + "'";
    return false;
  };
  int idx = 0;
  switch (c) {
    case 'Y': {
      bool neg = in.lit('-');
      if (!in.num(1, 4, p.year)) return fail("year");
      if (neg) p.year = -p.year;
      return true;
    }
    case 'y': {
      int y = 0;
      if (!in.num(2, 2, y)) return fail("2-digit year");
      p.year = y < 69 ? 2000 + y : 1900 + y;
      return true;
    }
    case 'm':
      return in.num(1, 2, p.month) || fail("month");
    case 'e':
      in.skip_space();
      [[fallthrough]];
    case 'd':
      return in.num(1, 2, p.day) || fail("day");
    case 'H':
      return in.num(1, 2, p.hour) || fail("hour");
    case 'I':
      p.hour12 = true;
      return in.num(1, 2, p.hour) || fail("hour");
    case 'M':
      return in.num(1, 2, p.minute) || fail("minute");
    case 'S':
      if (!in.num(1, 2, p.second)) return fail("second");
      if (next_fmt.empty() || (next_fmt[0] != '.' && next_fmt[0] != ',')) in.fraction();
      return true;
    case 'p': {
      std::string_view r = in.rest();
      if (r.size() >= 2 && util::iequals(r.substr(0, 2), "am")) {
        p.pm = 0;
      } else if (r.size() >= 2 && util::iequals(r.substr(0, 2), "pm")) {
        p.pm = 1;
      } else {
        return fail("AM/PM");
      }
      in.advance(2);
      return true;
    }
    case 'b': case 'B': case 'h':
      if (!in.name(kMonths, 12, idx)) return fail("month name");
      p.month = idx + 1;
      return true;
    case 'a': case 'A':
      return in.name(kDays, 7, idx) || fail("weekday name");
    case 'z':
      if (!in.offset(p.offset_s)) return fail("UTC offset");
      p.has_offset = true;
      return true;
    case 'Z': {
      std::string_view r = in.rest();
      for (std::string_view z : {"UTC", "GMT", "Z"}) {
        if (r.size() >= z.size() && util::iequals(r.substr(0, z.size()), z)) {
          in.advance(z.size());
          p.has_offset = true;
          p.offset_s = 0;
          return true;
        }
      }
      return fail("time zone UTC/GMT");
    }
    case 's': {
      bool neg = in.lit('-');
      if (!in.num(1, 18, p.epoch)) return fail("epoch seconds");
      if (neg) p.epoch = -p.epoch;
      p.has_epoch = true;
      return true;
    }
    case 'T':
      return scan_pattern("%H:%M:%S", in, p, error);
    case 'F':
      return scan_pattern("%Y-%m-%d", in, p, error);
    case 'D':
      return scan_pattern("%m/%d/%y", in, p, error);
    case 'R':
      return scan_pattern("%H:%M", in, p, error);
    case 'n': case 't':
      in.skip_space();
      return true;
    case '%':
      return in.lit('%') || fail("'%'");
  }
  error = std::string("unsupported conversion '%") + c + "'";
  return false;
}

bool scan_pattern(std::string_view f, Scanner& in, DateParts& p, std::string& error) {
  for (std::size_t i = 0; i < f.size(); ++i) {
    const char c = f[i];
    if (c == '%' && i + 1 < f.size()) {
      ++i;
      if (!scan_spec(f[i], in, p, f.substr(i + 1), error)) return false;
    } else if (is_space(c)) {
      in.skip_space();
    } else if (!in.lit(c)) {
      if (in.at_end()) {
        error = std::string("value ends early, expected '") + c + "'";
      } else {
        error = std::string("expected '") + c + "' at '" + shorten(in.rest()) + "'";
      }
      return false;
    }
  }
  return true;
}

bool scan_iso8601(Scanner& in, DateParts& p, std::string& error) {
  auto fail = [&](const char* what) {
    error = std::string("ISO 8601: expected ") + what + " at '" + shorten(in.rest()) + "'";
    return false;
  };
  if (!in.num(4, 4, p.year)) return fail("4-digit year");
  if (!in.lit('-')) return fail("'-'");
  if (!in.num(2, 2, p.month)) return fail("2-digit month");
  if (!in.lit('-')) return fail("'-'");
  if (!in.num(2, 2, p.day)) return fail("2-digit day");
  if (in.at_end()) return true;
  if (!in.lit('T') && !in.lit('t') && !in.lit(' ')) return fail("'T'");
  if (!in.num(2, 2, p.hour)) return fail("2-digit hour");
  if (!in.lit(':')) return fail("':'");
  if (!in.num(2, 2, p.minute)) return fail("2-digit minute");
  if (in.lit(':')) {
    if (!in.num(2, 2, p.second)) return fail("2-digit second");
    in.fraction();
  }
  if (in.at_end()) return true;
  if (!in.offset(p.offset_s)) return fail("'Z' or a UTC offset");
  p.has_offset = true;
  return true;
}

bool valid_zone_name(std::string_view z) {
  if (z.empty() || z.size() > 64 || z.front() == '/' || z.find("..") != std::string_view::npos) return false;
  for (char c : z) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+')) {
      return false;
    }
  }
  std::string path = "/usr/share/zoneinfo/" + std::string(z);
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// UTC offset (seconds east) of `zone` at local wall time `local_s`, via mktime() with TZ switched to the zone.
// Caller holds the TZ mutex.
bool mktime_offset(const std::string& zone, std::int64_t local_s, int& offset_s) {
  const std::int64_t days = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
  const std::int64_t sod = local_s - days * 86400;
  // civil_from_days (H. Hinnant)
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  std::tm tm{};
  tm.tm_year = static_cast<int>(y - 1900);
  tm.tm_mon = static_cast<int>(m) - 1;
  tm.tm_mday = static_cast<int>(d);
  tm.tm_hour = static_cast<int>(sod / 3600);
  tm.tm_min = static_cast<int>(sod / 60 % 60);
  tm.tm_sec = static_cast<int>(sod % 60);
  tm.tm_isdst = -1;

  const char* old = std::getenv("TZ");
  const bool had_old = old != nullptr;
  const std::string old_value = had_old ? old : "";
  ::setenv("TZ", zone.c_str(), 1);
  ::tzset();
  const std::time_t t = std::mktime(&tm);
  if (had_old) {
    ::setenv("TZ", old_value.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
  if (t == static_cast<std::time_t>(-1) && !(tm.tm_year == 69 && tm.tm_mon == 11 && tm.tm_mday == 31)) {
    return false;
  }
  // For a wall time inside a DST gap mktime moves forward; local - t is still the offset to subtract.
  offset_s = static_cast<int>(local_s - static_cast<std::int64_t>(t));
  return true;
}

// Cached zone offsets. A local day whose offset is the same at 00:00 and 23:59 has no transition (zones change
// offset at most once a day), so one entry serves the whole day; transition days are resolved per 15 minutes.
bool zone_offset_at_local(const std::string& zone, std::int64_t local_s, int& offset_s) {
  static std::mutex mu;
  static std::unordered_map<std::string, int> cache;  // "<zone>|d<day>" or "<zone>|q<quarter hour>" -> offset
  constexpr int kTransitionDay = 1 << 30;             // marker: resolve per quarter hour
  const std::int64_t day = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
  std::string day_key = zone + "|d" + std::to_string(day);
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() > 200000) cache.clear();
  auto it = cache.find(day_key);
  if (it == cache.end()) {
    int start = 0, end = 0;
    if (!mktime_offset(zone, day * 86400, start) || !mktime_offset(zone, day * 86400 + 86399, end)) return false;
    it = cache.emplace(std::move(day_key), start == end ? start : kTransitionDay).first;
  }
  if (it->second != kTransitionDay) {
    offset_s = it->second;
    return true;
  }
  const std::int64_t quarter = local_s >= 0 ? local_s / 900 : (local_s - 899) / 900;
  std::string q_key = zone + "|q" + std::to_string(quarter);
  if (auto q = cache.find(q_key); q != cache.end()) {
    offset_s = q->second;
    return true;
  }
  if (!mktime_offset(zone, local_s, offset_s)) return false;
  cache.emplace(std::move(q_key), offset_s);
  return true;
}

}  // namespace

bool parse_date_format(std::string_view text, DateFormat& out, std::string& error) {
  out = DateFormat{};
  std::string_view fmt = text;
  std::string_view tz;
  // A trailing fixed offset "+HH:MM" contains ':' itself: check for it first.
  if (fmt.size() > 7) {
    std::string_view tail = fmt.substr(fmt.size() - 7);  // ":+HH:MM"
    int off = 0;
    if (tail[0] == ':' && (tail[1] == '+' || tail[1] == '-') && parse_utc_offset(tail.substr(1), off)) {
      tz = tail.substr(1);
      fmt = fmt.substr(0, fmt.size() - 7);
    }
  }
  if (tz.empty()) {
    auto colon = fmt.rfind(':');
    if (colon != std::string_view::npos && fmt.substr(colon + 1).find('%') == std::string_view::npos &&
        colon + 1 < fmt.size()) {
      tz = fmt.substr(colon + 1);
      fmt = fmt.substr(0, colon);
    }
  }
  if (fmt.empty()) {
    error = "date: missing format";
    return false;
  }
  if (fmt == "unix") {
    out.kind = DateFormat::Kind::unix_s;
  } else if (fmt == "unix_ms") {
    out.kind = DateFormat::Kind::unix_ms;
  } else if (fmt == "iso8601") {
    out.kind = DateFormat::Kind::iso8601;
  } else {
    if (fmt.find('%') == std::string_view::npos) {
      error = "date: unknown format '" + std::string(fmt) + "' (use unix, unix_ms, iso8601 or a %-pattern)";
      return false;
    }
    if (!validate_pattern(fmt, error)) return false;
    out.kind = DateFormat::Kind::pattern;
    out.pattern = std::string(fmt);
  }
  if (!tz.empty()) {
    int off = 0;
    if (tz == "UTC" || tz == "Etc/UTC" || tz == "Z" || tz == "GMT") {
      out.tz = DateFormat::Tz::utc;
    } else if (parse_utc_offset(tz, off)) {
      out.tz = DateFormat::Tz::fixed;
      out.offset_s = off;
    } else if (valid_zone_name(tz)) {
      out.tz = DateFormat::Tz::iana;
      out.zone = std::string(tz);
    } else {
      error = "date: unknown time zone '" + std::string(tz) + "' (use UTC, +HH:MM or an IANA name)";
      return false;
    }
  }
  return true;
}

bool parse_date_text(std::string_view text, const DateFormat& fmt, std::int64_t& unix_s, std::string& error) {
  std::string_view s = util::trim(text);
  if (s.empty()) {
    error = "empty date";
    return false;
  }
  if (fmt.kind == DateFormat::Kind::unix_s || fmt.kind == DateFormat::Kind::unix_ms) {
    double v = 0;
    std::string_view t = s;
    bool neg = false;
    if (!t.empty() && t[0] == '-') {
      neg = true;
      t.remove_prefix(1);
    }
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || !is_digit(t[0]) || ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) {
      error = "not a Unix timestamp: '" + shorten(text) + "'";
      return false;
    }
    if (neg) v = -v;
    if (fmt.kind == DateFormat::Kind::unix_ms) v /= 1000.0;
    if (std::fabs(v) > 1e13) {
      error = "Unix timestamp out of range: '" + shorten(text) + "'";
      return false;
    }
    unix_s = static_cast<std::int64_t>(std::floor(v));
    return true;
  }
  DateParts p;
  Scanner in(s);
  std::string err;
  const bool ok = fmt.kind == DateFormat::Kind::iso8601 ? scan_iso8601(in, p, err)
                                                          : scan_pattern(fmt.pattern, in, p, err);
  if (!ok) {
    error = "'" + shorten(text) + "' does not match " +
            (fmt.kind == DateFormat::Kind::iso8601 ? std::string("iso8601") : "'" + fmt.pattern + "'") + ": " + err;
    return false;
  }
  in.skip_space();
  if (!in.at_end()) {
    error = "'" + shorten(text) + "': unexpected trailing text '" + shorten(in.rest()) + "'";
    return false;
  }
  if (p.has_epoch) {
    unix_s = p.epoch;
    return true;
  }
  if (p.hour12) {
    if (p.hour < 1 || p.hour > 12) {
      error = "'" + shorten(text) + "': hour " + std::to_string(p.hour) + " out of range 1-12";
      return false;
    }
    if (p.pm == 1 && p.hour != 12) p.hour += 12;
    if (p.pm == 0 && p.hour == 12) p.hour = 0;
  } else if (p.pm == 1 && p.hour < 12) {
    p.hour += 12;
  }
  auto range = [&](const char* what, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v >= lo && v <= hi) return true;
    error = "'" + shorten(text) + "': " + what + " " + std::to_string(v) + " out of range";
    return false;
  };
  if (!range("year", p.year, 1, 9999) || !range("month", p.month, 1, 12) ||
      !range("day", p.day, 1, days_in_month(p.year, p.month)) || !range("hour", p.hour, 0, 23) ||
      !range("minute", p.minute, 0, 59) || !range("second", p.second, 0, 60)) {
    return false;
  }
  const std::int64_t local = days_from_civil(p.year, static_cast<unsigned>(p.month), static_cast<unsigned>(p.day)) *
                                 86400 +
                             p.hour * 3600 + p.minute * 60 + p.second;
  if (p.has_offset) {
    unix_s = local - p.offset_s;
    return true;
  }
  switch (fmt.tz) {
    case DateFormat::Tz::utc:
      unix_s = local;
      return true;
    case DateFormat::Tz::fixed:
      unix_s = local - fmt.offset_s;
      return true;
    case DateFormat::Tz::iana: {
      int off = 0;
      if (!zone_offset_at_local(fmt.zone, local, off)) {
        error = "'" + shorten(text) + "': cannot resolve time in zone " + fmt.zone;
        return false;
      }
      unix_s = local - off;
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Transform parsing and application

std::optional<Transform> parse_transform(std::string_view text, std::string& error) {
  Transform t;
  t.spec = std::string(text);
  auto colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  std::string_view arg = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  const bool has_arg = colon != std::string_view::npos;
  auto no_arg = [&](Transform::Kind k) -> std::optional<Transform> {
    if (has_arg) {
      error = "transform '" + std::string(name) + "' takes no argument";
      return std::nullopt;
    }
    t.kind = k;
    return t;
  };
  if (name == "trim") return no_arg(Transform::Kind::trim);
  if (name == "lowercase") return no_arg(Transform::Kind::lowercase);
  if (name == "uppercase") return no_arg(Transform::Kind::uppercase);
  if (name == "string") return no_arg(Transform::Kind::string);
  if (name == "number") return no_arg(Transform::Kind::number);
  if (name == "int") return no_arg(Transform::Kind::integer);
  if (name == "sha256") return no_arg(Transform::Kind::sha256);
  if (name == "split") {
    auto last = arg.rfind(':');
    if (!has_arg || last == std::string_view::npos || last == 0) {
      error = "transform 'split' needs split:<separator>:<index>";
      return std::nullopt;
    }
    t.kind = Transform::Kind::split;
    t.text = std::string(arg.substr(0, last));
    std::string_view idx = arg.substr(last + 1);
    auto [p, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), t.index);
    if (idx.empty() || ec != std::errc() || p != idx.data() + idx.size()) {
      error = "transform 'split': index '" + std::string(idx) + "' is not an integer";
      return std::nullopt;
    }
    return t;
  }
  if (name == "date") {
    t.kind = Transform::Kind::date;
    if (!has_arg) {
      error = "transform 'date' needs date:<format>[:<tz>]";
      return std::nullopt;
    }
    if (!parse_date_format(arg, t.date, error)) return std::nullopt;
    return t;
  }
  if (name == "map") {
    if (arg.empty()) {
      error = "transform 'map' needs map:<table name>";
      return std::nullopt;
    }
    t.kind = Transform::Kind::map;
    t.text = std::string(arg);
    return t;
  }
  if (name == "prefix") {
    if (!has_arg) {
      error = "transform 'prefix' needs prefix:<text>";
      return std::nullopt;
    }
    t.kind = Transform::Kind::prefix;
    t.text = std::string(arg);
    return t;
  }
  error = "unknown transform '" + std::string(text) +
          "' (known: trim, lowercase, uppercase, string, split, date, number, int, map, prefix, sha256)";
  return std::nullopt;
}

bool apply_transform(const Transform& t, json& value, const MapTables& maps, std::string& error) {
  std::optional<std::string> s = scalar_text(value);
  if (!s) {
    error = t.spec + ": expected a scalar, got " + std::string(value.type_name());
    return false;
  }
  switch (t.kind) {
    case Transform::Kind::trim:
      value = std::string(util::trim(*s));
      return true;
    case Transform::Kind::lowercase:
      value = util::ascii_lower(*s);
      return true;
    case Transform::Kind::uppercase:
      for (char& c : *s) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      value = std::move(*s);
      return true;
    case Transform::Kind::string:
      value = std::move(*s);
      return true;
    case Transform::Kind::split: {
      std::vector<std::string_view> parts;
      std::string_view rest = *s;
      for (;;) {
        auto p = rest.find(t.text);
        if (p == std::string_view::npos) {
          parts.push_back(rest);
          break;
        }
        parts.push_back(rest.substr(0, p));
        rest.remove_prefix(p + t.text.size());
      }
      long idx = t.index < 0 ? static_cast<long>(parts.size()) + t.index : t.index;
      if (idx < 0 || idx >= static_cast<long>(parts.size())) {
        error = t.spec + ": index " + std::to_string(t.index) + " out of range (" + std::to_string(parts.size()) +
                " parts)";
        return false;
      }
      value = std::string(parts[static_cast<std::size_t>(idx)]);
      return true;
    }
    case Transform::Kind::date: {
      std::int64_t ts = 0;
      std::string err;
      if (value.is_number() && (t.date.kind == DateFormat::Kind::unix_s || t.date.kind == DateFormat::Kind::unix_ms)) {
        double v = value.get<double>();
        if (t.date.kind == DateFormat::Kind::unix_ms) v /= 1000.0;
        if (!std::isfinite(v) || std::fabs(v) > 1e13) {
          error = t.spec + ": timestamp out of range";
          return false;
        }
        ts = static_cast<std::int64_t>(std::floor(v));
      } else if (!parse_date_text(*s, t.date, ts, err)) {
        error = t.spec + ": " + err;
        return false;
      }
      value = ts;
      return true;
    }
    case Transform::Kind::number: {
      if (value.is_number()) {
        value = value.get<double>();
        return true;
      }
      if (value.is_boolean()) {
        error = t.spec + ": not a number: " + *s;
        return false;
      }
      double d = 0;
      std::string err;
      if (!parse_number_text(*s, d, err)) {
        error = t.spec + ": " + err;
        return false;
      }
      value = d;
      return true;
    }
    case Transform::Kind::integer: {
      if (value.is_number_integer()) return true;
      double d = 0;
      std::string err;
      if (value.is_number_float()) {
        d = value.get<double>();
      } else if (value.is_boolean() || !parse_number_text(*s, d, err)) {
        error = t.spec + ": " + (err.empty() ? "not a number: " + *s : err);
        return false;
      }
      if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9.0e15) {
        error = t.spec + ": not an integer: '" + shorten(*s) + "'";
        return false;
      }
      value = static_cast<std::int64_t>(d);
      return true;
    }
    case Transform::Kind::map: {
      auto table = maps.find(t.text);
      if (table == maps.end()) {
        error = t.spec + ": no map table named '" + t.text + "'";
        return false;
      }
      auto hit = table->second.find(*s);
      if (hit == table->second.end()) hit = table->second.find("*");
      if (hit == table->second.end()) {
        error = t.spec + ": value '" + shorten(*s) + "' is not in the map";
        return false;
      }
      value = hit->second;
      return true;
    }
    case Transform::Kind::prefix:
      value = t.text + *s;
      return true;
    case Transform::Kind::sha256:
      value = util::sha256_hex(*s);
      return true;
  }
  error = t.spec + ": unknown transform";
  return false;
}

}  // namespace sidetag::sources::mapped
