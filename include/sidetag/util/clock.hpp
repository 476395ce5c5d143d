#pragma once
// Time sources. Stages take a Clock so tests can inject time (no fixture ages out of Meta's window).
#include <chrono>
#include <cstdint>
#include <functional>

namespace sidetag::util {

// Microseconds since the Unix epoch (wall clock).
std::int64_t now_unix_us();
// Monotonic microseconds, for durations.
std::int64_t mono_us();

// Injected wall clock: returns Unix seconds. Default is the system clock.
using WallClock = std::function<std::int64_t()>;
WallClock system_clock_seconds();

// RFC 3339 UTC timestamp with microseconds, e.g. 2026-11-26T11:19:23.123456Z (log lines).
std::string iso8601_utc_us(std::int64_t unix_us);

}  // namespace sidetag::util
