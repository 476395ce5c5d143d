"""Issue 5 done-when, end to end: a GA4 purchase hit (/g/collect) with two items becomes a Meta Purchase with value,
currency, contents and content_ids at the fake Graph API; a purchase with value 0 is rejected with the reason
unless the site allows free orders; the site's Meta settings (event names, custom properties, LDU) apply."""
import http.client
import textwrap
import time
import unittest
from urllib.parse import quote

from harness import FakeGraph, Sidetag, base_config, wait_for

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
TID = "G-SHOP12345"
FREE_TID = "G-FREE12345"


def sites():
    return textwrap.dedent(f"""\
      shop:
        domains: [shop.example]
        default_region: GB
        ga4:
          measurement_ids: [{TID}]
          passthrough: off
        meta:
          pixels:
            - id: "1234567890"
              access_token: "${{META_TOKEN}}"
              test_event_code: TEST123
          event_names:
            quote_requested: Lead
            user_engagement: drop
          custom_properties: [coupon]
      free:
        domains: [free.example]
        allow_zero_value_purchase: true
        ga4:
          measurement_ids: [{FREE_TID}]
          passthrough: off
        meta:
          pixels:
            - id: "2222222222"
              access_token: "${{META_TOKEN}}"
              test_event_code: TEST123
          ldu: {{enabled: true, country: 1, state: 1000}}
    """)


class MetaPayloadTest(unittest.TestCase):
    def setUp(self):
        self.graph = FakeGraph().start()
        cfg = base_config(f"http://127.0.0.1:{self.graph.port}", "{workdir}", sites=sites())
        self.st = Sidetag(cfg, name="meta-payload").start()

    def tearDown(self):
        self.st.cleanup()
        self.graph.stop()

    def hit(self, tid, en, params):
        sid = int(time.time()) - 5
        dl = quote("https://shop.example/checkout/thanks", safe="")
        target = (f"/g/collect?v=2&tid={tid}&cid=555.{sid}&sid={sid}&_p={int(time.time() * 1000)}"
                  f"&en={en}&dl={dl}&{params}")
        conn = http.client.HTTPConnection("127.0.0.1", self.st.port, timeout=10)
        conn.request("POST", target, body=b"", headers={"User-Agent": UA, "Host": "metrics.shop.example",
                                                        "Content-Length": "0"})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.status

    def delivered(self, event_id, timeout=5):
        got = wait_for(lambda: [e for e in self.graph.delivered_events() if e.get("event_id") == event_id],
                       timeout=timeout)
        return got[0] if got else None

    def summary(self, trace_pred, timeout=5):
        def find():
            return [l for l in self.st.log_lines() if l.get("msg") == "event" and l.get("source") == "ga4"
                    and trace_pred(l)]
        got = wait_for(find, timeout=timeout)
        return got[-1] if got else None

    def metric(self, family, labels):
        _, _, raw = self.st.request("GET", "/metrics")
        for line in (raw or "").splitlines():
            if line.startswith(family + "{") and all(l in line for l in labels):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def test_purchase_with_two_items_becomes_a_meta_purchase(self):
        before = self.metric("sidetag_events_shared_event_id_total", ['source="ga4"', 'shared="true"'])
        status = self.hit(TID, "purchase",
                          "pr1=idSKU_1~nmTee~pr10.50~qt2&pr2=idSKU_2~nmCap~pr4.99&epn.value=25.99&cu=eur"
                          "&ep.transaction_id=T-1001&ep.event_id=pur-1&ep.coupon=SUMMER")
        self.assertEqual(status, 204)
        ev = self.delivered("pur-1")
        self.assertIsNotNone(ev, f"purchase not delivered; logs:\n{self.st.logs()[-3000:]}")
        self.assertEqual(ev["event_name"], "Purchase")
        self.assertEqual(ev["action_source"], "website")
        self.assertEqual(ev["event_source_url"], "https://shop.example/checkout/thanks")
        cd = ev["custom_data"]
        self.assertEqual(cd["value"], 25.99)
        self.assertEqual(cd["currency"], "EUR")
        self.assertEqual(cd["order_id"], "T-1001")
        self.assertEqual(cd["content_type"], "product")
        self.assertEqual(cd["content_ids"], ["SKU_1", "SKU_2"])
        self.assertEqual(cd["contents"], [{"id": "SKU_1", "quantity": 2, "item_price": 10.5},
                                          {"id": "SKU_2", "quantity": 1, "item_price": 4.99}])
        self.assertEqual(cd["num_items"], 3)
        self.assertEqual(cd["coupon"], "SUMMER")  # the site's custom property allow-list
        self.assertEqual(ev["user_data"]["client_user_agent"], UA)
        self.assertNotIn("data_processing_options", ev)
        self.assertTrue(wait_for(lambda: self.metric("sidetag_events_shared_event_id_total",
                                                     ['source="ga4"', 'shared="true"']) == before + 1))

    def test_zero_value_purchase_rejected_with_reason_unless_the_site_allows_it(self):
        self.assertEqual(self.hit(TID, "purchase", "pr1=idSKU_1~pr0&epn.value=0&cu=EUR&ep.transaction_id=T-0"
                                                   "&ep.event_id=zero-1"), 204)
        line = self.summary(lambda l: l.get("outcome") == "stopped" and l.get("stage") == "validate")
        self.assertIsNotNone(line, self.st.logs()[-3000:])
        self.assertEqual(line["reason"],
                         "Purchase with value 0 (set sites.<id>.allow_zero_value_purchase for free orders)")
        # The free site allows it; its LDU setting adds Meta's numeric codes.
        self.assertEqual(self.hit(FREE_TID, "purchase", "pr1=idSKU_1~pr0&epn.value=0&cu=EUR"
                                                        "&ep.transaction_id=T-0&ep.event_id=zero-2"), 204)
        ev = self.delivered("zero-2")
        self.assertIsNotNone(ev, self.st.logs()[-3000:])
        self.assertEqual(ev["custom_data"]["value"], 0)
        self.assertEqual(ev["data_processing_options"], ["LDU"])
        self.assertEqual(ev["data_processing_options_country"], 1)
        self.assertEqual(ev["data_processing_options_state"], 1000)
        self.assertIsNone(self.delivered("zero-1", timeout=0.5))

    def test_site_event_names_and_invalid_currency(self):
        self.assertEqual(self.hit(TID, "quote_requested", "ep.event_id=lead-1"), 204)
        ev = self.delivered("lead-1")
        self.assertIsNotNone(ev, self.st.logs()[-3000:])
        self.assertEqual(ev["event_name"], "Lead")
        self.assertEqual(self.hit(TID, "user_engagement", "ep.event_id=drop-1"), 204)
        line = self.summary(lambda l: l.get("stage") == "assemble" and l.get("outcome") == "stopped")
        self.assertIsNotNone(line, self.st.logs()[-3000:])
        self.assertEqual(line["reason"], "event 'user_engagement' is mapped to drop in sites.<id>.meta.event_names")
        self.assertEqual(self.hit(TID, "purchase", "epn.value=10&cu=XYZ&ep.event_id=cur-2"), 204)
        line = self.summary(lambda l: "ISO 4217" in (l.get("reason") or "") and "XYZ" in l["reason"])
        self.assertIsNotNone(line, self.st.logs()[-3000:])
        self.assertEqual(line["reason"], "currency 'XYZ' is not an ISO 4217 currency code")
        self.assertIsNone(self.delivered("cur-2", timeout=0.5))


if __name__ == "__main__":
    unittest.main()
