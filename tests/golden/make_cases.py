#!/usr/bin/env python3
"""Builds the inputs of the golden byte-equality test (tests/fixtures/golden/cases.ndjson.gz + configs.json).

  python3 tests/golden/make_cases.py --recorded <requests.ndjson> --ga4-fixture <ga4-hits.txt> [--out DIR]

Three sets of HTTP requests, each replayed in-process by tests/unit/golden/test_golden.cpp:
  * every distinct request the integration tests sent to a source (recorded by tests/integration/harness.py with
    SIDETAG_RECORD_REQUESTS=<file>; request shapes with digits normalized, one of each, large batches cut to 10
    events unless the size itself is what the request tests);
  * every GA4 /g/collect and Measurement Protocol sample of the GA4 fixture file, with cookie/consent/header
    variants;
  * a seeded random set (CAPI JSON, GA4 hits, Measurement Protocol, mapped webhooks) built to reach the edge cases
    of every stage (numbers as text, bad types, consent, LDU, fbc/fbp formats, IP ranges, ...).
The expected outputs (tests/fixtures/golden/expected.ndjson.gz) were captured from the code before the typed event
(commit 86791a6) with tests/golden/capture.cpp. Deterministic: the same inputs give the same file.
"""
import argparse
import base64
import collections
import gzip
import hashlib
import json
import os
import random
import re
import textwrap
from urllib.parse import quote, urlparse

NOW_S = 1_790_000_000  # fixed "now" of the synthetic cases (2026-09-21)
TOKEN = "EAAtesttoken" + "x" * 40
API_KEY = "test-api-key-0123456789abcdef"
UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


# ---- configurations ---------------------------------------------------------------------------------------------

def config_text(sites, sources="", server_extra=""):
    return textwrap.dedent("""\
server:
  address: 127.0.0.1
  port: 0
""") + server_extra + textwrap.dedent("""\
meta:
  graph_url: http://127.0.0.1:9
  dispatch: sandbox
  sandbox_file: /tmp/golden/sandbox.ndjson
  dead_letter_file: /tmp/golden/dead-letters.ndjson
delivery:
  durability: memory
sites:
""") + textwrap.indent(textwrap.dedent(sites), "  ") + ("sources:\n" + textwrap.indent(textwrap.dedent(sources), "  ") if sources else "") + \
        "environments:\n  test: {}\n"


PIXELS = """\
    pixels:
      - id: "1234567890"
        test_event_code: TEST123
      - id: "5555555555"
"""

SITE_PLAIN = """\
shop:
  domains: [shop.example]
  default_region: US
  meta:
""" + PIXELS

SITE_RICH = """\
shop:
  domains: [shop.example, shop.co.uk]
  default_region: GB
  allow_zero_value_purchase: true
  meta:
""" + PIXELS + """\
    default_currency: EUR
    action_source: website
    event_names: { my_event: Lead, scroll: drop, purchase: Purchase }
    drop: [ViewContent]
    event_id_keys: [order_ref, x-ga-mp2-user_properties.crm_id]
    custom_properties: [coupon, plan, ga_session_id, x-ga-measurement_id, user_data]
    user_data:
      em: { keys: [contact_email, user_data.email_address], transform: [trim, lowercase] }
      external_id: { keys: [crm_id, user_id, client_id] }
      ph: { keys: [user_data.sha256_phone_number, user_data.phone_number, tel], transform: ["prefix:+"] }
      client_ip_address: { keys: [ip_override, x-forwarded-ip] }
"""

SITE_LDU = """\
shop:
  domains: [shop.example]
  default_region: US
  meta:
""" + PIXELS + """\
    ldu: { enabled: true, country: 1, state: 1000 }
"""

CAPI_SOURCES = f"""\
backend:
  path: /v1/events
  site: shop
  api_keys: ["{API_KEY}"]
offline:
  path: /v1/offline
  site: shop
  api_keys: ["{API_KEY}"]
  action_source: physical_store
"""

GA4_TIDS = ["G-SHOP12345", "G-OTHER777"]


def ga4_sites(extra="", consent="", meta_extra=""):
    return f"""\
shop:
  domains: [shop.example]
  default_region: US
  ga4:
    measurement_ids: [{', '.join(GA4_TIDS + ['{fixture_tids}'])}]
    passthrough: off
    mp_api_secrets: ["mp-secret-0123456789"]
{textwrap.indent(extra, '    ')}{textwrap.indent(consent, '    ')}  meta:
""" + PIXELS + textwrap.indent(meta_extra, "    ") + """\
legacy:
  domains: [legacy.example]
  ga4:
    measurement_ids: [G-LEGACY999]
    passthrough: off
    fpid: { enabled: true }
    cookies: { generate_fbp: false, domain: legacy.example }
  meta:
    pixels:
      - id: "2222222222"
"""


MAPPED_SOURCES = """\
crm:
  type: mapped
  path: /v1/sources/crm
  format: json
  records: /deals
  auth: { scheme: none }
  site: shop
  action_source: system_generated
  event_name: { from: /stage, map: { closedwon: Purchase, qualified: Lead, "*": Contact } }
  event_id: { from: [/id, /stage] }
  fields:
    user_data.email_address: { from: [/contact/email, /email], transforms: [trim, lowercase] }
    user_data.phone_number: { from: /contact/phone, on_error: drop }
    user_data.address.city: { from: /contact/city, transforms: [trim], on_error: drop }
    x-fb-ud-lead_id: { from: /fb_lead_id, transforms: [string], on_error: drop }
    event_time: { from: /closed_at, transforms: ["date:%Y-%m-%d %H:%M:%S:Europe/Berlin"], on_error: reject }
    value: { from: /amount, transforms: [number], on_error: drop }
    currency: { from: /currency, const: EUR, transforms: [uppercase] }
    items:
      from: /lines
      each:
        item_id: { from: /sku }
        quantity: { from: /qty, transforms: [int], on_error: drop }
        price: { from: /price, transforms: [number], on_error: drop }
    lead_event_source: { const: TestCRM }
    custom_data.event_source: { const: crm }
calls:
  type: mapped
  path: /v1/sources/calls
  format: ndjson
  auth: { scheme: none }
  site: shop
  action_source: phone_call
  event_name: { from: /outcome, transforms: [trim, lowercase], map: { qualified: Lead, "*": Contact } }
  event_id: { template: "call-{/id}" }
  fields:
    event_time: { from: /started, transforms: ["date:iso8601"] }
    user_data.phone_number: { from: /caller, transforms: [trim], required: true }
    x-fb-ck-fbc: { from: /fbc, on_error: drop }
    event_source_url: { from: /landing, on_error: drop }
    custom_data.duration_s: { from: /duration, transforms: [int], on_error: drop }
pos:
  type: mapped
  path: /v1/sources/pos
  format: csv
  delimiter: ";"
  auth: { scheme: none }
  site: shop
  action_source: physical_store
  event_name: { const: Purchase }
  event_id: { from: [receipt] }
  fields:
    event_time: { from: sold_at, transforms: ["date:%d.%m.%Y %H:%M:UTC"] }
    user_data.email_address: { from: email, transforms: [trim, lowercase], on_error: drop }
    user_data.phone_number: { from: phone, on_error: drop }
    value: { from: total, transforms: [number] }
    currency: { const: EUR }
"""


# ---- recorded integration requests -----------------------------------------------------------------------------

SOURCE_PATH = re.compile(r"^(/v\d/events|/v1/offline|/v1/sources/[^/?]+|(/[^?]*)?/g/collect|/(debug/)?mp/collect)$")


def normalize_config(text):
    text = re.sub(r"/tmp/sidetag-it-[^/\s]+", "/tmp/golden", text)
    return re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:9", text)


def recorded_cases(path, configs):
    seen = collections.Counter()
    out = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            target = r["target"]
            p = target.split("?")[0]
            if not SOURCE_PATH.match(p) or r["method"] not in ("POST", "GET", "OPTIONS", "HEAD"):
                continue
            body = base64.b64decode(r["body_b64"])
            cfg = normalize_config(r["config"])
            cfg_id = "it-" + hashlib.sha256(cfg.encode()).hexdigest()[:12]
            configs[cfg_id] = {"text": cfg, "env": r["env"], "vars": r.get("extra_env") or {}}
            shape = re.sub(rb"[0-9]+", b"0", body[:4000]) + re.sub(r"[0-9]+", "0", target).encode()
            key = (cfg_id, p, r["method"], hashlib.sha256(shape).hexdigest())
            seen[key] += 1
            if seen[key] > 1:
                continue
            if p.endswith("/events") and body.startswith(b"{"):
                try:
                    doc = json.loads(body)
                except ValueError:
                    doc = None
                if isinstance(doc, dict) and isinstance(doc.get("data"), list) and 10 < len(doc["data"]) <= 1000:
                    doc["data"] = doc["data"][:10]
                    body = json.dumps(doc).encode()
            headers = [h for h in r["headers"] if h[0] not in ("content-length", "accept-encoding", "traceparent")]
            out.append({"name": f"integration/{len(out)}", "config": cfg_id, "t_us": r["t_us"], "method": r["method"],
                        "target": target, "headers": headers, "body_b64": b64(body), "remote_ip": "127.0.0.1"})
    return out


# ---- the GA4 fixture ---------------------------------------------------------------------------------------------

def fixture_samples(path):
    """(kind, title, method, path?query, body) for section 1 (/g/collect) and section 2 (MP JSON)."""
    samples, cur, section2 = [], None, False
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines:
        if "SECTION 2" in line:
            section2 = True
        m = re.match(r"#== sample (\d+): (.*)", line)
        if m:
            cur = {"n": m.group(1), "title": m.group(2), "method": None, "body": [], "mp": section2}
            samples.append(cur)
            continue
        if cur is None:
            continue
        if line.startswith("#== end"):
            cur = None
            continue
        if line.startswith("#"):
            continue
        if cur["method"] is None:
            m = re.match(r"(GET|POST) (\S+)", line)
            if m:
                u = urlparse(m.group(2))
                cur["method"], cur["path"], cur["query"] = m.group(1), u.path, u.query
            continue
        if line.strip() == "" and not cur["mp"]:
            cur = None
            continue
        cur["body"].append(line)
    return [s for s in samples if s["method"]]


def fixture_cases(path, configs):
    samples = fixture_samples(path)
    tids = set()
    for s in samples:
        for m in re.finditer(r"(?:^|&)tid=([^&]+)", s["query"]):
            tids.add(m.group(1))
        for m in re.finditer(r"measurement_id=([^&]+)", s["query"]):
            tids.add(m.group(1))
    tid_list = ", ".join(sorted(t for t in tids if t not in GA4_TIDS and t != "G-LEGACY999"))
    variants = {
        "fx-default": ga4_sites(),
        "fx-strict": ga4_sites(consent="consent:\n  meta: { no_signal: drop, ad_user_data_denied: drop, gpc: forward }\n"),
        "fx-rich": ga4_sites(extra="cookies: { domain: shop.example, http_only: true }\n",
                             meta_extra="default_currency: USD\ncustom_properties: [ga_session_id, page_title]\n"),
    }
    for cid, sites in variants.items():
        configs[cid] = {"text": config_text(sites.replace("{fixture_tids}", tid_list),
                                            server_extra="  trusted_proxies: [10.0.0.0/8]\n"), "env": "test"}
    out = []
    cookie_sets = [
        "",
        "_fbp=fb.1.1789990000000.1098115397; _ga=GA1.1.1234567.1789990000",
        "_fbc=fb.1.1789990000000.AbCdEfGh; _fbp=fb.2.1789990000000.42",
        "_fbp=not-a-cookie; _fbc=fb.1.x.y; usprivacy=1YYN",
    ]
    for s in samples:
        body = ("\r\n" if int(s["n"]) % 2 else "\n").join(s["body"])
        for vi, (cid, cookies) in enumerate(zip(variants, cookie_sets[:3])):
            if s["mp"]:
                if vi > 0:
                    continue
                q = s["query"]
                if "api_secret=" in q:
                    q = re.sub(r"api_secret=[^&]*", "api_secret=mp-secret-0123456789", q)
                else:
                    q += "&api_secret=mp-secret-0123456789"
                target, hdr = "/mp/collect?" + q, [["content-type", "application/json"]]
            else:
                target = s["path"] + "?" + s["query"] if s["query"] else s["path"]
                target = re.sub(r"^.*/g/collect", "/g/collect", target)
                hdr = [["user-agent", UA], ["host", "sgtm.shop.example"], ["origin", "https://www.shop.example"]]
                if cookies:
                    hdr.append(["cookie", cookies])
                if vi == 2:
                    hdr += [["x-forwarded-for", "81.2.69.160, 10.1.2.3"], ["sec-gpc", "1"],
                            ["sec-ch-ua", '"Chromium";v="140", "Not=A?Brand";v="24"']]
            out.append({"name": f"fixture/{s['n']}/{cid}", "config": cid, "t_us": NOW_S * 1_000_000 + 123_456,
                        "method": s["method"], "target": target, "headers": hdr, "body_b64": b64(body),
                        "remote_ip": "10.0.0.5"})
    return out


# ---- the random set ----------------------------------------------------------------------------------------------

class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, *xs):
        return self.r.choice(xs)

    def maybe(self, p=0.5):
        return self.r.random() < p

    def some(self, d, p=0.5):
        return {k: v for k, v in d.items() if self.maybe(p)}

    def good(self, first, *others, bad=0.15):
        """Mostly `first` (a value every stage accepts), else one of the others."""
        return self.r.choice(others) if others and self.maybe(bad) else first


def rnd_email(g):
    return g.good("jane@example.com", "jane@example.com", " Jane.Doe+Tag@Example.COM ", "JOHN@gmail.com", "not-an-email", "",
                  "a" * 70 + "@example.org", "üser@exämple.de", "6b3a55e0261b0304143f805a24924d0c1c44524821305f31d9277843b8a10f4e")


def rnd_phone(g):
    return g.good("+1 (650) 555-1212", "+1 (650) 555-1212", "07700 900123", "+44 7700 900123", "650-555-1212", "12", "+49 151 23456789",
                  16505551212, "(030) 1234567", "+33 1 23 45 67 89", "abc")


def rnd_ip(g):
    return g.good("81.2.69.160", "203.0.113.9", "198.51.100.7", "192.0.2.1", "198.18.0.5", "81.2.69.160", "10.0.0.1", "192.168.1.5",
                  "172.16.3.4", "100.64.1.1", "127.0.0.1", "169.254.1.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1",
                  "fd00::5", "2001:db8::1", "2a00:1450:4001:82a::200e", "::ffff:10.1.1.1", "::ffff:81.2.69.160",
                  "garbage", " 81.2.69.161 ", "255.255.255.255", "240.0.0.1")


def rnd_number_text(g):
    return g.good(19.99, 0, -5, 12, "12,50", "1.234,56", "1,234.56", "abc", "", " 7 ", 1e21, 3.0, "1e3", 0.1, True,
                  None, [1], {"a": 1}, "12,500", 99999999999999999999)


def rnd_event_time(g, now):
    return g.good(now - 10, now - 3600, now - 8 * 86400, now - 63 * 86400, now + 30, now + 4000, str(now - 5),
                  (now - 5) * 1000, (now - 5) * 1_000_000, "2026-09-21T10:00:00Z", "2026-09-20T10:00:00+02:00",
                  "2026-09-21", "2026-09-21 08:30", "yesterday", now - 0.5, -1, 0, "", None)


def rnd_user_data(g):
    ud = g.some({
        "em": g.pick(rnd_email(g), [rnd_email(g), rnd_email(g)], []),
        "ph": g.pick(rnd_phone(g), [rnd_phone(g), "+1 650 555 1213"]),
        "fn": g.good("Jane", " JOHN ", "Élodie", "", "J"),
        "ln": g.pick("Doe", "O'Brien", "Müller-Lüdenscheidt"),
        "ge": g.pick("f", "M", "male", "Female", "x", ""),
        "db": g.pick("19900101", "1990-01-01", "01/02/1990", "2090-01-01", "bad"),
        "ct": g.pick("Menlo Park", "New York", "São Paulo", " berlin "),
        "st": g.pick("CA", "California", "ny", "Bayern"),
        "zp": g.pick("94025", 94025, "SW1A 1AA", "94025-1234", "1234567"),
        "country": g.pick("us", "US", "GB", "de", "usa", "zz", ""),
        "external_id": g.pick("crm-1", ["crm-1", "crm-2"], 12345, ""),
        "client_ip_address": rnd_ip(g),
        "client_user_agent": g.good(UA, "", "curl/8.0"),
        "fbc": g.good("fb.1.1789990000000.IwAR2xyz", "fb.1.abc.def", "fb.2.1789990000000.AbC.Bg", "junk"),
        "fbp": g.good("fb.1.1789990000000.1098115397", "fb.1.1789990000000", "fb.0.1.2.3.4"),
        "lead_id": g.pick("123456789012345", 123456789012345),
        "subscription_id": "sub-1",
        "madid": "38400000-8cf0-11bd-b23e-10b96e40000d",
        "fb_login_id": "10001",
        "foo": "bar",
        "anon_id": "anon-1",
    }, 0.45)
    for k in ("client_user_agent", "client_ip_address", "em"):
        if k not in ud and g.maybe(0.8):
            ud[k] = {"client_user_agent": UA, "client_ip_address": "81.2.69.160", "em": "jane@example.com"}[k]
    if g.maybe(0.05):
        ud["em"] = None
    if g.maybe(0.03):
        ud["fn"] = {"nested": 1}
    return ud


def rnd_custom_data(g):
    cd = g.some({
        "value": rnd_number_text(g),
        "currency": g.good("EUR", "eur", " usd ", "EURO", "XTS", 5, "", "gbp"),
        "order_id": g.good("ORD-1", 17, ""),
        "contents": g.pick([{"id": "SKU1", "quantity": 2, "item_price": 9.5}], [{"id": 7}, {"quantity": 1}],
                           "bad", [{"id": "A", "quantity": 0}], [{"id": "B", "quantity": 1.5, "delivery_category": "curbside"}]),
        "content_ids": g.good(["SKU1", "SKU2"], "SKU1", [1, 2], [""]),
        "content_type": g.good("product", "product_group", "thing"),
        "content_name": "Tee",
        "num_items": g.good(2, 2.5, "3", -1, "x"),
        "delivery_category": g.pick("in_store", " Curbside ", "drone"),
        "predicted_ltv": g.good(100, "50,5", "x"),
        "net_revenue": g.pick(10.5, "7"),
        "status": g.good("completed", True, False, 3),
        "search_string": g.good("shoes", 42),
        "custom_key": g.pick("v", 1, [1, 2], {"k": "v"}),
    }, 0.35)
    return cd


def rnd_capi_event(g, now, i):
    ev = {"event_name": g.good(g.pick("Purchase", "PageView", "Lead", "purchase", "page_view", "add_to_cart", "my_custom"),
                               " Purchase", "", "x" * 60, "Contact", "ViewContent", "scroll", "my_event", "gtm4wp.orderCompletedEEC"),
          "event_time": rnd_event_time(g, now)}
    if g.maybe(0.03):
        ev["event_name"] = 123
    if ev["event_time"] is None:
        del ev["event_time"]
    if g.maybe(0.7):
        ev["event_id"] = g.pick(f"ev-{i}", "", "E" * 40)
    if g.maybe(0.8):
        ev["action_source"] = g.good("website", "app", "physical_store", "email", "system_generated", "bogus",
                                     " Website ", "chat", "phone_call", "business_messaging", "other")
    if g.maybe(0.9):
        ev["event_source_url"] = g.good("https://shop.example/thanks?x=1", "", "https://shop.example/p/ü")
    if g.maybe(0.3):
        ev["referrer_url"] = "https://google.com/"
    if g.maybe(0.15):
        ev["opt_out"] = g.good(True, False, "yes", bad=0.3)
    if g.maybe(0.9):
        ev["user_data"] = rnd_user_data(g)
    if g.maybe(0.03):
        ev["user_data"] = g.pick([], "x")
    if g.maybe(0.6):
        ev["custom_data"] = rnd_custom_data(g)
    if g.maybe(0.15):
        ev["data_processing_options"] = g.pick(["LDU"], [], "LDU", ["X"], "")
        if g.maybe(0.6):
            ev["data_processing_options_country"] = g.pick(1, 0, "US", "usa", "DE", "5")
        if g.maybe(0.6):
            ev["data_processing_options_state"] = g.pick(1000, 0, "CA", "co", "TX")
    if g.maybe(0.1):
        ev["app_data"] = {"advertiser_tracking_enabled": 1, "extinfo": ["i2", "com.app", "1.0"]}
    if g.maybe(0.05):
        ev["original_event_data"] = {"event_name": "Purchase", "event_time": now - 100}
    if g.maybe(0.05):
        ev["attribution_data"] = {"attribution_share": "0.3"}
    if g.maybe(0.05):
        ev["messaging_channel"] = "whatsapp"
    if g.maybe(0.05):
        ev["unknown_top"] = g.pick(1, "x", {"a": [1, 2]})
    if g.maybe(0.02):
        ev = g.pick([1, 2], "string", None)
    return ev


def capi_cases(g, configs):
    for cid, site in (("capi-plain", SITE_PLAIN), ("capi-rich", SITE_RICH), ("capi-ldu", SITE_LDU)):
        configs[cid] = {"text": config_text(site, CAPI_SOURCES), "env": "test"}
    out = []
    for i in range(400):
        now = NOW_S + g.r.randrange(0, 1000)
        events = [rnd_capi_event(g, now, i * 10 + k) for k in range(g.pick(1, 1, 1, 2, 3, 5))]
        body = {"data": events}
        if g.maybe(0.15):
            body["test_event_code"] = g.pick("TEST999", "", 5)
        text = json.dumps(body, ensure_ascii=g.maybe(0.5))
        if g.maybe(0.04):
            text = g.pick('{"data": [', '', '[1]', '{"data": {}}', '{"data": []}', '{"nodata": 1}',
                          '{"data":[{"event_name":"Lead","event_time":%d,"user_data":{"em":"a@b.c"}}]} trailing' % now,
                          '{"data":[{"event_name":"Lead","event_name":"Purchase","event_time":%d,"action_source":"website","user_data":{"em":"a@b.c","em":"c@d.e","client_user_agent":"x"},"event_source_url":"https://x.example/"}]}' % now,
                          '{"data":[' + '[' * 40 + ']' * 40 + ']}', '\xff\xfe', '{"data":[{"event_name":"\\ud800"}]}')
        if g.maybe(0.03):
            text = text.replace("19.99", "1.999e1").replace(": 0,", ": -0,")
        cid = g.pick("capi-plain", "capi-rich", "capi-ldu")
        path = g.pick("/v1/events", "/v1/events", "/v1/offline")
        headers = [["authorization", f"Bearer {API_KEY}"], ["content-type", "application/json"]]
        if g.maybe(0.03):
            headers[0][1] = "Bearer wrong-key-wrong-key-00"
        out.append({"name": f"random/capi/{i}", "config": cid, "t_us": now * 1_000_000 + 777, "method": "POST",
                    "target": path, "headers": headers, "body_b64": b64(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text),
                    "remote_ip": "127.0.0.1"})
    return out


def q(s):
    return quote(str(s), safe="")


def rnd_em_param(g):
    parts = ["tv.1"]
    if g.maybe(0.8):
        parts.append("em." + g.pick(base64.urlsafe_b64encode(hashlib.sha256(b"jane@example.com").digest()).decode().rstrip("="),
                                    hashlib.sha256(b"x@y.z").hexdigest(), "e1", "short"))
    if g.maybe(0.5):
        parts.append("pn." + hashlib.sha256(b"+16505551212").hexdigest())
    if g.maybe(0.4):
        parts += ["fn0." + hashlib.sha256(b"jane").hexdigest(), "ln0." + hashlib.sha256(b"doe").hexdigest(),
                  "pc0.94025", "co0.US"]
    if g.maybe(0.2):
        parts += ["fn1." + hashlib.sha256(b"john").hexdigest(), "co1.DE"]
    if g.maybe(0.1):
        parts.append("tv.1")
    if g.maybe(0.05):
        parts = parts[1:]
    g.r.shuffle(parts)
    return "~".join(quote(p, safe=".") for p in parts)


def rnd_ga4_hit(g, now_ms, i):
    sid = (now_ms // 1000) - g.pick(10, 100, 9 * 86400)
    p = {"v": "2", "tid": g.good(g.pick(*GA4_TIDS), "G-LEGACY999", "G-UNKNOWN1"), "cid": g.good(f"{1000 + i}.{sid}", "", "abc")}
    p["en"] = g.pick("page_view", "purchase", "add_to_cart", "view_item", "scroll", "my_event", "generate_lead",
                     "sign_up", "begin_checkout", "search", "user_engagement")
    p["sid"] = str(sid)
    p["_p"] = str(now_ms - g.pick(100, 3_600_000, 200_000_000))
    p["dl"] = g.pick("https://www.shop.example/p/1", "https://www.shop.example/?fbclid=IwAR" + "x" * g.pick(5, 20),
                     "https://shop.example/thanks?gclid=1&fbclid=IwY2", "https://other.example/")
    for k, v in g.some({"dr": "https://google.com/", "dt": "Shop – Tee", "ul": "en-us", "sr": "1920x1080",
                        "cu": g.pick("EUR", "usd"), "sct": g.pick("3", "x"), "_et": "1200", "seg": "1",
                        "uid": g.pick("user-42", ""), "gtm": "45je59", "npa": "0", "dma": g.pick("1", "0"),
                        "_s": "2", "_ee": "1", "tfd": "1234", "frm": "0", "richsstsse": "",
                        "uaa": "arm", "uamb": "0", "uap": "macOS", "uafvl": "Chromium%3B140.0.7339.80%7CNot%3DA%3FBrand%3B24.0.0.0",
                        "gcs": g.good("G111", "G100", "G101", "G110", "G1--", "bad", bad=0.4),
                        "gcd": g.good("13t3t3t3t5", "13p3p3p2p5l1", "13l3l3l3l1", "13r3r3r3r5", "11t1t1t1t5", "zz", bad=0.4),
                        "us_privacy": g.good("1NNN", "1YYN"),
                        "ep.event_id": f"web-{i}", "ep.transaction_id": f"T-{i}", "epn.value": g.pick("49.9", "49,9", "x", "0"),
                        "ep.currency": "GBP", "ep.coupon": "SAVE10", "ep.plan": "pro", "ep.user_data.email_address": "flat@example.com",
                        "ep.x-fb-ud-em": "protected@example.com", "ep.user_id": "u-override", "ep.event_name": "hijack",
                        "ep.order_ref": f"REF-{i}", "ep.contact_email": " Mixed@Example.com ", "ep.tel": "650 555 1212",
                        "up.crm_id": f"crm-{i}", "upn.ltv": "120.5", "sst.gse": "1", "_uip": "81.2.69.161",
                        "pscdl": "noapi", "ecid": "123", "_fplc": "x", "gap.plf": "1", "unknown_param": "kept",
                        "ep.value": g.pick("12", "twelve"), "ep.items": "x", "_c": "1", "_rdi": "1", "ep.search_term": "tee",
                        }, 0.3).items():
        p[k] = v
    if g.maybe(0.4):
        p["pr1"] = g.pick("idSKU_1~nmTee~pr19.99~qt2~caApparel", "nmNoId~pr5", "idSKU_2~pr1%2C5~qtx~k0color~v0red",
                          "idA~~B~pr3", "id%E2%9C%93~pr1")
        if g.maybe(0.5):
            p["pr2"] = "idSKU_3~pr7.5~qt1~dscurbside"
    if g.maybe(0.3):
        p["em"] = rnd_em_param(g)
    if g.maybe(0.03):
        p["dt"] = "\udcff"  # invalid UTF-8 after encoding with surrogateescape
    return p


def encode_params(p, keys=None):
    out = []
    for k in keys or list(p):
        v = p[k]
        if k in ("em",) or re.match(r"^pr\d+$", k):
            out.append(f"{k}={v}")
        else:
            out.append(f"{q(k)}={quote(v.encode('utf-8', 'surrogateescape'), safe='')}")
    return "&".join(out)


def ga4_cases(g, configs):
    variants = {
        "ga4-default": ga4_sites(),
        "ga4-strict": ga4_sites(consent="consent:\n  meta: { no_signal: drop, ad_user_data_denied: drop, gpc: forward_without_user_data, us_privacy_opt_out: drop }\n"),
    }
    # The rich variant reuses SITE_RICH's Meta settings (currency, names, ids, custom properties, field sources).
    rich_meta = SITE_RICH.split(PIXELS, 1)[1]
    variants["ga4-rich"] = ga4_sites(extra="cookies: { domain: auto }\nmax_events_per_request: 3\n",
                                     meta_extra=textwrap.dedent(rich_meta))
    for cid, sites in variants.items():
        configs[cid] = {"text": config_text(sites.replace(", {fixture_tids}", ""),
                                            server_extra="  trusted_proxies: [10.0.0.0/8, 2001:db8::/32]\n  client_ip_header: CF-Connecting-IP\n"),
                        "env": "test"}
    out = []
    for i in range(400):
        now_ms = NOW_S * 1000 + g.r.randrange(0, 1_000_000)
        n = g.pick(1, 1, 1, 2, 3, 5)
        shared = {"v": "2", "tid": g.pick(*GA4_TIDS)} if g.maybe(0.3) else {}
        lines = []
        hits = [rnd_ga4_hit(g, now_ms, i * 10 + k) for k in range(n)]
        if n == 1 and g.maybe(0.5):
            target = "/g/collect?" + encode_params(hits[0])
            body = ""
        else:
            common = {k: hits[0][k] for k in ("v", "tid", "cid", "sid", "dl") if k in hits[0]}
            common.update(shared)
            target = "/g/collect?" + encode_params(common)
            for h in hits:
                for k in common:
                    if k != "tid":
                        h.pop(k, None)
                lines.append(encode_params(h))
            if g.maybe(0.1):
                lines.insert(1, "")
            if g.maybe(0.05):
                lines.append("dl=x")  # no event name
            body = g.pick("\n", "\r\n").join(lines)
        headers = [["user-agent", g.good(UA, "Mozilla/5.0 (iPhone)", "")], ["host", g.pick("sgtm.shop.example", "shop.example:8443", "127.0.0.1")]]
        if g.maybe(0.7):
            headers.append(["origin", g.good("https://www.shop.example", "https://evil.example", "https://shop.example", "null")])
        if g.maybe(0.6):
            headers.append(["cookie", g.pick("_fbp=fb.1.1789990000000.1098115397", "_fbc=fb.1.1789990000000.IwAR2abc; _fbp=fb.1.1789990000000.42",
                                             "_fbp=bogus", "FPID=FPID2.2.abcDEF%3D.1789990000; _ga=GA1.1.1.2", "usprivacy=1YYN; _fbp=fb.1.1.2")])
        if g.maybe(0.3):
            headers.append(["x-forwarded-for", g.pick("81.2.69.160", "81.2.69.160, 10.1.1.1", "unknown, 10.1.1.2", "2a00:1450::1", "192.168.1.1")])
        if g.maybe(0.1):
            headers.append(["forwarded", 'for="[2001:db8::7]:443";proto=https, for=81.2.69.170'])
        if g.maybe(0.1):
            headers.append(["cf-connecting-ip", "81.2.69.180"])
        if g.maybe(0.1):
            headers.append(["sec-gpc", "1"])
        if g.maybe(0.2):
            headers.append(["sec-ch-ua", '"Chromium";v="140", "Google Chrome";v="140"'])
        if g.maybe(0.2):
            headers += [["x-forwarded-host", "metrics.shop.example"], ["x-forwarded-proto", "https"]]
        method = "POST" if body or g.maybe(0.5) else "GET"
        out.append({"name": f"random/ga4/{i}", "config": g.pick(*variants), "t_us": now_ms * 1000 + 99,
                    "method": method, "target": target, "headers": headers, "body_b64": b64(body.encode("utf-8", "surrogateescape")),
                    "remote_ip": g.pick("10.0.0.5", "81.2.69.200", "127.0.0.1", "2001:db8::9")})
    return out


def mp_cases(g, configs):
    out = []
    for i in range(150):
        now = NOW_S + g.r.randrange(0, 1000)
        body = {}
        if g.maybe(0.9):
            body["client_id"] = g.good(f"{i}.{now}", "", 5)
        if g.maybe(0.4):
            body["user_id"] = g.pick(f"u-{i}", "")
        if g.maybe(0.3):
            body["timestamp_micros"] = g.good((now - 60) * 1_000_000, str((now - 60) * 1_000_000), "x", 1.5)
        if g.maybe(0.3):
            body["ip_override"] = rnd_ip(g)
        if g.maybe(0.3):
            body["user_properties"] = {"crm_id": {"value": f"crm-{i}"}, "bad": 1}
        if g.maybe(0.4):
            ud = g.some({"sha256_email_address": g.pick(hashlib.sha256(b"jane@example.com").hexdigest(),
                                                         [hashlib.sha256(b"a@b.c").hexdigest().upper(), "nothex"]),
                         "sha256_phone_number": hashlib.sha256(b"+16505551212").hexdigest(),
                         "address": g.pick({"city": "berlin", "postal_code": "10115", "country": "DE",
                                            "sha256_first_name": hashlib.sha256(b"jane").hexdigest()},
                                           [{"city": "paris"}, {"city": "rome", "region": "lazio"}], "bad")}, 0.6)
            body["user_data"] = ud
        if g.maybe(0.3):
            body["consent"] = g.some({"ad_user_data": g.pick("GRANTED", "denied", "DENIED"),
                                      "ad_personalization": g.pick("granted", "denied")}, 0.7)
        events = []
        for k in range(g.pick(1, 1, 2, 3)):
            e = {"name": g.pick("purchase", "page_view", "generate_lead", "", "refund", "my_event")}
            if g.maybe(0.8):
                e["params"] = g.some({"page_location": "https://www.shop.example/x", "currency": "EUR",
                                      "value": g.pick(12.5, "12,5", "x"), "transaction_id": f"T{i}",
                                      "items": [{"item_id": "SKU1", "price": 5, "quantity": 2}], "event_id": f"mp-{i}-{k}",
                                      "session_id": "123", "session_number": 2, "user_agent": UA, "engagement_time_msec": 100,
                                      "x-fb-ud-em": "hidden@example.com", "client_id": "hijack", "action_source": g.pick("app", None),
                                      "coupon": "X"}, 0.5)
            if g.maybe(0.1):
                e["timestamp_micros"] = (now - 30) * 1_000_000
            if g.maybe(0.03):
                e = g.pick("x", {"params": {}})
            events.append(e)
        body["events"] = events
        text = json.dumps(body)
        mid, secret = g.good(("G-SHOP12345", "mp-secret-0123456789"), ("G-SHOP12345", "wrong"),
                             ("G-NOPE", "mp-secret-0123456789"), bad=0.1)
        path = g.pick("/mp/collect", "/mp/collect", "/debug/mp/collect")
        out.append({"name": f"random/mp/{i}", "config": g.pick("ga4-default", "ga4-strict", "ga4-rich"),
                    "t_us": now * 1_000_000 + 5, "method": "POST", "target": f"{path}?measurement_id={mid}&api_secret={secret}",
                    "headers": [["content-type", "application/json"]], "body_b64": b64(text), "remote_ip": "127.0.0.1"})
    return out


def mapped_cases(g, configs):
    for cid, site in (("mapped-plain", SITE_PLAIN), ("mapped-rich", SITE_RICH)):
        configs[cid] = {"text": config_text(site, MAPPED_SOURCES), "env": "test"}
    out = []
    for i in range(150):
        now = NOW_S + g.r.randrange(0, 1000)
        kind = g.pick("crm", "crm", "calls", "pos")
        if kind == "crm":
            deals = []
            for k in range(g.pick(1, 2, 3)):
                d = g.some({"id": g.good(9000 + i * 10 + k, f"d-{i}-{k}", None), "stage": g.good(g.pick("closedwon", "qualified"), "other", ""),
                            "amount": g.good("1.234,50", 99, "x", ""), "currency": g.good("eur", "usd", ""),
                            "closed_at": g.good("2026-09-21 10:00:00", "2026-03-29 02:30:00", "2026-10-25 02:30:00", "2026-13-45 99:00:00", ""),
                            "contact": g.pick({"email": " Buyer@Example.COM ", "phone": "+49 151 23456789", "city": " Berlin "}, {"phone": 5}),
                            "email": "lead@example.com", "fb_lead_id": g.pick(123456789012345, "x"),
                            "lines": g.good([{"sku": "A", "qty": "2", "price": "9,99"}, {"sku": "B", "qty": "x"}], "notalist")}, 0.85)
                for must in ("stage", "closed_at"):
                    if must not in d and g.maybe(0.8):
                        d[must] = {"stage": "closedwon", "closed_at": "2026-09-21 10:00:00"}[must]
                deals.append(d)
            body = json.dumps({"deals": deals}) if g.maybe(0.95) else g.pick('{"deals": 5}', "[", '{"nodeals": []}')
            target = "/v1/sources/crm"
        elif kind == "calls":
            lines = []
            for k in range(g.pick(1, 2, 3)):
                c = g.some({"id": f"c{i}-{k}", "outcome": g.pick(" Qualified ", "answered", "missed"),
                            "started": g.good("2026-09-21T09:00:00Z", "2026-09-21T09:00:00+02:00", "bad"),
                            "caller": g.good("+1 650 555 1212", "", "0301234567"), "fbc": "fb.1.1789990000000.abc",
                            "landing": "https://shop.example/lp", "duration": g.good(61, "12", "x")}, 0.9)
                lines.append(json.dumps(c))
            if g.maybe(0.1):
                lines.append("{bad json")
            body = "\n".join(lines)
            target = "/v1/sources/calls"
        else:
            rows = ["receipt;sold_at;email;phone;total"]
            for k in range(g.pick(1, 2, 4)):
                rows.append(";".join([g.good(f"R{i}-{k}", ""), g.good("21.09.2026 10:05", "31.02.2026 10:00", "x"),
                                      g.good(" Jane@Example.com ", ""), g.good("+44 7700 900123", "x"), g.good("12,50", "1.234,56", "x")]))
            if g.maybe(0.1):
                rows[0] = "receipt;email"
            body = "\n".join(rows) + "\n"
            target = "/v1/sources/pos"
        out.append({"name": f"random/mapped/{i}", "config": g.pick("mapped-plain", "mapped-rich"), "t_us": now * 1_000_000 + 1,
                    "method": "POST", "target": target, "headers": [["content-type", "application/json"]],
                    "body_b64": b64(body), "remote_ip": "127.0.0.1"})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recorded", required=True)
    ap.add_argument("--ga4-fixture", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "fixtures", "golden"))
    a = ap.parse_args()
    configs = {}
    cases = recorded_cases(a.recorded, configs) + fixture_cases(a.ga4_fixture, configs)
    g = Gen(20260921)
    cases += capi_cases(g, configs) + ga4_cases(g, configs) + mp_cases(g, configs) + mapped_cases(g, configs)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "configs.json"), "w") as f:
        json.dump(configs, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(a.out, "cases.ndjson.gz"), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
            for c in cases:
                f.write((json.dumps(c, sort_keys=True) + "\n").encode())
    print(f"{len(cases)} cases, {len(configs)} configurations -> {a.out}")


if __name__ == "__main__":
    main()
