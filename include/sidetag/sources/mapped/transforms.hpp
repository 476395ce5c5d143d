#pragma once
// Value transforms for mapped sources. A transform is written as text in the mapping spec
// ("trim", "split:,:0", "date:%d.%m.%Y:Europe/Berlin", ...), compiled once with parse_transform() and applied to
// each record value (a nlohmann::json scalar) with apply_transform(). Nothing here throws.
//
//   trim | lowercase | uppercase      ASCII whitespace / case (non-ASCII bytes untouched)
//   string                            scalar -> its text ("123", "12.5", "true")
//   split:<sep>:<index>               split on <sep> (may contain ':'; the LAST ':' starts the index);
//                                     index is 0-based, negative counts from the end; out of range fails
//   date:<format>[:<tz>]              -> Unix seconds (int). <format>: unix | unix_ms | iso8601 | a strptime-like
//                                     pattern (%Y %m %d %e %H %I %p %M %S %y %b %B %h %a %A %z %Z %s %T %F %D %R
//                                     %n %t %%; %S also accepts a fraction ".123"; whitespace in the pattern
//                                     matches any run of whitespace). <tz>: the text after the LAST ':' when it
//                                     contains no '%': "UTC", a fixed offset "+02:00" / "-0530", or an IANA
//                                     name ("Europe/Berlin", checked against /usr/share/zoneinfo). An offset in
//                                     the value itself (%z, ISO "Z"/"+01:00") wins over <tz>. Default UTC.
//                                     IANA zones are resolved with mktime() under a process-wide mutex that
//                                     temporarily switches TZ (GCC 12 has no std::chrono::locate_zone); results
//                                     are cached per local day (per 15 minutes on DST-change days). Other threads that read TZ or
//                                     call localtime() without that mutex may observe the switch.
//   number                            "1.234,56" / "1,234.56" / "12,5" / "1 234" / "1'234.5" -> double
//                                     (the last of '.' and ',' is the decimal separator when both appear; a
//                                     single ',' followed by exactly 3 digits is a thousands separator, e.g.
//                                     "12,500" -> 12500, otherwise a decimal comma; a single '.' is always
//                                     decimal: "1.000" -> 1.0)
//   int                               like number, then must be integral -> int64
//   map:<name>                        lookup in the named table of the spec; key "*" is the default; miss fails
//   prefix:<text>                     prepend text
//   sha256                            lowercase hex SHA-256 of the text
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sidetag::sources::mapped {

using MapTables = std::map<std::string, std::map<std::string, std::string>>;

struct DateFormat {
  enum class Kind { unix_s, unix_ms, iso8601, pattern } kind = Kind::iso8601;
  std::string pattern;
  enum class Tz { utc, fixed, iana } tz = Tz::utc;
  int offset_s = 0;   // Tz::fixed
  std::string zone;   // Tz::iana
};

struct Transform {
  enum class Kind { trim, lowercase, uppercase, string, split, date, number, integer, map, prefix, sha256 };
  Kind kind = Kind::trim;
  std::string text;    // split separator, map table name, prefix text
  long index = 0;      // split index
  DateFormat date;
  std::string spec;    // the original text, for messages
};

// Compiles the transform text; nullopt with `error` set when unknown or malformed.
std::optional<Transform> parse_transform(std::string_view text, std::string& error);

// Applies `t` to `value` in place. On failure returns false and sets `error` (e.g. "date: day 31 out of range").
bool apply_transform(const Transform& t, nlohmann::json& value, const MapTables& maps, std::string& error);

// Text of a scalar (string as is, numbers as JSON prints them, bool as true/false); nullopt for null/array/object.
std::optional<std::string> scalar_text(const nlohmann::json& v);

// Building blocks, exposed for tests and for the CLI.
bool parse_number_text(std::string_view text, double& out, std::string& error);
bool parse_date_text(std::string_view text, const DateFormat& fmt, std::int64_t& unix_s, std::string& error);
// Parses "<format>[:<tz>]" (the part after "date:").
bool parse_date_format(std::string_view text, DateFormat& out, std::string& error);
// "+02:00", "-0530", "+05", "Z", "UTC" -> seconds east of UTC.
bool parse_utc_offset(std::string_view text, int& offset_s);
// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

}  // namespace sidetag::sources::mapped
