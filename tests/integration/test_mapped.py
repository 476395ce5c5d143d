"""Mapped sources end to end: a signed CRM webhook and a 100k-row CSV through `sidetag send`, both reaching the
fake Graph API with the mapped fields."""
import base64
import csv
import datetime
import hashlib
import hmac
import json
import re
import os
import subprocess
import tempfile
import textwrap
import time
import unittest

from harness import BIN, TOKEN, FakeGraph, Sidetag, base_config, wait_for

SECRET = "whsec_test_0123456789abcdef"


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


CRM_SOURCE = textwrap.dedent("""\
  backend:
    path: /v1/events
    site: shop
    api_keys: ["test-api-key-0123456789abcdef"]
  crm:
    type: mapped
    path: /v1/sources/crm
    format: json
    records: /deals
    auth: { scheme: stripe, secret: "${CRM_SECRET}", tolerance_s: 300 }
    site: shop
    action_source: system_generated
    event_name: { from: /stage, map: { closedwon: Purchase, qualified: Lead } }
    event_id: { from: [/id, /stage] }
    fields:
      user_data.email_address: { from: [/contact/email, /email], transforms: [trim, lowercase] }
      user_data.phone_number: { from: /contact/phone, on_error: drop }
      x-fb-ud-lead_id: { from: /fb_lead_id, transforms: [int], on_error: drop }
      event_time: { from: /closed_at, transforms: ["date:%Y-%m-%d %H:%M:%S:Europe/Berlin"] }
      value: { from: /amount, transforms: [number], on_error: drop }
      currency: { from: /currency, const: EUR, transforms: [uppercase] }
      custom_data.event_source: { const: crm }
      custom_data.lead_event_source: { const: TestCRM }
""")


def signed(body: bytes, secret=SECRET, ts=None):
    ts = int(time.time()) if ts is None else ts
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={ts},v1={sig}", "Content-Type": "application/json"}


def berlin(dt):
    return dt.strftime("%Y-%m-%d %H:%M:%S")


class MappedWebhookTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeGraph().start()
        cfg = base_config(f"http://127.0.0.1:{self.fake.port}", "{workdir}", sources=CRM_SOURCE)
        self.st = Sidetag(cfg, extra_env={"CRM_SECRET": SECRET}).start()

    def tearDown(self):
        self.st.cleanup()
        self.fake.stop()

    def deals(self):
        now = datetime.datetime.now()
        return {"deals": [
            {"id": 9001, "stage": "closedwon", "amount": "1.234,50", "currency": "eur", "closed_at": berlin(now),
             "contact": {"email": " Buyer@Example.COM ", "phone": "+49 151 23456789"}},
            {"id": 9002, "stage": "qualified", "closed_at": "2026-13-45 99:00:00", "email": "lead@example.com",
             "fb_lead_id": 123456789012345},
            {"id": 9003, "stage": "qualified", "closed_at": berlin(now), "email": "lead@example.com",
             "fb_lead_id": 123456789012345},
        ]}

    def test_signed_crm_webhook_reaches_graph_with_mapped_fields(self):
        body = json.dumps(self.deals()).encode()
        status, headers, resp = self.st.request("POST", "/v1/sources/crm", body, signed(body))
        self.assertEqual(status, 200, resp)
        self.assertEqual([e["status"] for e in resp["events"]], ["accepted", "rejected", "accepted"])
        self.assertIn("event_time", resp["events"][1]["reason"])
        self.assertEqual(resp["events"][1]["stage"], "ingest")
        events = wait_for(lambda: len(self.fake.delivered_events()) == 2 and self.fake.delivered_events(), timeout=5)
        self.assertTrue(events)
        by_name = {e["event_name"]: e for e in events}
        purchase, lead = by_name["Purchase"], by_name["Lead"]
        self.assertEqual(purchase["action_source"], "system_generated")
        self.assertEqual(purchase["user_data"]["em"], [sha("buyer@example.com")])
        self.assertEqual(purchase["user_data"]["ph"], [sha("4915123456789")])
        self.assertEqual(purchase["custom_data"]["value"], 1234.5)
        self.assertEqual(purchase["custom_data"]["currency"], "EUR")
        self.assertEqual(purchase["custom_data"]["event_source"], "crm")
        self.assertEqual(lead["custom_data"]["lead_event_source"], "TestCRM")
        self.assertEqual(lead["user_data"]["lead_id"], "123456789012345")
        self.assertEqual(purchase["event_id"], resp["events"][0]["event_id"])

    def test_redelivered_webhook_has_the_same_event_id(self):
        body = json.dumps(self.deals()).encode()
        _, _, first = self.st.request("POST", "/v1/sources/crm", body, signed(body))
        time.sleep(1.1)  # a new delivery carries a new timestamp and signature
        _, _, second = self.st.request("POST", "/v1/sources/crm", body, signed(body))
        ids1 = [e.get("event_id") for e in first["events"]]
        ids2 = [e.get("event_id") for e in second["events"]]
        self.assertEqual(ids1, ids2)
        self.assertEqual(len(ids1[0]), 32)
        self.assertTrue(wait_for(lambda: len(self.fake.delivered_events()) == 4, timeout=5))
        delivered = [e["event_id"] for e in self.fake.delivered_events()]
        self.assertEqual(sorted(delivered), sorted([ids1[0], ids1[2]] * 2))

    def test_wrong_signature_is_401_and_nothing_is_processed(self):
        body = json.dumps(self.deals()).encode()
        for headers in (signed(body, secret="wrong-secret"), signed(body, ts=int(time.time()) - 3600),
                        {"Content-Type": "application/json"}, {**signed(body + b" ")}):  # a signature over other bytes
            status, _, resp = self.st.request("POST", "/v1/sources/crm", body, dict(headers))
            self.assertEqual(status, 401, resp)
            self.assertIn("authentication failed", resp["error"]["message"])
        time.sleep(0.3)
        self.assertEqual(self.fake.requests, [])
        _, _, metrics = self.st.request("GET", "/metrics")
        self.assertNotIn('sidetag_events_received_total{source="crm"}', metrics)
        self.assertIn('sidetag_events_rejected_total{source="crm",reason="unauthorized"} 4', metrics)

    def test_malformed_bodies(self):
        for body in (b"{", b'{"deals": 5}', b"\xff", b'{"deals":' + b"[" * 200 + b"]" * 200 + b"}"):
            status, _, resp = self.st.request("POST", "/v1/sources/crm", body, signed(body))
            self.assertEqual(status, 400, (body[:20], resp))


class SendCsvTest(unittest.TestCase):
    ROWS = 100_000
    BROKEN_LINE = 4242  # 1-based file line (header is line 1)

    def test_100k_rows_reach_graph_and_broken_date_is_reported_with_its_line(self):
        fake = FakeGraph().start()
        d = tempfile.mkdtemp()
        try:
            source = textwrap.dedent("""\
              backend:
                path: /v1/events
                site: shop
                api_keys: ["test-api-key-0123456789abcdef"]
              pos:
                type: mapped
                format: csv
                delimiter: ";"
                auth: { scheme: none }
                site: shop
                action_source: physical_store
                event_name: Purchase
                event_id: { from: [store, receipt] }
                fields:
                  event_time: { from: sold_at, transforms: ["date:%d.%m.%Y %H:%M:Europe/Berlin"] }
                  value: { from: total, transforms: [number] }
                  currency: { const: EUR }
                  transaction_id: { from: receipt }
                  user_data.email_address: { from: email, transforms: [trim, lowercase], on_error: drop }
                  user_data.address.country: { const: de }
            """)
            cfg_path = os.path.join(d, "c.yaml")
            with open(cfg_path, "w") as f:
                f.write(base_config(f"http://127.0.0.1:{fake.port}", d, sources=source, batch_delay_ms=200))
            csv_path = os.path.join(d, "sales.csv")
            now = datetime.datetime.now() - datetime.timedelta(hours=1)
            with open(csv_path, "w", newline="") as f:
                f.write("store;receipt;sold_at;total;email;unused_column\n")
                for i in range(self.ROWS):
                    line = i + 2
                    sold = "32.13.2026 25:61" if line == self.BROKEN_LINE else (now - datetime.timedelta(minutes=i % 5000)).strftime("%d.%m.%Y %H:%M")
                    f.write(f"S1;R{i};{sold};\"{i % 100},99\";Customer{i}@Example.com;x\n")
            t0 = time.time()
            r = subprocess.run([BIN, "send", "--config", cfg_path, "--env", "test", "--source", "pos", csv_path],
                               capture_output=True, text=True, env=dict(os.environ, META_TOKEN=TOKEN), timeout=600)
            elapsed = time.time() - t0
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr[-2000:])  # 3: some rows rejected
            summary = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertEqual(summary["rows"], self.ROWS)
            self.assertEqual(summary["sent"], self.ROWS - 1)
            self.assertEqual(summary["rejected"], 1)
            self.assertEqual(summary["delivered"], self.ROWS - 1)
            self.assertEqual(summary["undelivered"], 0)
            self.assertIn("progress:", r.stderr)  # plain progress lines when not on a terminal
            with open(summary["rejects_file"]) as f:
                rows = list(csv.reader(f, delimiter=";"))
            self.assertEqual(rows[0][-3:], ["_line", "_stage", "_reason"])
            self.assertEqual(len(rows), 2)
            self.assertEqual(rows[1][1], f"R{self.BROKEN_LINE - 2}")
            self.assertEqual(rows[1][-3], str(self.BROKEN_LINE))
            self.assertIn(f"line {self.BROKEN_LINE}", rows[1][-1])
            events = fake.delivered_events()
            ids = {e["event_id"] for e in events}
            self.assertEqual(len(ids), self.ROWS - 1)
            sample = next(e for e in events if e["custom_data"]["order_id"] == "R7")
            self.assertEqual(sample["action_source"], "physical_store")
            self.assertEqual(sample["user_data"]["em"], [sha("customer7@example.com")])
            self.assertEqual(sample["user_data"]["country"], [sha("de")])
            self.assertEqual(sample["custom_data"]["value"], 7.99)
            batches = fake.ok_requests()
            self.assertLessEqual(max(len(b["body"]["data"]) for b in batches), 1000)
            # Batched, not one request per row (the exact size depends on machine load and the 200 ms batch delay).
            self.assertGreater(sum(len(b["body"]["data"]) for b in batches) / len(batches), 20)
            print(f"\n  sidetag send: {self.ROWS} rows in {elapsed:.1f} s, {len(batches)} Graph requests")
            # Re-running the file sends the same event_ids again (idempotent at Meta).
            r2 = subprocess.run([BIN, "send", "--config", cfg_path, "--env", "test", "--source", "pos", csv_path],
                                capture_output=True, text=True, env=dict(os.environ, META_TOKEN=TOKEN), timeout=600)
            self.assertEqual(r2.returncode, 3)
            ids2 = {e["event_id"] for e in fake.delivered_events()}
            self.assertEqual(ids2, ids)
        finally:
            fake.stop()

    def test_warnings_appear_above_the_progress_bar_on_a_terminal(self):
        """On a terminal, a warning logged while the bar is drawn starts its own line instead of continuing the
        bar's line (the bar is cleared before and redrawn after each write of log lines)."""
        import pty
        import select
        fake = FakeGraph().start()
        d = tempfile.mkdtemp()
        try:
            source = textwrap.dedent("""\
              pos:
                type: mapped
                format: csv
                auth: { scheme: none }
                site: shop
                action_source: physical_store
                event_name: Purchase
                event_id: { from: [receipt] }
                fields:
                  event_time: { from: sold_at, transforms: ["date:unix"] }
                  value: { from: total, transforms: [number] }
                  currency: { const: EUR }
                  user_data.email_address: { from: email }
            """)
            cfg_path = os.path.join(d, "c.yaml")
            with open(cfg_path, "w") as f:
                f.write(base_config(f"http://127.0.0.1:{fake.port}", d, sources=source))
            csv_path = os.path.join(d, "sales.csv")
            now = int(time.time()) - 60
            with open(csv_path, "w") as f:
                f.write("receipt,sold_at,total,email\n")
                for i in range(60000):
                    f.write(f"R{i},{now},9.99,c{i}@example.com\n")
            fake.configure(fail_rate=0.4)  # each failed Graph request is a warning, logged while the bar runs
            master, slave = pty.openpty()
            p = subprocess.Popen([BIN, "send", "--config", cfg_path, "--env", "test", "--source", "pos", csv_path],
                                 stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                                 env=dict(os.environ, META_TOKEN=TOKEN))
            os.close(slave)
            out = b""
            while True:
                ready, _, _ = select.select([master], [], [], 120)
                if not ready:
                    break
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            p.wait(timeout=120)
            os.close(master)
            text = out.decode("utf-8", "replace")
            self.assertIn("rows/s", text)  # the bar was drawn
            # Every JSON log line must start a line of its own (after the bar was cleared with ESC[K).
            log_lines = [l for l in text.split("\n") if '"ts":"' in l and '"level":' in l]
            self.assertGreater(len(log_lines), 5, text[-2000:])  # the warnings were logged
            for line in log_lines:
                prefix = line[:line.index("{")]
                self.assertTrue(prefix in ("", "\r") or prefix.endswith("\x1b[K"),
                                "a log line continues the progress bar's line: %r" % line[:160])
        finally:
            fake.stop()


if __name__ == "__main__":
    unittest.main()
