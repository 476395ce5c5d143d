"""The repository is self-contained: no file points outside it (a sibling `shared/` folder, a build machine's absolute
paths, sections of reference documents that are not in the repository), and the fixtures the tests read are
in tests/fixtures/. A clone with nothing beside it must pass its tests."""
import os
import re
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# Top-level entries of the repository; build folders, var/ and .git are not part of it.
ENTRIES = [".ci", "CMakeLists.txt", "README.md", "bench", "cmake", "config", "docker", "docs", "include", "scripts",
           "src", "tests"]
SKIP_DIRS = {"corpus", "__pycache__", "results", "node_modules"}
# Built from parts so that this file does not match itself.
FORBIDDEN = [
    re.compile(r"\.\./" + "shared"),
    re.compile("/" + r"work/"),
    re.compile(r"\bshared/" + r"(fixtures|reference|design)\b"),
    re.compile(r"\b(meta-capi|ga4-collect|peers-and-pitfalls|omni-tag-behaviour|identity-and-debugging|"
               r"architecture-performance-reliability|architecture-review)\." + "md"),
]


def repository_files():
    for entry in ENTRIES:
        path = os.path.join(ROOT, entry)
        if os.path.isfile(path):
            yield path
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
            for name in filenames:
                yield os.path.join(dirpath, name)


class SelfContained(unittest.TestCase):
    def test_no_reference_outside_the_repository(self):
        hits = []
        for path in repository_files():
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except (UnicodeDecodeError, OSError):
                continue
            for n, line in enumerate(text.split("\n"), 1):
                if any(p.search(line) for p in FORBIDDEN):
                    hits.append("%s:%d: %s" % (os.path.relpath(path, ROOT), n, line.strip()[:100]))
        self.assertEqual(hits, [], "files point outside the repository (cite a public URL or docs/ instead):\n" +
                         "\n".join(hits))

    def test_fixtures_are_in_the_repository(self):
        for name in ("ga4-hits.txt", "normalize-vectors.json"):
            path = os.path.join(ROOT, "tests", "fixtures", name)
            self.assertTrue(os.path.isfile(path), "missing fixture " + path)
            self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
