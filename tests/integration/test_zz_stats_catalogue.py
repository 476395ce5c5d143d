"""Runs last: the metric families the suite saw on /metrics against the catalogue (src observe/stats.hpp).

Every /metrics answer of every integration test is kept beside the logs (harness.Sidetag.keep_scrape, and one scrape
when a server stops). The catalogue is what the binary renders: every family with # HELP and # TYPE. Checked here:
every sample belongs to a family of the catalogue with a real HELP text and a TYPE, and every family of the catalogue
is emitted by some test (a sample with a non-zero value: a counter that counted, a gauge that moved, a histogram
that observed)."""
import glob
import os
import re
import unittest

from harness import LOG_ROOT

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$")


def parse(text):
    helps, types, samples = {}, {}, []
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            helps[name] = help_text
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            types[name] = kind
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            if not m:
                raise AssertionError(f"not a Prometheus sample line: {line!r}")
            samples.append((m.group(1), m.group(2) or "", float(m.group(3))))
    return helps, types, samples


def family_of(sample_name, types):
    if sample_name in types:
        return sample_name
    for suffix in ("_bucket", "_sum", "_count"):
        base = sample_name[: -len(suffix)]
        if sample_name.endswith(suffix) and types.get(base) == "histogram":
            return base
    return None


class StatsCatalogue(unittest.TestCase):
    def test_every_family_has_help_and_is_emitted_by_the_suite(self):
        files = sorted(glob.glob(os.path.join(LOG_ROOT, "*.metrics-*.txt")))
        self.assertGreater(len(files), 10, "too few /metrics scrapes were kept for a meaningful check")
        catalogue = None
        emitted = set()
        for path in files:
            with open(path, encoding="utf-8") as f:
                helps, types, samples = parse(f.read())
            self.assertEqual(set(helps), set(types), f"{path}: every family has # HELP and # TYPE")
            if catalogue is None:
                catalogue = dict(helps)
            self.assertEqual(set(helps), set(catalogue), f"{path}: one binary, one catalogue")
            for name, help_text in helps.items():
                self.assertTrue(name.startswith("sidetag_"), name)
                self.assertGreaterEqual(len(help_text), 15, f"{name}: HELP text missing or too short")
                self.assertNotEqual(help_text, "sidetag metric", name)
                self.assertIn(types[name], ("counter", "gauge", "histogram"), name)
            for sample_name, labels, value in samples:
                family = family_of(sample_name, types)
                self.assertIsNotNone(family, f"{path}: sample {sample_name}{labels} has no family in the catalogue")
                if value == 0:
                    continue
                if types[family] == "histogram" and not sample_name.endswith("_count"):
                    continue
                emitted.add(family)
        never = sorted(set(catalogue) - emitted)
        self.assertEqual(never, [], "catalogue families no integration test emitted (a test must exercise each)")


if __name__ == "__main__":
    unittest.main()
