"""contrib/systemd: the hardened units and the backup script they run.

systemd-analyze rates each unit's exposure offline (no systemd needed at
run time); erpd.service must stay at 2.0 or below. The backup script
runs against a real erpd database and keeps only the newest copies."""

import os
import re
import sqlite3
import subprocess
import tempfile
import unittest
import shutil

BUILD = os.environ["ERPD_BUILD_DIR"]
UNITS = os.path.join(BUILD, "contrib", "systemd")
ERPD_BIN = os.environ["ERPD_BIN"]


def exposure(unit):
    p = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                        "--no-pager", os.path.join(UNITS, unit)],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout)
    if m is None:
        raise AssertionError("no rating:\n" + p.stdout + p.stderr)
    return float(m.group(1)), p.stdout


def directives(unit):
    with open(os.path.join(UNITS, unit)) as f:
        return [ln.strip() for ln in f
                if re.match(r"^[A-Z]\w*=", ln.strip())]


class UnitTest(unittest.TestCase):

    def test_erpd_service_exposure_at_most_2(self):
        score, text = exposure("erpd.service")
        self.assertLessEqual(score, 2.0, text)

    def test_backup_service_exposure_at_most_2(self):
        score, text = exposure("erpd-backup.service")
        self.assertLessEqual(score, 2.0, text)

    def test_erpd_service_runs_confined_as_erpd(self):
        d = directives("erpd.service")
        for want in ("User=erpd", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "ProtectHome=yes",
                     "PrivateTmp=yes", "PrivateDevices=yes",
                     "MemoryDenyWriteExecute=yes", "CapabilityBoundingSet=",
                     "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                     "SystemCallFilter=@system-service",
                     "EnvironmentFile=/etc/erpd/erpd.env",
                     "StateDirectory=erpd", "KillSignal=SIGTERM"):
            self.assertIn(want, d)
        exec_start = [x for x in d if x.startswith("ExecStart=")]
        self.assertEqual(len(exec_start), 1)
        # the installed binary, never one in a build or source tree
        self.assertRegex(exec_start[0], r"^ExecStart=/\S+/bin/erpd serve$")
        self.assertNotIn(BUILD, exec_start[0])
        # the drain (30 s in erpd) ends before systemd would kill it
        stop = [x for x in d if x.startswith("TimeoutStopSec=")]
        self.assertEqual(stop, ["TimeoutStopSec=60"])


class BackupScriptTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="erpd-backup-")
        self.addCleanup(shutil.rmtree, self.tmp)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("ERP_")}
        self.env.update({"ERP_ENV": "development",
                         "ERP_DATA_DIR": os.path.join(self.tmp, "data"),
                         "ERP_BACKUP_DIR": os.path.join(self.tmp, "bk"),
                         "ERPD_BIN": ERPD_BIN})
        p = subprocess.run([ERPD_BIN, "migrate"], env=self.env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)

    def backup(self, keep=None):
        env = dict(self.env)
        if keep is not None:
            env["ERP_BACKUP_KEEP"] = keep
        return subprocess.run([os.path.join(UNITS, "erpd-backup")], env=env,
                              capture_output=True, text=True, timeout=60)

    def test_keeps_the_newest_copies(self):
        names = []
        for _ in range(4):
            p = self.backup(keep="2")
            self.assertEqual(p.returncode, 0, p.stderr)
            names.append(re.search(r"wrote \S+/(erp-\S+\.db)",
                                   p.stdout).group(1))
        left = sorted(os.listdir(self.env["ERP_BACKUP_DIR"]))
        self.assertEqual(left, sorted(names[2:]))
        for n in left:
            path = os.path.join(self.env["ERP_BACKUP_DIR"], n)
            self.assertEqual(os.stat(path).st_mode & 0o077, 0)
            with sqlite3.connect("file:%s?mode=ro" % path, uri=True) as db:
                self.assertEqual(db.execute(
                    "PRAGMA integrity_check").fetchone()[0], "ok")
                self.assertGreater(db.execute(
                    "SELECT count(*) FROM sqlite_master").fetchone()[0], 0)

    def test_bad_retention_is_refused(self):
        for bad in ("0", "-1", "ten", "3x"):
            p = self.backup(keep=bad)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn("ERP_BACKUP_KEEP", p.stderr)
            self.assertFalse(os.path.exists(self.env["ERP_BACKUP_DIR"]))

    def test_a_failed_backup_leaves_nothing(self):
        env = dict(self.env)
        env["ERP_DB_SYNC"] = "sometimes"	# erpd refuses to start
        p = subprocess.run([os.path.join(UNITS, "erpd-backup")], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(os.listdir(self.env["ERP_BACKUP_DIR"]), [])


if __name__ == "__main__":
    unittest.main()
