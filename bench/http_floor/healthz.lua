-- Workload: GET /healthz with the GA4 workload's browser headers (same Host, cookies, user agent): what sidetag's
-- HTTP layer alone costs (Asio/Beast session, header parsing, routing, a small answer) with no pipeline behind it.
-- Its ratio to nginx is the ceiling any route of this server can reach; the GA4 and CAPI rows compare against it.
-- Env: BENCH_DIR, BENCH_RATE/BENCH_THREADS (pacing.lua).
dofile(os.getenv("BENCH_DIR") .. "/common/pacing.lua")
dofile(os.getenv("BENCH_DIR") .. "/common/browser.lua")

local headers = browser_headers()
local req = wrk.format("GET", "/healthz", headers)

function request()
  return req
end

function done(summary, latency, requests)
  bench_done(summary, latency, 1)  -- one "event" per request: the table's events/s is requests/s here
end
