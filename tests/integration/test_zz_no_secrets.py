"""Runs last: no log line written by any integration test contains the configured access token or API key."""
import os
import unittest

from harness import API_KEY, LOG_ROOT, TOKEN


class NoSecretsInLogs(unittest.TestCase):
    def test_no_log_contains_a_secret(self):
        files = [os.path.join(LOG_ROOT, f) for f in os.listdir(LOG_ROOT)]
        self.assertTrue(files, "no logs were collected; the check would be empty")
        total = 0
        for path in files:
            with open(path, "rb") as f:
                data = f.read()
            total += data.count(b"\n")
            self.assertNotIn(TOKEN.encode(), data, path)
            self.assertNotIn(API_KEY.encode(), data, path)
        self.assertGreater(total, 100, "too few log lines to be a meaningful check")


if __name__ == "__main__":
    unittest.main()
