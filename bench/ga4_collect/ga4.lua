-- Workload: GA4 gtag.js hits to /g/collect on the tagging domain, as a browser sends them (POST, text/plain body,
-- first-party cookies _ga/_ga_<id>/_fbp/_fbc, fbclid in the page URL). Built from the samples in
-- tests/fixtures/ga4-hits.txt (samples 07, 08, 10, 19/20): tid rewritten to one measurement id, which
-- bench/bench.py puts in the site's ga4.measurement_ids. Four requests in rotation, 6 events in total:
-- page_view (URL only), add_to_cart (URL only), a batched POST with 3 body lines, a purchase.
-- Env: BENCH_DIR, BENCH_RATE/BENCH_THREADS (pacing.lua).
dofile(os.getenv("BENCH_DIR") .. "/common/pacing.lua")
dofile(os.getenv("BENCH_DIR") .. "/common/browser.lua")

local tid = "G-F9XM71K45T"
local dl = "https%3A%2F%2Fshop.example%2Fproducts%2Ftee%3Futm_source%3Dfacebook%26utm_medium%3Dpaid%26fbclid%3DIwAR2xB0a9benchZmJjbGlk"
local common = "v=2&tid=" .. tid .. "&gtm=45he5641v9184715813z89184708445za204zb9184708445&_p=1749196701069" ..
  "&gcs=G111&gcd=13r3r3r2r5l1&npa=0&dma_cps=syphamo&dma=1&cid=584335997.1746564151&ecid=1548980841&ul=en-us" ..
  "&sr=1728x1117&lps=1&_fplc=0&ur=DE&uaa=arm&uab=64&uafvl=Chromium%3B136.0.7103.114%7CGoogle%2520Chrome%3B136.0.7103.114" ..
  "%7CNot.A%252FBrand%3B99.0.0.0&uamb=0&uam=&uap=macOS&uapv=15.5.0&uaw=0&are=1&frm=0&pscdl=noapi&ec_mode=a" ..
  "&_eu=AAAAAAQ&sst.rnd=506702095.1749196701&sst.etld=google.de&sst.gcsub=region1&sst.adr=1" ..
  "&sst.tft=1749196701069&sst.lpc=253076363&sst.navt=n&sst.ude=1&sst.sw_exp=1&sid=1749196701&sct=41&seg=1" ..
  "&dl=" .. dl .. "&dr=https%3A%2F%2Fl.facebook.com%2F&dt=Stan%20and%20Friends%20Tee&_tu=DA"
local item = "pr1=idSKU_12345~nmStan%20and%20Friends%20Tee~afGoogle%20Merchandise%20Store~cpSUMMER_FUN~ds2.22" ..
  "~lp0~brGoogle~caApparel~c2Adult~c3Shirts~c4Crew~c5Short%20sleeve~lirelated_products~lnRelated%20Products" ..
  "~vagreen~loChIJIQBpAG2ahYAR_6128GcTUEo~pr10.01~qt3"
local headers = browser_headers()
headers["Content-Type"] = "text/plain;charset=UTF-8"
local hits = {
  {"/g/collect?" .. common .. "&_s=13&en=page_view&_et=12397&tfd=285810&richsstsse", "", 1},
  {"/g/collect?" .. common .. "&_s=14&cu=EUR&en=add_to_cart&_c=1&" .. item .. "&epn.value=30.03&_et=3110&tfd=395426&richsstsse", "", 1},
  {"/g/collect?" .. common .. "&_s=15",
   "en=page_view&_ee=1\r\nen=scroll&epn.percent_scrolled=90&_et=8\r\nen=user_engagement&_et=5123\r\n", 3},
  {"/g/collect?" .. common .. "&_s=16&cu=EUR&en=purchase&_c=1&" .. item ..
   "&epn.value=30.03&ep.transaction_id=T_12345&ep.coupon=SUMMER_FUN&epn.shipping=3.33&epn.tax=1.11&tfd=495426&richsstsse", "", 1},
}
local reqs, total_events = {}, 0
for i, h in ipairs(hits) do
  reqs[i] = wrk.format("POST", h[1], headers, h[2])
  total_events = total_events + h[3]
end
local i = 0

function request()
  i = i % #reqs + 1
  return reqs[i]
end

function done(summary, latency, requests)
  bench_done(summary, latency, total_events / #hits)
end
