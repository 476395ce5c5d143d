#!/usr/bin/env python3
"""Scenario csv_send: a point-of-sale CSV export (config/examples/pos_csv_export.yaml's shape) of --rows rows run
through `sidetag send` in-process, live to the fake Graph API. Prints one JSON line: events/s, CPU µs per event,
peak RSS (ru_maxrss of the child), average Meta batch size (from the log's "Graph API batch" lines).
bench/bench.py calls it only when `sidetag send` exists in the build."""
import argparse
import json
import os
import random
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--graph-port", type=int, required=True)
ap.add_argument("--cpu", type=int, default=0)
ap.add_argument("--rows", type=int, default=100000)
ap.add_argument("--work", required=True)
a = ap.parse_args()
os.makedirs(a.work, exist_ok=True)

cfg = f"""\
server: {{ address: 127.0.0.1, port: 0, threads: 1 }}
logging: {{ level: info }}
meta:
  graph_url: http://127.0.0.1:{a.graph_port}
  dispatch: live
  sandbox_file: {a.work}/sandbox.ndjson
  dead_letter_file: {a.work}/dead-letters.ndjson
sites:
  shop:
    domains: [shop.example]
    default_region: DE
    meta:
      pixels:
        - id: "1234567890"
          access_token: "${{META_TOKEN}}"
          test_event_code: BENCH   # a non-prod environment may only send live with a test_event_code
sources:
  pos_export:
    type: mapped
    format: csv
    delimiter: ";"
    auth: {{ scheme: none }}
    site: shop
    action_source: physical_store
    event_name: Purchase
    event_id: {{ from: [store_id, receipt_no] }}
    fields:
      event_time: {{ from: sold_at, transforms: ["date:%d.%m.%Y %H:%M:Europe/Berlin"] }}
      value: {{ from: total, transforms: [number] }}
      currency: {{ from: currency, const: EUR, transforms: [trim, uppercase] }}
      user_data.email_address: {{ from: email, transforms: [trim, lowercase], on_error: drop }}
      user_data.phone_number: {{ from: phone, transforms: [trim], on_error: drop }}
      user_data.address.first_name: {{ from: customer_name, transforms: [trim, "split: :0", lowercase], on_error: drop }}
      user_data.address.last_name: {{ from: customer_name, transforms: [trim, "split: :-1", lowercase], on_error: drop }}
      user_data.address.postal_code: {{ from: zip, transforms: [trim], on_error: drop }}
      user_data.address.city: {{ from: city, transforms: [trim], on_error: drop }}
      user_data.address.country: {{ const: de }}
      user_data.external_id: {{ from: loyalty_id, transforms: [trim], on_error: drop }}
environments:
  bench: {{}}
"""
cfg_path = os.path.join(a.work, "sidetag.yaml")
with open(cfg_path, "w") as f:
    f.write(cfg)
csv_path = os.path.join(a.work, "pos.csv")
rng = random.Random(7)
t = time.localtime(time.time() - 86400)
sold = time.strftime("%d.%m.%Y %H:%M", t)
with open(csv_path, "w") as f:
    f.write("store_id;receipt_no;sold_at;total;currency;email;phone;customer_name;zip;city;loyalty_id\n")
    for i in range(a.rows):
        f.write(f"100{i % 2 + 1};R{i:08d};{sold};{rng.randint(1, 999)},{rng.randint(0, 99):02d};eur;"
                f" Kunde{i}@Example.DE ;0170 {rng.randint(1000000, 9999999)};Erika Mustermann;1{i % 9000 + 1000:04d};"
                f"Berlin;L{i}\n")
log_path = os.path.join(a.work, "send.log")
env = dict(os.environ, META_TOKEN="EAAbench" + "0" * 40)
t0 = time.monotonic()
with open(log_path, "wb") as logf:
    p = subprocess.Popen(["taskset", "-c", str(a.cpu), a.bin, "send", "--config", cfg_path, "--env", "bench",
                          "--source", "pos_export", csv_path], stdout=logf, stderr=subprocess.STDOUT, env=env)
    _, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
if status != 0:
    sys.exit(f"sidetag send exited with status {status}; log: {log_path}")
batches, events = 0, 0
with open(log_path, errors="replace") as f:
    for line in f:
        if '"Graph API batch"' in line:
            try:
                rec = json.loads(line)
                batches += 1
                events += int(rec.get("batch_size", 0))
            except ValueError:
                pass
print(json.dumps({"events_s": a.rows / wall, "wall_s": wall,
                  "cpu_us_per_event": (ru.ru_utime + ru.ru_stime) / a.rows * 1e6, "hwm_mib": ru.ru_maxrss / 1024,
                  "avg_batch": events / batches if batches else None, "conns_opened": None,
                  "delivered": events}))
