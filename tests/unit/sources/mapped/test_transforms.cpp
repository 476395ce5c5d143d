#include <gtest/gtest.h>

#include <string>

#include "sidetag/sources/mapped/transforms.hpp"

using namespace sidetag::sources::mapped;
using nlohmann::json;

namespace {

const MapTables kMaps = {
    {"stages", {{"closedwon", "Purchase"}, {"appointmentscheduled", "Lead"}}},
    {"with_default", {{"a", "A"}, {"*", "Other"}}},
};

// Applies `spec` to `in`; returns the result or the error text prefixed with "ERR: ".
json run(const std::string& spec, json in) {
  std::string err;
  auto t = parse_transform(spec, err);
  if (!t) return "PARSE: " + err;
  if (!apply_transform(*t, in, kMaps, err)) return "ERR: " + err;
  return in;
}

std::string parse_error(const std::string& spec) {
  std::string err;
  auto t = parse_transform(spec, err);
  return t ? "" : err;
}

}  // namespace

TEST(Transforms, TrimLowerUpperString) {
  EXPECT_EQ(run("trim", "  a b \t\n"), "a b");
  EXPECT_EQ(run("lowercase", "MiXed\xC3\x84"), "mixed\xC3\x84");  // non-ASCII untouched
  EXPECT_EQ(run("uppercase", "eur"), "EUR");
  EXPECT_EQ(run("string", 12345), "12345");
  EXPECT_EQ(run("string", 12.5), "12.5");
  EXPECT_EQ(run("string", true), "true");
  EXPECT_EQ(run("trim", 42), "42");  // scalars are stringified for text transforms
  EXPECT_EQ(run("trim", json::object()), "ERR: trim: expected a scalar, got object");
  EXPECT_EQ(run("lowercase", json::array()), "ERR: lowercase: expected a scalar, got array");
}

TEST(Transforms, Split) {
  EXPECT_EQ(run("split: :0", "Max Mustermann"), "Max");
  EXPECT_EQ(run("split: :-1", "Anna Maria Schmidt"), "Schmidt");
  EXPECT_EQ(run("split: :1", "Anna Maria Schmidt"), "Maria");
  EXPECT_EQ(run("split:, :1", "Doe, John"), "John");  // multi-character separator
  EXPECT_EQ(run("split:::1", "a:b:c"), "b");          // separator ':' (last ':' starts the index)
  EXPECT_EQ(run("split:@:1", "user@example.com"), "example.com");
  EXPECT_EQ(run("split: :2", "one two"), "ERR: split: :2: index 2 out of range (2 parts)");
  EXPECT_EQ(run("split: :-3", "one two"), "ERR: split: :-3: index -3 out of range (2 parts)");
  EXPECT_EQ(parse_error("split"), "transform 'split' needs split:<separator>:<index>");
  EXPECT_EQ(parse_error("split: :x"), "transform 'split': index 'x' is not an integer");
  EXPECT_EQ(parse_error("split::0"), "transform 'split' needs split:<separator>:<index>");
}

TEST(Transforms, NumberFormats) {
  EXPECT_EQ(run("number", "1.234,56"), 1234.56);
  EXPECT_EQ(run("number", "1,234.56"), 1234.56);
  EXPECT_EQ(run("number", "12,5"), 12.5);
  EXPECT_EQ(run("number", "12.5"), 12.5);
  EXPECT_EQ(run("number", "1.234.567"), 1234567.0);
  EXPECT_EQ(run("number", "1,234,567"), 1234567.0);
  EXPECT_EQ(run("number", "12,500"), 12500.0);  // single comma + 3 digits: thousands
  EXPECT_EQ(run("number", "0,500"), 0.5);       // leading zero: decimal comma
  EXPECT_EQ(run("number", "1234,567"), 1234.567);
  EXPECT_EQ(run("number", " -1 234,5 "), -1234.5);
  EXPECT_EQ(run("number", "1'234.50"), 1234.5);
  EXPECT_EQ(run("number", "1\xC2\xA0" "234,50"), 1234.5);  // no-break space grouping
  EXPECT_EQ(run("number", "+7"), 7.0);
  EXPECT_EQ(run("number", ",5"), 0.5);
  EXPECT_EQ(run("number", 19.99), 19.99);
  EXPECT_EQ(run("number", 20), 20.0);
  EXPECT_EQ(run("number", "abc"), "ERR: number: not a number: 'abc'");
  EXPECT_EQ(run("number", "12.5 EUR"), "ERR: number: not a number: '12.5 EUR'");
  EXPECT_EQ(run("number", "1,2,3.4,5"), "ERR: number: not a number: '1,2,3.4,5'");
  EXPECT_EQ(run("number", "1.2.3,4,5"), "ERR: number: not a number: '1.2.3,4,5'");
  EXPECT_EQ(run("number", ""), "ERR: number: empty value");
  EXPECT_EQ(run("number", "."), "ERR: number: not a number: '.'");
  EXPECT_EQ(run("number", true), "ERR: number: not a number: true");
}

TEST(Transforms, Int) {
  EXPECT_EQ(run("int", "42"), 42);
  EXPECT_EQ(run("int", "1.000.000"), 1000000);  // grouping
  EXPECT_EQ(run("int", "1.000"), 1);            // a single "." is always decimal (documented)
  EXPECT_EQ(run("int", "3,0"), 3);
  EXPECT_EQ(run("int", 7.0), 7);
  EXPECT_EQ(run("int", 9), 9);
  EXPECT_TRUE(run("int", "42").is_number_integer());
  EXPECT_EQ(run("int", "2,5"), "ERR: int: not an integer: '2,5'");
  EXPECT_EQ(run("int", "x"), "ERR: int: not a number: 'x'");
}

TEST(Transforms, MapPrefixSha256) {
  EXPECT_EQ(run("map:stages", "closedwon"), "Purchase");
  EXPECT_EQ(run("map:stages", "lost"), "ERR: map:stages: value 'lost' is not in the map");
  EXPECT_EQ(run("map:with_default", "zzz"), "Other");
  EXPECT_EQ(run("map:with_default", "a"), "A");
  EXPECT_EQ(run("map:nope", "a"), "ERR: map:nope: no map table named 'nope'");
  EXPECT_EQ(parse_error("map"), "transform 'map' needs map:<table name>");
  EXPECT_EQ(run("prefix:pos-", "123"), "pos-123");
  EXPECT_EQ(run("prefix:pos-", 123), "pos-123");
  EXPECT_EQ(run("prefix:", "x"), "x");
  // FIPS 180-2 test vector.
  EXPECT_EQ(run("sha256", "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(parse_error("sha256:x"), "transform 'sha256' takes no argument");
  EXPECT_EQ(parse_error("reverse"),
            "unknown transform 'reverse' (known: trim, lowercase, uppercase, string, split, date, number, int, map, "
            "prefix, sha256)");
}

// Expected values computed with GNU date, e.g. `date -u -d '2024-03-15 14:30:00' +%s`.
TEST(Transforms, DatePatternsUtcAndFixedOffsets) {
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M:%S", "2024-03-15 14:30:00"), 1710513000);
  EXPECT_EQ(run("date:%d.%m.%Y", "15.03.2024"), 1710460800);
  EXPECT_EQ(run("date:%d.%m.%Y", "15.3.2024"), 1710460800);
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M:%S:UTC", " 2024-03-15 14:30:00 "), 1710513000);
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M:%S:+02:00", "2024-03-15 14:30:00"), 1710505800);
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M:%S:-0530", "2024-03-15 14:30:00"), 1710513000 + 5 * 3600 + 1800);
  EXPECT_EQ(run("date:%d/%m/%y %I:%M %p", "15/03/24 02:30 PM"), 1710513000);
  EXPECT_EQ(run("date:%d/%m/%y %I:%M %p", "15/03/24 12:00 am"), 1710460800);
  EXPECT_EQ(run("date:%d %b %Y", "15 Mar 2024"), 1710460800);
  EXPECT_EQ(run("date:%A, %d %B %Y %T", "Friday, 15 March 2024 14:30:00"), 1710513000);
  EXPECT_EQ(run("date:%FT%T%z", "2024-03-15T14:30:00+0200"), 1710505800);
  EXPECT_EQ(run("date:%FT%T%z", "2024-03-15T14:30:00Z"), 1710513000);
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M:%S", "2024-03-15 14:30:00.123"), 1710513000);  // fraction dropped
  EXPECT_EQ(run("date:%s", "1710513000"), 1710513000);
  EXPECT_EQ(run("date:%Y-%m-%d", "2024-02-29"), 1709164800);  // leap day
}

TEST(Transforms, DateIso8601) {
  EXPECT_EQ(run("date:iso8601", "2024-03-15T14:30:00Z"), 1710513000);
  EXPECT_EQ(run("date:iso8601", "2024-03-15T14:30:00.123456Z"), 1710513000);
  EXPECT_EQ(run("date:iso8601", "2024-03-15T14:30:00+02:00"), 1710505800);
  EXPECT_EQ(run("date:iso8601", "2024-03-15T14:30:00+0200"), 1710505800);
  EXPECT_EQ(run("date:iso8601", "2024-03-15 14:30"), 1710513000);
  EXPECT_EQ(run("date:iso8601", "2024-03-15"), 1710460800);
  EXPECT_EQ(run("date:iso8601:+02:00", "2024-03-15T14:30:00"), 1710505800);   // zone applies without offset
  EXPECT_EQ(run("date:iso8601:+05:00", "2024-03-15T14:30:00Z"), 1710513000);  // offset in the value wins
  EXPECT_EQ(run("date:iso8601", "2024-03-15T14:30:00+25:00"),
            "ERR: date:iso8601: '2024-03-15T14:30:00+25:00' does not match iso8601: ISO 8601: expected 'Z' or a UTC "
            "offset at '+25:00'");
}

TEST(Transforms, DateUnixEpochs) {
  EXPECT_EQ(run("date:unix", "1710513000"), 1710513000);
  EXPECT_EQ(run("date:unix", 1710513000), 1710513000);
  EXPECT_EQ(run("date:unix", "1710513000.9"), 1710513000);
  EXPECT_EQ(run("date:unix_ms", "1710513000123"), 1710513000);
  EXPECT_EQ(run("date:unix_ms", 1710513000999), 1710513000);
  EXPECT_EQ(run("date:unix", "17105x"), "ERR: date:unix: not a Unix timestamp: '17105x'");
  EXPECT_EQ(run("date:unix", "1e300"), "ERR: date:unix: Unix timestamp out of range: '1e300'");
  EXPECT_TRUE(run("date:unix_ms", "1710513000123").is_number_integer());
}

TEST(Transforms, DateIanaZones) {
  // Summer (CEST, +2) and winter (CET, +1) in Berlin; EST on 2024-11-03 after the US switch.
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M:%S:Europe/Berlin", "2024-07-01 12:00:00"), 1719828000);
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M:%S:Europe/Berlin", "2024-01-15 12:00:00"), 1705316400);
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M:%S:America/New_York", "2024-11-03 12:00:00"), 1730653200);
  EXPECT_EQ(run("date:%d.%m.%Y %H:%M:Europe/Berlin", "31.12.2026 18:05"), 1798736700);
  EXPECT_EQ(run("date:%d.%m.%Y %H:%M:Europe/Berlin", "30.06.2026 09:15"), 1782803700);
  // Again, served from the cache, and TZ of the process is left alone.
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M:%S:Europe/Berlin", "2024-07-01 12:00:00"), 1719828000);
  EXPECT_EQ(parse_error("date:%Y:Mars/Olympus_Mons"),
            "date: unknown time zone 'Mars/Olympus_Mons' (use UTC, +HH:MM or an IANA name)");
  EXPECT_EQ(parse_error("date:%Y:../../etc/passwd"),
            "date: unknown time zone '../../etc/passwd' (use UTC, +HH:MM or an IANA name)");
}

TEST(Transforms, BrokenDatesAreReported) {
  EXPECT_EQ(run("date:%d.%m.%Y", "31.02.2024"), "ERR: date:%d.%m.%Y: '31.02.2024': day 31 out of range");
  EXPECT_EQ(run("date:%d.%m.%Y", "2024-02-01"),
            "ERR: date:%d.%m.%Y: '2024-02-01' does not match '%d.%m.%Y': expected '.' at '24-02-01'");
  EXPECT_EQ(run("date:%d.%m.%Y", "01.02.2024 extra"),
            "ERR: date:%d.%m.%Y: '01.02.2024 extra': unexpected trailing text 'extra'");
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M", "2024-13-01 10:00"), "ERR: date:%Y-%m-%d %H:%M: '2024-13-01 10:00': month 13 out of range");
  EXPECT_EQ(run("date:%Y-%m-%d %H:%M", "2024-12-01 24:00"), "ERR: date:%Y-%m-%d %H:%M: '2024-12-01 24:00': hour 24 out of range");
  EXPECT_EQ(run("date:%d.%m.%Y", "29.02.2023"), "ERR: date:%d.%m.%Y: '29.02.2023': day 29 out of range");
  EXPECT_EQ(run("date:%d.%m.%Y", "01.02."), "ERR: date:%d.%m.%Y: '01.02.' does not match '%d.%m.%Y': expected year at ''");
  EXPECT_EQ(run("date:%d.%m.%Y", ""), "ERR: date:%d.%m.%Y: empty date");
  EXPECT_EQ(parse_error("date:%Q"), "date: unsupported conversion '%Q'");
  EXPECT_EQ(parse_error("date:yyyy-mm-dd"),
            "date: unknown format 'yyyy-mm-dd' (use unix, unix_ms, iso8601 or a %-pattern)");
  EXPECT_EQ(parse_error("date"), "transform 'date' needs date:<format>[:<tz>]");
}

TEST(Transforms, HelperFunctions) {
  int off = 0;
  EXPECT_TRUE(parse_utc_offset("+02:00", off));
  EXPECT_EQ(off, 7200);
  EXPECT_TRUE(parse_utc_offset("-0930", off));
  EXPECT_EQ(off, -(9 * 3600 + 1800));
  EXPECT_TRUE(parse_utc_offset("+05", off));
  EXPECT_EQ(off, 5 * 3600);
  EXPECT_FALSE(parse_utc_offset("02:00", off));
  EXPECT_FALSE(parse_utc_offset("+2:00", off));
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
}

TEST(Transforms, DateIanaZoneAcrossDstChanges) {
  // Values from `TZ=Europe/Berlin date -d '<local>' +%s`. 2026-03-29: 02:00 -> 03:00; 2026-10-25: 03:00 -> 02:00.
  const std::string f = "date:%Y-%m-%d %H:%M:Europe/Berlin";
  EXPECT_EQ(run(f, "2026-03-29 01:59"), 1774745940);  // CET
  EXPECT_EQ(run(f, "2026-03-29 03:00"), 1774746000);  // CEST
  EXPECT_EQ(run(f, "2026-03-29 12:00"), 1774778400);
  EXPECT_EQ(run(f, "2026-03-28 23:59"), 1774738740);
  EXPECT_EQ(run(f, "2026-10-25 01:30"), 1792884600);  // CEST
  EXPECT_EQ(run(f, "2026-10-25 04:00"), 1792897200);  // CET
  EXPECT_EQ(run(f, "2026-10-26 00:00"), 1792969200);
}
