#!/usr/bin/env python3
"""Regenerates the seed corpora in corpus/<target>/ from tests/fixtures/ga4-hits.txt (or argv[1])."""
import os
import re
import sys
from urllib.parse import urlsplit, parse_qs

here = os.path.dirname(os.path.abspath(__file__))
fixture = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "fixtures", "ga4-hits.txt")


def samples(path):
    out, cur, in_json = [], None, False
    for line in open(path, encoding="utf-8").read().split("\n"):
        m = re.match(r"#== sample (\w+):", line)
        if m:
            cur = {"id": m.group(1), "url": None, "body": []}
            out.append(cur)
            in_json = False
            continue
        if cur is None or line.startswith("#"):
            if line == "#== end":
                cur = None
            continue
        if not line:
            if cur["url"] and not in_json:
                cur = None
            continue
        if cur["url"] is None:
            cur["url"] = line.split(" ", 1)[1]
            in_json = "/mp/collect" in cur["url"]
        elif not in_json:
            cur["body"].append(line)
    return [s for s in out if s["url"] and "/g/collect" in s["url"]]


def write(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


for s in samples(fixture):
    u = urlsplit(s["url"])
    write("fuzz_ga4_hits", "sample" + s["id"], u.query + "\n" + "\n".join(s["body"]))
    if s["body"]:
        write("fuzz_ga4_hits", "sample" + s["id"] + "_crlf", u.query + "\n" + "\r\n".join(s["body"]) + "\r\n")
    dl = parse_qs(u.query).get("dl", [""])[0]
    host = urlsplit(dl).hostname or u.hostname or ""
    write("fuzz_cookie", "sample" + s["id"],
          "_ga=GA1.1.1.2; _fbp=fb.1.1596403881668.1116446470; _fbc=fb.1.1554763741205.AbC_1-x\n" + dl + "\n" + host)

write("fuzz_ga4_hits", "em_items",
      "en=purchase&em=tv.1~em.lz3-Rj7IV4X1-Vr1ujkG7tstkxwk5pgkqJ6mXbpOgTs~co0.NO~pc0.0150"
      "&pr1=idA~nmCoffee%7ETable~k0color~v0red~pr1.5~qt2&pr2=idB~~C\nen=x&epn.v=NaN&_uip=1.2.3.4")
write("fuzz_cookie", "quoted", "a=\"q\"; junk; =x; _fbc=fb.1.1.IwAR.AQQCAQAB\nhttps://x.co.uk/?fbclid=IwAR\nwww.x.co.uk:443")
write("fuzz_cookie", "fbclid_changed", "_fbc=fb.2.1554763741205.old.Bg\nhttps://a.example.com.br/p?fbclid=New-Id_9#f\na.example.com.br")
write("fuzz_forwarded", "xff", "10.0.0.1\n1.1.1.1, 5.5.5.5:80 , 10.0.0.2\n\n")
write("fuzz_forwarded", "forwarded",
      "10.0.0.1\n\nfor=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\", for=_hidden\n")
write("fuzz_forwarded", "cdn", "[2400:cb00::5]:443\n6.6.6.6\n\n 2a02:1234::9 ")
write("fuzz_forwarded", "mapped", "::ffff:192.168.1.1\n::ffff:8.8.8.8,unknown,\"[::1]\"\nfor=\"a,b\"\ngarbage")
