"""`sidetag validate` as a user runs it (issue 11 items 4-7): the shipped examples pass the command their header
shows; a mapped target no stage reads is an error with its line and the nearest valid keys; a CRM source without
Meta's Conversion Leads keys gets a warning; mistakes inside a mapped source name their own line; a token pasted
into the wrong field is never echoed."""
import glob
import os
import re
import shlex
import subprocess
import tempfile
import textwrap
import unittest

from harness import BIN, TOKEN, base_config

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def validate(text, *args, env=None):
    d = tempfile.mkdtemp()
    p = os.path.join(d, "c.yaml")
    with open(p, "w") as f:
        f.write(text)
    return subprocess.run([BIN, "validate", "--config", p, *args], capture_output=True, text=True,
                          env=dict(os.environ, META_TOKEN=TOKEN, **(env or {})))


def with_crm_source(fields, action_source="system_generated"):
    sources = textwrap.dedent("""\
      crm:
        type: mapped
        auth: { scheme: bearer, secret: crm-secret-0123456789 }
        site: shop
        action_source: %s
        event_name: Lead
        fields:
    """) % action_source + textwrap.indent(textwrap.dedent(fields), "    ")
    return base_config("https://graph.facebook.com", "/tmp", sources=sources)


def line_of(text, needle):
    return [i + 1 for i, l in enumerate(text.splitlines()) if needle in l][0]


class ValidateTest(unittest.TestCase):
    def test_every_example_passes_the_command_its_header_shows(self):
        files = sorted(glob.glob(os.path.join(ROOT, "config", "examples", "*.yaml"))) + \
            [os.path.join(ROOT, "config", "sidetag.yaml")]
        self.assertGreaterEqual(len(files), 5)
        for path in files:
            with open(path) as f:
                header = "".join(l for l in f if l.startswith("#"))
            commands = re.findall(r"^#\s+((?:[A-Z_]+=\S+\s+)*sidetag validate --config \S+)\s*$", header, re.M)
            self.assertTrue(commands, f"{path}: the header shows no `sidetag validate` command")
            words = shlex.split(commands[-1])
            env = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
            args = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
            clean = {k: v for k, v in os.environ.items() if not k.startswith(("META_", "SIDETAG_", "HUBSPOT_"))}
            r = subprocess.run([BIN] + args[1:], capture_output=True, text=True, cwd=ROOT, env=dict(clean, **env))
            self.assertEqual(r.returncode, 0, f"{' '.join(words)}\n{r.stdout}{r.stderr}")
            self.assertNotIn("warning", r.stderr, f"{path}: {r.stderr}")

    def test_a_mapped_target_no_stage_reads_is_an_error_with_line_and_nearest_keys(self):
        text = with_crm_source("""\
          event_time: { from: /t }
          custom_data.event_source: { const: crm }
          lead_event_source: { const: HubSpot }
          x-fb-ud-lead_id: { from: /lead, transforms: [int] }
          user_data.emial_address: { from: /e }
        """)
        r = validate(text, "--env", "test")
        self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
        line = line_of(text, "lead_event_source:")
        self.assertIn(f"sources.crm.fields.lead_event_source (line {line}): no stage reads the event-data key "
                      f"'lead_event_source'", r.stderr)
        self.assertIn("did you mean 'custom_data.lead_event_source'", r.stderr)
        line = line_of(text, "user_data.emial_address")
        self.assertIn(f"sources.crm.fields.user_data.emial_address (line {line}): no stage reads", r.stderr)
        self.assertIn("'user_data.email_address'", r.stderr)

    def test_a_crm_source_without_conversion_leads_keys_gets_a_warning(self):
        text = with_crm_source("""\
          event_time: { from: /t }
          user_data.email_address: { from: /e }
        """)
        r = validate(text, "--env", "test")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("warning: sources.crm.fields", r.stderr)
        for key in ("custom_data.event_source", "custom_data.lead_event_source", "x-fb-ud-lead_id"):
            self.assertIn(key, r.stderr)
        complete = with_crm_source("""\
          event_time: { from: /t }
          custom_data.event_source: { const: crm }
          custom_data.lead_event_source: { const: HubSpot }
          x-fb-ud-lead_id: { from: /lead, transforms: [int] }
        """)
        r = validate(complete, "--env", "test")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("warning", r.stderr)

    def test_mistakes_inside_a_mapped_source_name_their_own_line(self):
        text = with_crm_source("""\
          event_time: { from: /t, transfroms: [trim] }
          value: { from: /v, transforms: [numbr] }
        """, action_source="website").replace("    event_name: Lead\n", "    evnt_name: Lead\n    event_name: Lead\n"
                                              "    max_depth: deep\n")
        r = validate(text, "--env", "test")
        self.assertEqual(r.returncode, 78, r.stderr)
        for needle, msg in (("evnt_name", "unknown key 'evnt_name' (did you mean 'event_name'?)"),
                            ("max_depth", "expected an integer, got 'deep'"),
                            ("transfroms", "unknown key 'transfroms' (did you mean 'transforms'?)"),
                            ("numbr", "'numbr' is not a transform (did you mean 'number'?)")):
            self.assertRegex(r.stderr, re.escape(f"(line {line_of(text, needle)}): ") + ".*" + re.escape(msg))

    def test_a_token_pasted_as_pixel_id_is_not_echoed(self):
        token = "EAAB" + "x7Yz" * 44  # 180 characters, shaped like a Meta access token
        text = base_config("https://graph.facebook.com", "/tmp").replace('- id: "1234567890"', f'- id: "{token}"')
        r = validate(text, "--env", "test")
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertNotIn(token[:24], r.stdout + r.stderr)
        self.assertIn("a pixel (dataset) id is numeric, got a 180-character string", r.stderr)


if __name__ == "__main__":
    unittest.main()
