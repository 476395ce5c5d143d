#include "sidetag/util/clock.hpp"

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

std::string iso8601_utc_us(std::int64_t unix_us) {
  std::time_t secs = static_cast<std::time_t>(unix_us / 1000000);
  long frac = static_cast<long>(unix_us % 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06ldZ", frac);
  return std::string(buf);
}

}  // namespace sidetag::util
