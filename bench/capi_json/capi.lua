-- Workload: Meta-CAPI-shaped JSON from a back end, POST /v1/events with a Bearer key. Every event carries 9 raw
-- PII fields in user_data (em, ph, fn, ln, db, ct, st, zp, country: all normalised and SHA-256 hashed by sidetag)
-- plus client_ip_address, client_user_agent, fbp and fbc (forwarded as is), and custom_data with a value.
-- Env: BENCH_DIR, BENCH_API_KEY, BENCH_EVENTS_PER_REQUEST (default 1), BENCH_RATE/BENCH_THREADS (pacing.lua).
dofile(os.getenv("BENCH_DIR") .. "/common/pacing.lua")

local key = os.getenv("BENCH_API_KEY") or "bench-api-key-0123456789abcdef"
local n_events = tonumber(os.getenv("BENCH_EVENTS_PER_REQUEST") or "1") or 1
local headers = {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json",
                 ["Host"] = "shop.example"}
local tmpl = '{"event_name":"Purchase","event_time":%d,"event_id":"b%d-%d","action_source":"website",' ..
  '"event_source_url":"https://shop.example/checkout/thanks?fbclid=IwAR2xB0a9bench","user_data":{' ..
  '"em":" Customer%d@Example.COM ","ph":"+1 (650) 555-%04d","fn":" Mary ","ln":"Smith-Jones",' ..
  '"db":"1985-03-21","ct":"Menlo Park","st":"California","zp":"94025-1234","country":"US",' ..
  '"client_ip_address":"203.0.113.%d","client_user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) ' ..
  'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",' ..
  '"fbp":"fb.1.1746564151000.1098115397","fbc":"fb.1.1746564151000.IwAR2xB0a9bench"},' ..
  '"custom_data":{"value":%d.99,"currency":"EUR","order_id":"o-%d","content_ids":["sku-1","sku-2"],' ..
  '"content_type":"product","num_items":2}}'

local thread_no = 0
local next_thread = 0
local pool, pool_size, i = {}, 0, 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
end

-- Requests are formatted once per thread (a pool of distinct events, cycled): formatting a body per request in
-- Lua costs wrk more CPU than nginx spends answering it, and the ceiling would then measure wrk.
function init(args)
  pool_size = math.max(256, math.floor(8192 / n_events))
  local t = os.time()
  local counter = 0
  for r = 1, pool_size do
    local parts = {}
    for e = 1, n_events do
      counter = counter + 1
      parts[e] = string.format(tmpl, t, thread_no, counter, counter, counter % 10000, counter % 250 + 1,
                               counter % 500, counter)
    end
    pool[r] = wrk.format("POST", "/v1/events", headers, '{"data":[' .. table.concat(parts, ",") .. ']}')
  end
end

function request()
  i = i % pool_size + 1
  return pool[i]
end

function done(summary, latency, requests)
  bench_done(summary, latency, n_events)
end
