"""API.md section 1: erpd's command line (--version, --help, errors)."""

import unittest

from harness import run_erpd


class CliTest(unittest.TestCase):

    def test_version(self):
        p = run_erpd(["--version"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("erpd "), repr(p.stdout))
        self.assertEqual(len(p.stdout.splitlines()), 1, repr(p.stdout))

    def test_help(self):
        p = run_erpd(["--help"])
        self.assertEqual(p.returncode, 0, p.stderr)
        text = p.stdout + p.stderr
        for word in ("serve", "migrate", "backup"):
            self.assertIn(word, text)

    def test_unknown_subcommand(self):
        p = run_erpd(["frobnicate"])
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertRegex(p.stderr, r"(?i)usage")
        self.assertEqual(p.stdout, "")

    def test_unknown_option(self):
        p = run_erpd(["--frobnicate"])
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertRegex(p.stderr, r"(?i)usage")

    def test_backup_without_path(self):
        p = run_erpd(["backup"])
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertRegex(p.stderr, r"(?i)usage")


if __name__ == "__main__":
    unittest.main()
