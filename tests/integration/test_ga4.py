"""GA4 on the tagging domain (issue 3), end to end: the real binary, the fake Graph API, a fake Google collector and a
fake sGTM container. Every hit of tests/fixtures/ga4-hits.txt, first-party Meta cookies, consent, client IP
behind proxies, passthrough, reverse proxy, CORS and bad tids."""
import http.client
import json
import os
import re
import textwrap
import threading
import time
import unittest
from urllib.parse import quote, urlparse

from harness import FakeGraph, Sidetag, base_config, wait_for
from fake_ga4 import FakeGa4, FakeSgtm

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "ga4-hits.txt")
UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
PUBLIC_IP = "81.2.69.160"
TID = "G-SHOP12345"
LEGACY_TID = "G-LEGACY999"


def load_fixture_samples():
    """Section 1 of the fixture: [(number, title, method, path?query, [body lines])]."""
    samples, cur = [], None
    if not os.path.isfile(FIXTURE):
        raise AssertionError("test fixture missing: %s (fixtures live in tests/fixtures/)" % os.path.normpath(FIXTURE))
    with open(FIXTURE, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines:
        if "SECTION 2" in line:
            break
        m = re.match(r"#== sample (\d+): (.*)", line)
        if m:
            cur = {"n": m.group(1), "title": m.group(2), "method": None, "target": None, "body": []}
            samples.append(cur)
            continue
        if cur is None or line.startswith("#"):
            continue
        if cur["method"] is None:
            m = re.match(r"(GET|POST) (\S+)", line)
            if m:
                u = urlparse(m.group(2))
                cur["method"], cur["target"], cur["path"] = m.group(1), "/g/collect?" + u.query, u.path
            continue
        if line.strip() == "":
            cur = None if cur["method"] else cur
            continue
        cur["body"].append(line)
    # Section 2 (Measurement Protocol JSON to /mp/collect) is another source.
    return [s for s in samples if s["method"] and s["path"].endswith("/g/collect")]


def tids_of(samples):
    out = set()
    for s in samples:
        m = re.search(r"[?&]tid=([^&]+)", s["target"])
        if m:
            out.add(m.group(1))
    return sorted(out)


def raw_request(port, method, target, body=None, headers=None):
    """Like harness.request, but keeps repeated headers (Set-Cookie) as a list of (name, value)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    data = body.encode() if isinstance(body, str) else body
    conn.request(method, target, body=data, headers=headers or {})
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    return resp.status, resp.getheaders(), raw


def header_values(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def set_cookies(headers):
    out = {}
    for v in header_values(headers, "Set-Cookie"):
        name, _, rest = v.partition("=")
        value = rest.split(";")[0]
        attrs = [a.strip() for a in rest.split(";")[1:]]
        out[name] = {"value": value, "attrs": attrs, "raw": v}
    return out


def ga4_config(graph_url, ga4_url, sgtm_url, fixture_tids, trusted="[127.0.0.1/32]", site_extra=""):
    tids = ", ".join([TID] + fixture_tids)
    sites = textwrap.dedent(f"""\
      shop:
        domains: [shop.example]
        default_region: US
        ga4:
          measurement_ids: [{tids}]
          passthrough: {{google: {ga4_url}}}
          proxy: {sgtm_url}
{textwrap.indent(site_extra, "          ")}        meta:
          pixels:
            - id: "1234567890"
              access_token: "${{META_TOKEN}}"
              test_event_code: TEST123
      legacy:
        domains: [legacy.example]
        ga4:
          measurement_ids: [{LEGACY_TID}]
          passthrough: {{sgtm: {sgtm_url}, timeout_ms: 1000}}
          fpid: {{enabled: true}}
        meta:
          pixels:
            - id: "2222222222"
              access_token: "${{META_TOKEN}}"
              test_event_code: TEST123
    """)
    cfg = base_config(graph_url, "{workdir}", sites=sites)
    return cfg.replace("  shutdown_grace_s: 10\n", f"  shutdown_grace_s: 10\n  trusted_proxies: {trusted}\n", 1)


class Ga4Test(unittest.TestCase):
    samples = load_fixture_samples()

    def setUp(self):
        self.graph = FakeGraph().start()
        self.ga4 = FakeGa4().start()
        self.sgtm = FakeSgtm().start()
        self.st = None

    def tearDown(self):
        if self.st:
            self.st.cleanup()
        for f in (self.graph, self.ga4, self.sgtm):
            f.stop()

    def start(self, debug_pii=False, **kw):
        cfg = ga4_config(f"http://127.0.0.1:{self.graph.port}", self.ga4.url, self.sgtm.url, tids_of(self.samples), **kw)
        if debug_pii:
            cfg = cfg.replace("logging:\n  level: info\n", "logging:\n  level: debug\n  debug_pii: true\n", 1)
        self.st = Sidetag(cfg, name="ga4").start()
        return self.st

    def hit(self, target, body=None, method="POST", headers=None):
        h = {"User-Agent": UA, "Host": "metrics.shop.example"}
        h.update(headers or {})
        return raw_request(self.st.port, method, target, body, h)

    def summaries(self):
        return [l for l in self.st.log_lines() if l.get("msg") == "event" and l.get("source") == "ga4"]

    def metric(self, family, labels):
        _, _, raw = raw_request(self.st.port, "GET", "/metrics")
        for line in raw.decode().splitlines():
            if line.startswith(family + "{") and all(l in line for l in labels):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def delivered(self):
        return self.graph.delivered_events()

    def by_event_id(self, event_id, timeout=5):
        got = wait_for(lambda: [e for e in self.delivered() if e.get("event_id") == event_id], timeout=timeout)
        return got[0] if got else None

    # ------------------------------------------------------------------------------------------------------------
    def test_every_fixture_hit_accepted_end_to_end_and_batches_split_per_line(self):
        st = self.start()
        self.assertGreaterEqual(len(self.samples), 12)
        expected_total = 0
        for s in self.samples:
            sep = "\r\n" if "CRLF" in s["title"] else "\n"
            body = (sep.join(s["body"]) + (sep if "trailing CRLF" in s["title"] else "")) if s["body"] else None
            status, headers, raw = self.hit(s["target"], body, method=s["method"],
                                            headers={"Origin": "https://shop.example"})
            self.assertEqual(status, 204, f"sample {s['n']}")
            self.assertEqual(raw, b"", f"sample {s['n']}")
            self.assertEqual(header_values(headers, "Access-Control-Allow-Origin"), ["https://shop.example"], f"sample {s['n']}")
            self.assertEqual(header_values(headers, "Access-Control-Allow-Credentials"), ["true"])
            self.assertIn("no-store", header_values(headers, "Cache-Control")[0])
            n = max(1, len([l for l in s["body"] if l.strip()]))
            expected_total += n
            got = wait_for(lambda: len(self.summaries()) >= expected_total, timeout=5)
            self.assertTrue(got, f"sample {s['n']}: expected {expected_total} events so far, saw {len(self.summaries())}")
            new = self.summaries()[expected_total - n:]
            self.assertEqual(len(new), n, f"sample {s['n']}: one event per body line")
            denied = "gcs=G100" in s["target"]
            for line in new:
                if denied:
                    self.assertEqual(line["outcome"], "stopped", f"sample {s['n']}")
                    self.assertEqual(line["stage"], "consent")
                    self.assertIn("ad_storage denied", line["reason"])
                else:
                    self.assertEqual(line["outcome"], "ok", f"sample {s['n']}: {line}")
                    self.assertEqual(line["stage"], "dispatch")
                self.assertTrue(any(note.startswith("consent meta: ") for note in line.get("notes", [])), line)
        self.assertEqual(len(self.summaries()), expected_total)
        ok = [l for l in self.summaries() if l["outcome"] == "ok"]
        self.assertTrue(wait_for(lambda: len(self.delivered()) == len(ok), timeout=5),
                        f"{len(self.delivered())} delivered, {len(ok)} ok")
        # Batched samples: one event per line with the right names (19: page_view + scroll).
        names = [e["event_name"] for e in self.delivered()]
        self.assertIn("PageView", names)
        self.assertIn("scroll", names)

    def test_fbclid_page_view_without_cookies_gets_fbp_fbc_cookies_and_same_values_at_meta(self):
        st = self.start()
        now_ms = int(time.time() * 1000)
        sid = int(time.time()) - 5
        dl = quote("https://shop.example/landing?utm_source=fb&fbclid=IwAR2xYz-AbC_123", safe="")
        target = (f"/g/collect?v=2&tid={TID}&cid=1234567.{sid}&sid={sid}&_p={now_ms}&gcs=G111"
                  f"&en=page_view&ep.event_id=pv-fbclid-1&dl={dl}")
        status, headers, _ = self.hit(target, headers={"Origin": "https://shop.example",
                                                       "X-Forwarded-For": PUBLIC_IP})
        self.assertEqual(status, 204)
        cookies = set_cookies(headers)
        self.assertIn("_fbp", cookies)
        self.assertIn("_fbc", cookies)
        for c in ("_fbp", "_fbc"):
            attrs = cookies[c]["attrs"]
            for a in ("Max-Age=7776000", "Path=/", "Domain=shop.example", "Secure", "SameSite=Lax"):
                self.assertIn(a, attrs, cookies[c]["raw"])
            self.assertNotIn("HttpOnly", attrs)
        fbc = cookies["_fbc"]["value"]
        self.assertEqual(fbc, f"fb.1.{now_ms}.IwAR2xYz-AbC_123", "click time = page load (_p), fbclid case kept")
        fbp = cookies["_fbp"]["value"]
        self.assertRegex(fbp, r"^fb\.1\.\d{13}\.\d+$")
        ev = self.by_event_id("pv-fbclid-1")
        self.assertIsNotNone(ev, "page_view reached the fake Graph API")
        self.assertEqual(ev["user_data"]["fbc"], fbc)
        self.assertEqual(ev["user_data"]["fbp"], fbp)
        self.assertEqual(ev["event_name"], "PageView")
        self.assertEqual(ev["user_data"]["client_ip_address"], PUBLIC_IP)
        self.assertEqual(ev["user_data"]["client_user_agent"], UA)

        # The next hit carries the cookies back: the same fbclid keeps the original click time.
        later = f"/g/collect?v=2&tid={TID}&cid=1234567.{sid}&sid={sid}&_p={now_ms + 90000}&gcs=G111&en=page_view&ep.event_id=pv-fbclid-2&dl={dl}"
        status, headers, _ = self.hit(later, headers={"Cookie": f"_fbp={fbp}; _fbc={fbc}"})
        self.assertEqual(status, 204)
        self.assertEqual(set_cookies(headers)["_fbc"]["value"], fbc)
        ev2 = self.by_event_id("pv-fbclid-2")
        self.assertEqual(ev2["user_data"]["fbc"], fbc)
        self.assertEqual(ev2["user_data"]["fbp"], fbp)

    def test_parallel_first_hits_of_one_client_get_the_same_fbp(self):
        st = self.start()
        sid = int(time.time()) - 3
        results = []

        def one(i):
            t = f"/g/collect?v=2&tid={TID}&cid=99887766.{sid}&sid={sid}&_p={int(time.time()*1000)+i}&en=scroll&ep.event_id=par-{i}"
            results.append(set_cookies(self.hit(t)[1]).get("_fbp", {}).get("value"))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(results), 6)
        self.assertIsNotNone(results[0])
        self.assertEqual(len(set(results)), 1, results)
        self.assertTrue(results[0].startswith(f"fb.1.{sid * 1000}."), "creation time = session start")
        evs = wait_for(lambda: [e for e in self.delivered() if e.get("event_id", "").startswith("par-")] if
                       len([e for e in self.delivered() if e.get("event_id", "").startswith("par-")]) == 6 else None)
        self.assertTrue(evs)
        self.assertEqual({e["user_data"]["fbp"] for e in evs}, {results[0]})

    def test_consent_denied_hit_reaches_no_meta_payload_and_sets_no_cookie(self):
        st = self.start()
        dl = quote("https://shop.example/p?fbclid=DeniedClick1", safe="")
        status, headers, _ = self.hit(
            f"/g/collect?v=2&tid={TID}&cid=5.{int(time.time())}&gcs=G100&gcd=13p3p3p2p5l1&en=purchase&ep.event_id=denied-1"
            f"&ep.transaction_id=T-denied&epn.value=10&cu=EUR&dl={dl}", headers={"X-Forwarded-For": PUBLIC_IP})
        self.assertEqual(status, 204)
        self.assertNotIn("_fbp", set_cookies(headers))
        self.assertNotIn("_fbc", set_cookies(headers))
        # A granted hit afterwards is the barrier: once it is delivered, the denied one had its chance.
        self.hit(f"/g/collect?v=2&tid={TID}&cid=6.{int(time.time())}&gcs=G111&en=purchase&ep.event_id=granted-1"
                 f"&ep.transaction_id=T-granted&epn.value=10&cu=EUR&dl={dl}", headers={"X-Forwarded-For": PUBLIC_IP})
        self.assertIsNotNone(self.by_event_id("granted-1"))
        time.sleep(0.3)
        self.assertEqual([e for e in self.delivered() if e.get("event_id") == "denied-1"], [])
        denied = [l for l in self.summaries() if l.get("stage") == "consent"]
        self.assertEqual(len(denied), 1)
        self.assertEqual(denied[0]["outcome"], "stopped")
        self.assertIn("ad_storage denied (gcd) -> drop", denied[0]["reason"])
        self.assertGreaterEqual(self.metric("sidetag_events_rejected_total", ['source="ga4"', 'reason="consent"']), 1)
        # Google still gets the hit (Consent Mode is Google's own business: gtag would have sent it there).
        self.assertTrue(wait_for(lambda: any("ep.event_id=denied-1" in r["raw_query"] for r in self.ga4.recorded("/g/collect"))))

    def test_client_ip_behind_trusted_proxy_public_reaches_meta_private_never(self):
        st = self.start()
        base = f"/g/collect?v=2&tid={TID}&cid=7.{int(time.time())}&gcs=G111&en=page_view&dl=https%3A%2F%2Fshop.example%2F"
        # Browser -> CDN (public) -> our trusted proxy (127.0.0.1): the rightmost untrusted hop is the client.
        self.hit(base + "&ep.event_id=ip-public", headers={"X-Forwarded-For": f"{PUBLIC_IP}:51234"})
        ev = self.by_event_id("ip-public")
        self.assertEqual(ev["user_data"]["client_ip_address"], PUBLIC_IP, "port stripped")
        # IPv4-mapped IPv6 is unmapped.
        self.hit(base + "&ep.event_id=ip-mapped", headers={"X-Forwarded-For": f"::ffff:{PUBLIC_IP}"})
        self.assertEqual(self.by_event_id("ip-mapped")["user_data"]["client_ip_address"], PUBLIC_IP)
        # A private client address (internal traffic through the proxy) never reaches Meta.
        self.hit(base + "&ep.event_id=ip-private", headers={"X-Forwarded-For": "10.20.30.40"})
        ev = self.by_event_id("ip-private")
        self.assertIsNotNone(ev)
        self.assertNotIn("client_ip_address", ev["user_data"])
        # No proxy header: the socket peer (loopback) is the client, and loopback never reaches Meta either.
        self.hit(base + "&ep.event_id=ip-loopback")
        ev = self.by_event_id("ip-loopback")
        self.assertNotIn("client_ip_address", ev["user_data"])
        # A browser-sent _uip is not believed.
        self.hit(base + "&ep.event_id=ip-uip&_uip=8.8.8.8", headers={"X-Forwarded-For": PUBLIC_IP})
        self.assertEqual(self.by_event_id("ip-uip")["user_data"]["client_ip_address"], PUBLIC_IP)
        for e in self.delivered():
            ip = e["user_data"].get("client_ip_address", "")
            self.assertFalse(ip.startswith(("10.", "127.", "192.168.", "::1")), ip)

    def test_untrusted_peer_cannot_spoof_the_client_ip(self):
        self.start(trusted="[]")
        self.hit(f"/g/collect?v=2&tid={TID}&cid=8.{int(time.time())}&gcs=G111&en=page_view&ep.event_id=spoof"
                 f"&dl=https%3A%2F%2Fshop.example%2F", headers={"X-Forwarded-For": PUBLIC_IP})
        ev = self.by_event_id("spoof")
        self.assertIsNotNone(ev)
        self.assertNotIn("client_ip_address", ev["user_data"], "X-Forwarded-For from an untrusted peer is ignored")

    def test_cdn_client_ip_header_only_from_trusted_peer(self):
        self.start(trusted="[127.0.0.1/32]\n  client_ip_header: CF-Connecting-IP")
        self.hit(f"/g/collect?v=2&tid={TID}&cid=9.{int(time.time())}&gcs=G111&en=page_view&ep.event_id=cdn"
                 f"&dl=https%3A%2F%2Fshop.example%2F", headers={"CF-Connecting-IP": PUBLIC_IP, "X-Forwarded-For": "5.5.5.5"})
        self.assertEqual(self.by_event_id("cdn")["user_data"]["client_ip_address"], PUBLIC_IP)

    def test_cdn_client_ip_header_ignored_from_untrusted_peer(self):
        self.start(trusted="[]\n  client_ip_header: CF-Connecting-IP")
        self.hit(f"/g/collect?v=2&tid={TID}&cid=9.{int(time.time())}&gcs=G111&en=page_view&ep.event_id=cdn-spoof"
                 f"&dl=https%3A%2F%2Fshop.example%2F", headers={"CF-Connecting-IP": PUBLIC_IP})
        self.assertNotIn("client_ip_address", self.by_event_id("cdn-spoof")["user_data"])

    def test_google_passthrough_gets_each_hit_with_uip_and_browser_user_agent(self):
        st = self.start()
        q = f"v=2&tid={TID}&cid=11.{int(time.time())}&gcs=G111&dl=https%3A%2F%2Fshop.example%2F&_uip=6.6.6.6"
        body = "en=page_view&ep.event_id=pt-1\nen=scroll&epn.percent_scrolled=90&ep.event_id=pt-2\n"
        status, _, _ = self.hit("/g/collect?" + q, body, headers={"X-Forwarded-For": PUBLIC_IP})
        self.assertEqual(status, 204)
        self.hit(f"/g/collect?{q}&en=purchase&ep.event_id=pt-3", method="GET", headers={"X-Forwarded-For": PUBLIC_IP})
        hits = wait_for(lambda: self.ga4.hits() if len(self.ga4.hits()) >= 3 else None)
        self.assertTrue(hits, self.ga4.recorded())
        self.assertEqual(sorted(h["params"]["ep.event_id"] for h in hits), ["pt-1", "pt-2", "pt-3"])
        for h in hits:
            self.assertEqual(h["params"]["_uip"], PUBLIC_IP, "the browser's _uip is replaced by the resolved client IP")
            self.assertEqual(h["headers"]["user-agent"], UA)
            self.assertEqual(h["params"]["tid"], TID)
        reqs = self.ga4.recorded("/g/collect")
        self.assertEqual(sorted(r["method"] for r in reqs), ["GET", "POST"])
        self.assertEqual(reqs[0]["raw_query"].count("_uip="), 1)
        # The fake records a hit before sidetag has read its answer and counted it: wait for the count.
        counted = wait_for(lambda: self.metric("sidetag_ga4_passthrough_total", ['upstream="google"', 'result="ok"']) >= 2)
        self.assertTrue(counted, self.metric("sidetag_ga4_passthrough_total", ['upstream="google"', 'result="ok"']))

    def test_over_the_queue_budget_hits_still_get_204_but_their_meta_events_are_refused_and_counted(self):
        self.graph.configure(tokens=["EAAsomeOtherToken"])  # the configured token is invalid: the pixel pauses
        cfg = ga4_config(f"http://127.0.0.1:{self.graph.port}", self.ga4.url, self.sgtm.url, tids_of(self.samples))
        cfg = cfg.replace("delivery:\n", "delivery:\n  max_queue_bytes: 1048576\n", 1)
        self.st = st = Sidetag(cfg, name="ga4").start()
        def queued():
            _, _, raw = raw_request(st.port, "GET", "/metrics")
            for line in raw.decode().splitlines():
                if line.startswith("sidetag_dispatch_queue_bytes "):
                    return float(line.split()[1])
            return 0.0
        sent = 0
        while queued() <= 1048576 and sent < 60:
            lines = "\n".join(f"en=page_view&ep.event_id=fill-{sent}-{i}&dl=https%3A%2F%2Fshop.example%2F{i}"
                              for i in range(100))
            status, _, _ = self.hit(f"/g/collect?v=2&tid={TID}&cid=13.{int(time.time())}&gcs=G111", lines)
            self.assertEqual(status, 204)
            sent += 1
        self.assertGreater(queued(), 1048576, "the paused pixel's queue never reached the budget")
        before = self.metric("sidetag_events_rejected_total", ['source="ga4"', 'reason="backpressure"'])
        status, _, _ = self.hit(f"/g/collect?v=2&tid={TID}&cid=13.{int(time.time())}&gcs=G111&en=purchase"
                                f"&ep.event_id=over-budget&dl=https%3A%2F%2Fshop.example%2F")
        self.assertEqual(status, 204, "the browser is answered as always")
        self.assertEqual(self.metric("sidetag_events_rejected_total", ['source="ga4"', 'reason="backpressure"']),
                         before + 1)
        line = wait_for(lambda: [l for l in self.summaries() if l.get("stage") == "backpressure"])
        self.assertTrue(line, "the refusal is logged")
        self.assertIn("delivery.max_queue_bytes", line[0]["reason"])
        self.assertEqual(line[0]["outcome"], "stopped")

    def test_upstream_failure_is_counted_and_never_blocks_meta(self):
        st = self.start()
        self.ga4.configure(status=500, delay_s=0.5)
        t0 = time.time()
        status, _, _ = self.hit(f"/g/collect?v=2&tid={TID}&cid=12.{int(time.time())}&gcs=G111&en=page_view"
                                f"&ep.event_id=fail-1&dl=https%3A%2F%2Fshop.example%2F")
        self.assertEqual(status, 204)
        self.assertLess(time.time() - t0, 0.4, "the browser does not wait for the upstream")
        self.assertIsNotNone(self.by_event_id("fail-1"))
        self.assertTrue(wait_for(lambda: self.metric("sidetag_ga4_passthrough_total",
                                                     ['upstream="google"', 'result="http_error"']) >= 1, timeout=5))
        self.assertTrue(any(l.get("msg") == "ga4 upstream answered with an error" for l in st.log_lines()))

    def test_sgtm_cookies_are_relayed_to_the_browser_except_the_ones_sidetag_sets(self):
        st = self.start()
        hdrs = {"Host": "metrics.legacy.example", "X-Forwarded-For": PUBLIC_IP, "Origin": "https://legacy.example"}
        hit = (f"/g/collect?v=2&tid={LEGACY_TID}&cid=22.{int(time.time())}&gcs=G111&en=page_view"
               f"&dl=https%3A%2F%2Flegacy.example%2F%3Ffbclid%3DIwAR1relay")
        # No FPID yet: the container mints it and the browser gets it (sGTM's own answer), next to sidetag's _fbp/_fbc.
        status, headers, _ = self.hit(hit, headers=hdrs)
        self.assertEqual(status, 204)
        sc = header_values(headers, "Set-Cookie")
        self.assertIn("FPID=FPID2.2.fromsgtm.1700000000; Path=/; HttpOnly", sc)
        self.assertTrue(any(c.startswith("_fbp=") for c in sc), sc)
        self.assertTrue(any(c.startswith("_fbc=") for c in sc), sc)
        # The browser has an FPID: sidetag refreshes it itself, and the container's FPID is not passed on as well.
        status, headers, _ = self.hit(hit, headers={**hdrs, "Cookie": "FPID=FPID2.2.abc%3D.1700000000"})
        sc = [c for c in header_values(headers, "Set-Cookie") if c.startswith("FPID=")]
        self.assertEqual(len(sc), 1, sc)
        self.assertTrue(sc[0].startswith("FPID=FPID2.2.abc%3D.1700000000"), sc)
        # A container that does not answer in time costs the browser at most the timeout, never the 204.
        self.sgtm.configure(delay_s=3.0)
        t0 = time.time()
        status, headers, _ = self.hit(hit, headers=hdrs)
        self.assertEqual(status, 204)
        self.assertLess(time.time() - t0, 2.5, "bounded by ga4.passthrough.timeout_ms")
        self.assertFalse([c for c in header_values(headers, "Set-Cookie") if c.startswith("FPID=")])

    def test_sgtm_passthrough_and_reverse_proxy_with_cookies_both_ways(self):
        st = self.start()
        # Hits of the legacy site go to its sGTM with forwarded headers and the browser's cookies.
        status, _, _ = self.hit(f"/g/collect?v=2&tid={LEGACY_TID}&cid=21.{int(time.time())}&gcs=G111&en=page_view"
                                f"&dl=https%3A%2F%2Flegacy.example%2F",
                                headers={"Host": "metrics.legacy.example", "X-Forwarded-For": PUBLIC_IP,
                                         "Cookie": "_ga=GA1.1.21.1; FPID=FPID2.2.abc%3D.1700000000",
                                         "Origin": "https://legacy.example"})
        self.assertEqual(status, 204)
        got = wait_for(lambda: self.sgtm.recorded("/g/collect"))
        self.assertTrue(got)
        r = got[0]
        self.assertEqual(r["headers"]["x-forwarded-for"], PUBLIC_IP)
        self.assertEqual(r["headers"]["user-agent"], UA)
        self.assertEqual(r["headers"]["x-forwarded-host"], "metrics.legacy.example")
        self.assertIn("FPID=FPID2.2.abc%3D.1700000000", r["headers"]["cookie"])
        self.assertEqual(r["query"]["tid"], LEGACY_TID)
        self.assertNotIn("_uip", r["query"])
        self.assertEqual(self.ga4.recorded(), [], "the legacy site does not forward to Google")
        # /gtm.js from the tagging domain is proxied to the sGTM, cookies both ways.
        status, headers, body = raw_request(st.port, "GET", "/gtm.js?id=GTM-ABC123&l=dataLayer",
                                            headers={"Host": "metrics.shop.example", "Cookie": "_ga=GA1.1.5.6; x=y",
                                                     "User-Agent": UA})
        self.assertEqual(status, 200)
        self.assertEqual(body, FakeSgtm.GTM_JS)
        self.assertIn("javascript", header_values(headers, "Content-Type")[0])
        sc = header_values(headers, "Set-Cookie")
        self.assertIn("_sgtm_a=one; Path=/; Max-Age=3600; Secure; SameSite=Lax", sc)
        self.assertIn("FPGSID=1.2.3; Path=/; Max-Age=1800; Secure", sc)
        js = self.sgtm.recorded("/gtm.js")
        self.assertEqual(len(js), 1)
        self.assertEqual(js[0]["query"], {"id": "GTM-ABC123", "l": "dataLayer"})
        self.assertEqual(js[0]["headers"]["cookie"], "_ga=GA1.1.5.6; x=y")
        self.assertEqual(js[0]["headers"]["user-agent"], UA)
        # Unknown upstream path: the upstream's 404 is passed through.
        status, _, _ = raw_request(st.port, "GET", "/nothing-here", headers={"Host": "metrics.shop.example"})
        self.assertEqual(status, 404)

    def test_fpid_is_the_client_id_and_is_refreshed_http_only(self):
        st = self.start(debug_pii=True)
        cid = f"31.{int(time.time())}"
        status, headers, _ = self.hit(f"/g/collect?v=2&tid={LEGACY_TID}&cid={cid}&gcs=G111&en=page_view"
                                      f"&dl=https%3A%2F%2Flegacy.example%2F",
                                      headers={"Host": "metrics.legacy.example",
                                               "Cookie": "FPID=FPID2.2.ZDoa3Sn32zo3RN66kguVogdtbQB1xZr%2FEBDR9gylXKA%3D.1647778941"})
        self.assertEqual(status, 204)
        c = set_cookies(headers)["FPID"]
        self.assertEqual(c["value"], "FPID2.2.ZDoa3Sn32zo3RN66kguVogdtbQB1xZr%2FEBDR9gylXKA%3D.1647778941")
        for a in ("HttpOnly", "Secure", "Domain=legacy.example", "Path=/", "SameSite=Lax"):
            self.assertIn(a, c["attrs"])
        # The event's client_id is the FPID payload (URL-decoded); the browser's cid is kept as the JS client id.
        data = wait_for(lambda: [l["data"] for l in st.log_lines()
                                 if l.get("msg", "").startswith("ingested event data") and "data" in l])
        self.assertTrue(data)
        self.assertEqual(data[0]["client_id"], "ZDoa3Sn32zo3RN66kguVogdtbQB1xZr/EBDR9gylXKA=.1647778941")
        self.assertEqual(data[0]["x-ga-js_client_id"], cid)

    def test_cors_preflight_and_origin_allow_list(self):
        st = self.start()
        status, headers, raw = raw_request(st.port, "OPTIONS", f"/g/collect?v=2&tid={TID}",
                                           headers={"Origin": "https://www.shop.example",
                                                    "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(status, 204)
        self.assertEqual(header_values(headers, "Access-Control-Allow-Origin"), ["https://www.shop.example"])
        self.assertEqual(header_values(headers, "Access-Control-Allow-Credentials"), ["true"])
        self.assertEqual(header_values(headers, "Access-Control-Allow-Methods"), ["POST, GET, OPTIONS"])
        self.assertEqual(header_values(headers, "Access-Control-Allow-Headers"), ["content-type"])
        self.assertEqual(header_values(headers, "Access-Control-Max-Age"), ["86400"])
        # A foreign origin gets no CORS grant, and its hits are counted drops (still a 204).
        status, headers, _ = raw_request(st.port, "OPTIONS", f"/g/collect?v=2&tid={TID}",
                                         headers={"Origin": "https://evil.example"})
        self.assertEqual(status, 204)
        self.assertEqual(header_values(headers, "Access-Control-Allow-Origin"), [])
        status, headers, _ = self.hit(f"/g/collect?v=2&tid={TID}&cid=41.1&en=page_view&ep.event_id=evil",
                                      headers={"Origin": "https://evil.example"})
        self.assertEqual(status, 204)
        self.assertEqual(header_values(headers, "Access-Control-Allow-Origin"), [])
        self.assertEqual(self.metric("sidetag_ga4_hits_dropped_total", ['reason="origin_not_allowed"']), 1)

    def test_unknown_tid_is_answered_204_and_counted(self):
        st = self.start()
        status, headers, raw = self.hit("/g/collect?v=2&tid=G-NOTOURS1&cid=1.2&en=page_view",
                                        headers={"Origin": "https://shop.example"})
        self.assertEqual(status, 204)
        self.assertEqual(raw, b"")
        self.assertEqual(self.metric("sidetag_ga4_hits_dropped_total", ['reason="unknown_tid"']), 1)
        # Garbage is a counted drop too, and the server keeps serving.
        status, _, _ = self.hit("/g/collect?v=2&tid=" + TID, "en=%FF%FE&x=1\n" + "\n".join(["en=a"] * 300))
        self.assertEqual(status, 204)
        self.assertGreaterEqual(self.metric("sidetag_ga4_hits_dropped_total", ['reason="too_many_events"']), 200)
        self.assertEqual(raw_request(st.port, "GET", "/healthz")[0], 200)
        time.sleep(0.3)
        self.assertEqual([l for l in self.summaries() if "NOTOURS" in json.dumps(l)], [])
        self.assertFalse(any("G-NOTOURS1" in r["raw_query"] for r in self.ga4.recorded()))
        lines = [l for l in st.log_lines() if l.get("reason") == "unknown_tid"]
        self.assertEqual(lines[0]["tid"], "G-NOTOURS1")


class Ga4PrefixTest(unittest.TestCase):
    """The tagging endpoint on a path of the site's own origin (shop.example/metrics/...)."""

    def test_prefixed_collect_and_proxy(self):
        graph, ga4, sgtm = FakeGraph().start(), FakeGa4().start(), FakeSgtm().start()
        st = None
        try:
            cfg = ga4_config(f"http://127.0.0.1:{graph.port}", ga4.url, sgtm.url, [],
                             site_extra="path_prefix: /metrics\n")
            st = Sidetag(cfg, name="ga4-prefix").start()
            status, headers, _ = raw_request(st.port, "POST", f"/metrics/g/collect?v=2&tid={TID}&cid=51.{int(time.time())}"
                                             f"&gcs=G111&en=page_view&ep.event_id=prefixed&dl=https%3A%2F%2Fshop.example%2F",
                                             headers={"Host": "shop.example", "User-Agent": UA,
                                                      "Origin": "https://shop.example"})
            self.assertEqual(status, 204)
            self.assertIn("Domain=shop.example", set_cookies(headers)["_fbp"]["attrs"])
            got = wait_for(lambda: [e for e in graph.delivered_events() if e.get("event_id") == "prefixed"])
            self.assertTrue(got)
            self.assertTrue(wait_for(lambda: ga4.recorded("/g/collect")))
            self.assertEqual(ga4.recorded("/g/collect")[0]["path"], "/g/collect", "prefix stripped upstream")
            status, _, body = raw_request(st.port, "GET", "/metrics/gtm.js?id=GTM-X", headers={"Host": "shop.example"})
            self.assertEqual(status, 200)
            self.assertEqual(sgtm.recorded("/gtm.js")[0]["query"], {"id": "GTM-X"})
        finally:
            if st:
                st.cleanup()
            for f in (graph, ga4, sgtm):
                f.stop()


if __name__ == "__main__":
    unittest.main()
