-- Workload: GET /healthz with the GA4 workload's browser headers (same Host, cookies, user agent): what sidetag's
-- HTTP layer alone costs (Asio/Beast session, header parsing, routing, a small answer) with no pipeline behind it.
-- Its ratio to nginx is the ceiling any route of this server can reach; the GA4 and CAPI rows compare against it.
-- Env: BENCH_DIR, BENCH_RATE/BENCH_THREADS (pacing.lua).
dofile(os.getenv("BENCH_DIR") .. "/common/pacing.lua")

local headers = {
  ["Host"] = "shop.example",
  ["Origin"] = "https://shop.example",
  ["Referer"] = "https://shop.example/products/tee",
  ["User-Agent"] = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) " ..
                   "Chrome/136.0.0.0 Safari/537.36",
  ["Accept-Language"] = "en-US,en;q=0.9",
  ["Cookie"] = "_ga=GA1.1.584335997.1746564151; _ga_F9XM71K45T=GS2.1.s1749196701$o41$g1$t1749196801$j60$l0$h0; " ..
               "_fbp=fb.1.1746564151000.1098115397; _fbc=fb.1.1749196701069.IwAR2xB0a9benchZmJjbGlk",
}
local req = wrk.format("GET", "/healthz", headers)

function request()
  return req
end

function done(summary, latency, requests)
  bench_done(summary, latency, 1)  -- one "event" per request: the table's events/s is requests/s here
end
