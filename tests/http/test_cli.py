"""docs/configuration.md: erpd's command line (--version, --help, errors)."""

import os
import re
import sqlite3
import unittest

from harness import run_erpd


class CliTest(unittest.TestCase):

    def test_version(self):
        p = run_erpd(["--version"])
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[0], r"^erpd \d+\.\d+\.\d+$")
        libs = {}
        for ln in lines[2:]:
            m = re.match(r"^  (\S+) +(.+?) +(/\S+)$", ln)
            self.assertIsNotNone(m, repr(ln))
            libs[m.group(1)] = (m.group(2), m.group(3))
        for name in ("SQLite", "libsodium", "civetweb", "cJSON", "Lua",
                     "libjwt"):
            self.assertIn(name, libs, p.stdout)
            # the file the loader mapped, not a guess
            self.assertTrue(os.path.isfile(libs[name][1]), libs[name])
        # the same shared library Python's sqlite3 has loaded
        self.assertEqual(libs["SQLite"][0], sqlite3.sqlite_version)
        for name in ("libsodium", "civetweb", "cJSON"):
            self.assertRegex(libs[name][0], r"^\d+\.\d+(\.\d+)?$")
        self.assertRegex(libs["Lua"][0], r"^5\.4 \(release 5\.4\.\d+ built\)$")
        self.assertIn("no run-time version call", libs["libjwt"][0])

    def test_help(self):
        p = run_erpd(["--help"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        # every subcommand the dispatcher takes, and where the variables are
        for cmd in ("serve", "migrate", "backup PATH", "openapi",
                    "audit verify", "policy check FILE [--base]",
                    "user add --email E [--name N] [--admin]", "--version",
                    "--help", "docs/configuration.md"):
            self.assertIn(cmd, p.stdout)

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
