"""GA4 Measurement Protocol at /mp/collect: api_secret checked, events reach the Meta pipeline with their
client_id and user_data."""
import hashlib
import textwrap
import time
import unittest

from harness import FakeGraph, Sidetag, base_config, wait_for

SITES = textwrap.dedent("""\
  shop:
    domains: [shop.example]
    default_region: US
    ga4:
      measurement_ids: [G-TEST123]
      mp_api_secrets: ["mp-secret-0123456789"]
      passthrough: off
    meta:
      pixels:
        - id: "1234567890"
          access_token: "${META_TOKEN}"
          test_event_code: TEST123
""")


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


class MeasurementProtocolTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeGraph().start()
        self.st = Sidetag(base_config(f"http://127.0.0.1:{self.fake.port}", "{workdir}", sites=SITES)).start()

    def tearDown(self):
        self.st.cleanup()
        self.fake.stop()

    def post(self, body, mid="G-TEST123", secret="mp-secret-0123456789"):
        return self.st.request("POST", f"/mp/collect?measurement_id={mid}&api_secret={secret}", body,
                               {"Content-Type": "application/json"})

    def test_events_reach_meta_with_client_id_and_user_data(self):
        body = {
            "client_id": "1234567.7654321", "user_id": "crm-42", "timestamp_micros": int(time.time() * 1e6),
            "user_data": {"sha256_email_address": [sha("jane@example.com")], "sha256_phone_number": [sha("+15551234567")],
                          "address": [{"city": "San Francisco", "region": "California", "postal_code": "94107", "country": "US"}]},
            "events": [{"name": "purchase", "params": {"currency": "usd", "value": 42.5, "transaction_id": "T-77",
                                                      "items": [{"item_id": "SKU-1", "price": 42.5, "quantity": 1}]}},
                       {"name": "generate_lead", "params": {"event_id": "lead-1"}}],
        }
        status, _, resp = self.post(body)
        self.assertEqual(status, 200, resp)
        self.assertEqual([e["status"] for e in resp["events"]], ["accepted", "accepted"])
        events = wait_for(lambda: len(self.fake.delivered_events()) == 2 and self.fake.delivered_events(), timeout=5)
        self.assertTrue(events)
        by_name = {e["event_name"]: e for e in events}
        p = by_name["Purchase"]
        self.assertEqual(p["event_id"], "T-77")
        self.assertEqual(p["action_source"], "system_generated")
        self.assertEqual(p["user_data"]["em"], [sha("jane@example.com")])  # Google's email digest passes as a hash
        self.assertNotIn("ph", p["user_data"])  # Google's E.164 phone digest is never forwarded
        self.assertEqual(p["user_data"]["ct"], [sha("sanfrancisco")])
        self.assertEqual(p["user_data"]["st"], [sha("ca")])
        self.assertEqual(p["user_data"]["zp"], [sha("94107")])
        self.assertEqual(p["user_data"]["external_id"], [sha("crm-42")])
        self.assertEqual(p["custom_data"]["currency"], "USD")
        self.assertEqual(p["custom_data"]["content_ids"], ["SKU-1"])
        self.assertEqual(by_name["Lead"]["event_id"], "lead-1")

    def test_api_secret_and_measurement_id_are_checked(self):
        body = {"client_id": "1.2", "user_data": {"sha256_email_address": sha("a@b.co")}, "events": [{"name": "x"}]}
        for mid, secret in (("G-TEST123", "wrong"), ("G-OTHER", "mp-secret-0123456789"), ("G-TEST123", "")):
            status, _, resp = self.post(body, mid, secret)
            self.assertEqual(status, 401, resp)
        self.assertEqual(self.st.request("GET", "/mp/collect")[0], 405)
        time.sleep(0.2)
        self.assertEqual(self.fake.requests, [])
        self.assertNotIn("mp-secret-0123456789", self.st.logs())

    def test_malformed_and_consent_denied(self):
        status, _, resp = self.post(b"{not json")
        self.assertEqual(status, 400)
        status, _, resp = self.post({"client_id": "1.2", "consent": {"ad_user_data": "DENIED"},
                                     "user_data": {"sha256_email_address": sha("a@b.co")}, "events": [{"name": "purchase"}]})
        self.assertEqual(status, 422, resp)
        self.assertEqual(resp["events"][0]["reason"], "consent: ad_user_data denied")


if __name__ == "__main__":
    unittest.main()
