-- Fixed-rate pacing for wrk (wrk2 is not in Debian). When BENCH_RATE (requests/s for the whole run) is set, every
-- thread keeps its own schedule (rate / BENCH_THREADS) and wrk's delay() hook holds each next request back until
-- its slot. The schedule is cumulative, so wrk's millisecond timer granularity does not change the average rate;
-- a request that is late is sent at once (no catch-up burst beyond the missed slots). Latency that wrk reports is
-- then measured from the actual send, at a known offered load well below saturation.
local ffi = require("ffi")
pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]])
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000.0 + tonumber(ts.tv_nsec) / 1e6
end

local rate = tonumber(os.getenv("BENCH_RATE") or "0") or 0
local threads = tonumber(os.getenv("BENCH_THREADS") or "1") or 1
if rate > 0 then
  local interval = 1000.0 * threads / rate
  local next_t = nil
  function delay()
    local now = now_ms()
    if next_t == nil or next_t < now - 1000 then next_t = now end  -- start, or more than 1 s behind: resync
    next_t = next_t + interval
    local d = next_t - now
    if d < 1 then return 0 end
    return math.floor(d)
  end
end

-- Prints machine-readable results (parsed by bench/bench.py) after wrk's own report.
function bench_done(summary, latency, events_per_request)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d events_per_request=%.4f\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout, events_per_request))
  io.write(string.format("BENCH p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
