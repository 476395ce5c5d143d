#include "sidetag/util/clock.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

namespace sidetag::util {

std::int64_t now_unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t mono_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

WallClock system_clock_seconds() {
  return [] { return now_unix_us() / 1000000; };
}

namespace {
std::string iso8601_utc_us_uncached(std::int64_t unix_us) {
  std::time_t secs = static_cast<std::time_t>(unix_us / 1000000);
  long frac = static_cast<long>(unix_us % 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06ldZ", frac);
  return std::string(buf);
}
}  // namespace

std::string iso8601_utc_us(std::int64_t unix_us) {
  if (unix_us < 0) return iso8601_utc_us_uncached(unix_us);  // before 1970: never a log line
  // Every log line carries one: gmtime_r + strftime + snprintf were ~2,300 instructions a line. The date and time
  // part changes once a second, so it is formatted once per second and thread; the microseconds by hand.
  thread_local std::int64_t cached_secs = -1;
  thread_local char cached[20];
  const std::int64_t secs = unix_us / 1000000;
  if (secs != cached_secs) {
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) != 19) return iso8601_utc_us_uncached(unix_us);
    std::memcpy(cached, buf, 19);  // years beyond 9999 never reach the cache
    cached_secs = secs;
  }
  std::string out(cached, 19);
  out.resize(27);
  out[19] = '.';
  auto frac = static_cast<unsigned>(unix_us % 1000000);
  for (int i = 25; i >= 20; --i, frac /= 10) out[static_cast<std::size_t>(i)] = static_cast<char>('0' + frac % 10);
  out[26] = 'Z';
  return out;
}

}  // namespace sidetag::util
