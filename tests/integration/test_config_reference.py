"""README.md's configuration reference is generated from the schema tables: it must equal what
`sidetag config reference` prints. After changing a table, regenerate it with
    python3 tests/integration/test_config_reference.py --update build/sidetag
"""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "..", "README.md")
BEGIN = "<!-- BEGIN generated configuration reference: `sidetag config reference` -->"
END = "<!-- END generated configuration reference -->"


def generated(binary):
    return subprocess.run([binary, "config", "reference"], check=True, capture_output=True, text=True).stdout


def split_readme():
    with open(README, encoding="utf-8") as f:
        text = f.read()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise AssertionError("README.md has no generated reference between %r and %r" % (BEGIN, END))
    start += len(BEGIN)
    return text[:start], text[start:end], text[end:]


class ConfigReference(unittest.TestCase):
    def test_readme_reference_is_generated_from_the_schema_tables(self):
        _, block, _ = split_readme()
        expected = "\n" + generated(os.environ["SIDETAG_BIN"]) + "\n"
        if block != expected:
            import difflib
            diff = "".join(difflib.unified_diff(block.splitlines(True), expected.splitlines(True), "README.md",
                                                "sidetag config reference", n=1))
            self.fail("README.md's configuration reference is out of date; regenerate it with\n"
                      "  python3 tests/integration/test_config_reference.py --update build/sidetag\n" + diff[:4000])

    def test_every_section_is_documented(self):
        text = generated(os.environ["SIDETAG_BIN"])
        for section in ("environments", "server", "logging", "meta", "delivery", "identity", "sites", "sources"):
            self.assertIn("### `%s`" % section, text)
        for key in ("`server.port`", "`sites.<id>.meta.pixels[].access_token`", "`sites.<id>.ga4.cookies.domain`",
                    "`sources.<mapped source>.fields.<target>.transforms`", "`delivery.durability`"):
            self.assertIn(key, text)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--update":
        head, _, tail = split_readme()
        with open(README, "w", encoding="utf-8") as f:
            f.write(head + "\n" + generated(sys.argv[2]) + "\n" + tail)
        print("README.md: configuration reference regenerated")
    else:
        unittest.main()
