-- The headers a desktop Chrome sends to a tagging domain (shop.example): Host, Origin, Referer, User-Agent,
-- Accept-Language and the first-party cookies _ga/_ga_<id>/_fbp/_fbc. Shared by the GA4 and http_floor scenarios
-- so that the floor parses exactly the headers a GA4 hit carries.
function browser_headers()
  return {
    ["Host"] = "shop.example",
    ["Origin"] = "https://shop.example",
    ["Referer"] = "https://shop.example/products/tee",
    ["User-Agent"] = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) " ..
                     "Chrome/136.0.0.0 Safari/537.36",
    ["Accept-Language"] = "en-US,en;q=0.9",
    ["Cookie"] = "_ga=GA1.1.584335997.1746564151; _ga_F9XM71K45T=GS2.1.s1749196701$o41$g1$t1749196801$j60$l0$h0; " ..
                 "_fbp=fb.1.1746564151000.1098115397; _fbc=fb.1.1749196701069.IwAR2xB0a9benchZmJjbGlk",
  }
end
