"""docs/configuration.md: erpd migrate and erpd backup, and a database newer
than the binary."""

import os
import shutil
import sqlite3
import stat
import tempfile
import unittest

from harness import Server, run_erpd


def migration_rows(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return con.execute("SELECT * FROM schema_migrations").fetchall()
    finally:
        con.close()


def has_core_version(rows, version):
    return any("core" in row and version in row for row in rows)


def insert_future_migration(path, version=9999):
    """Records ('core', version, 'future', <time>) in schema_migrations,
    fitted to whatever columns the table has."""
    con = sqlite3.connect(path)
    try:
        cols = con.execute("PRAGMA table_info(schema_migrations)").fetchall()
        values = []
        for _, name, ctype, _, _, _ in cols:
            name, ctype = name.lower(), (ctype or "").upper()
            if "version" in name:
                values.append(version)
            elif name in ("component", "module", "owner", "scope"):
                values.append("core")
            elif "name" in name:
                values.append("future")
            elif "INT" in ctype:
                values.append(2000000000)
            else:
                values.append("2033-05-18T03:33:20Z")
        if len(cols) == 4 and not any(v == "core" for v in values):
            values = ["core", version, "future", "2033-05-18T03:33:20Z"]
        con.execute("INSERT INTO schema_migrations VALUES (%s)"
                    % ",".join("?" * len(values)), values)
        con.commit()
    finally:
        con.close()


class MigrateTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="erpd-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.data = os.path.join(self.tmp, "data")
        os.mkdir(self.data, 0o700)
        self.env = {"ERP_DATA_DIR": self.data}

    def migrate(self):
        p = run_erpd(["migrate"], env=self.env, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_migrate_creates_the_database(self):
        self.migrate()
        db = os.path.join(self.data, "erp.db")
        self.assertTrue(os.path.isfile(db))
        self.assertEqual(stat.S_IMODE(os.stat(db).st_mode), 0o600)
        rows = migration_rows(db)
        self.assertTrue(has_core_version(rows, 1), rows)

    def test_migrate_twice_is_a_no_op(self):
        self.migrate()
        db = os.path.join(self.data, "erp.db")
        before = migration_rows(db)
        self.migrate()
        self.assertEqual(migration_rows(db), before)

    def test_db_path_overrides_data_dir(self):
        other = os.path.join(self.tmp, "elsewhere.db")
        self.env["ERP_DB_PATH"] = other
        self.migrate()
        self.assertTrue(has_core_version(migration_rows(other), 1))
        self.assertFalse(os.path.exists(os.path.join(self.data, "erp.db")))

    def test_future_schema_refuses_to_serve(self):
        self.migrate()
        insert_future_migration(os.path.join(self.data, "erp.db"))
        srv = Server(tmp=self.tmp)
        self.addCleanup(srv.kill)
        srv.spawn()
        rc = srv.wait(15)
        self.assertEqual(rc, 1, srv.stderr())
        lines = [ln for ln in srv.stderr().splitlines() if "9999" in ln]
        self.assertTrue(lines, srv.stderr())

    def test_future_schema_refuses_to_migrate(self):
        self.migrate()
        insert_future_migration(os.path.join(self.data, "erp.db"))
        p = run_erpd(["migrate"], env=self.env, timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("9999", p.stderr)


class BackupTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.addClassCleanup(cls.server.cleanup)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="erpd-backup-")
        self.addCleanup(shutil.rmtree, self.out, True)

    def backup(self, dest):
        return run_erpd(["backup", dest],
                        env={"ERP_DATA_DIR": self.server.data_dir},
                        timeout=30)

    def test_backup_while_serving(self):
        dest = os.path.join(self.out, "copy.db")
        p = self.backup(dest)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(self.server.running())
        self.assertEqual(self.server.get("/readyz").status, 200)
        self.assertEqual(stat.S_IMODE(os.stat(dest).st_mode), 0o600)
        con = sqlite3.connect("file:%s?mode=ro" % dest, uri=True)
        try:
            self.assertEqual(
                con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            rows = con.execute("SELECT * FROM schema_migrations").fetchall()
        finally:
            con.close()
        self.assertTrue(rows)
        self.assertTrue(has_core_version(rows, 1), rows)
        self.assertFalse(os.path.exists(dest + ".tmp"))

    def test_backup_into_missing_directory(self):
        dest = os.path.join(self.out, "missing", "copy.db")
        p = self.backup(dest)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertFalse(os.path.exists(dest))
        self.assertTrue(p.stderr.strip())


if __name__ == "__main__":
    unittest.main()
