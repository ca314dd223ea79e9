"""Black-box test of the notes module: starts the installed erpd with
notes.so in a fresh ERP_MODULES_DIR and calls its endpoints. Python's
standard library only, so it runs wherever erpd does.

Environment:
  ERPD_BIN          the erpd to run (default: erpd on PATH)
  NOTES_SO          the built module (default: ../build/notes.so)
  ERPD_EXTRA_MODULES  a directory whose *.so are loaded too (optional,
                    e.g. erpd's own build/modules, to check nothing clashes)
  ERP_POLICIES_DIR  passed on when set (where erpd's base.lua is)

Run: python3 -m unittest -v test_notes   (from this folder)
"""

import glob
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ERPD_BIN = os.environ.get("ERPD_BIN") or shutil.which("erpd") or "erpd"
NOTES_SO = os.environ.get("NOTES_SO") or os.path.join(
    HERE, "..", "build", "notes.so")
ADMIN_EMAIL = "admin@notes.example"
ADMIN_PASSWORD = "Notes-Admin-Passw0rd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NotesModule(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="erpd-notes-")
        mods = os.path.join(cls.tmp, "modules")
        os.mkdir(mods)
        shutil.copy(NOTES_SO, os.path.join(mods, "notes.so"))
        extra = os.environ.get("ERPD_EXTRA_MODULES")
        for so in glob.glob(os.path.join(extra, "*.so")) if extra else []:
            shutil.copy(so, mods)
        cls.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("ERP_")}
        env.update({
            "ERP_ENV": "development",
            "ERP_DATA_DIR": os.path.join(cls.tmp, "data"),
            "ERP_LISTEN": "127.0.0.1:%d" % cls.port,
            "ERP_MODULES_DIR": mods,
            "ERP_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "ERP_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        })
        if os.environ.get("ERP_POLICIES_DIR"):
            env["ERP_POLICIES_DIR"] = os.environ["ERP_POLICIES_DIR"]
        cls.log = open(os.path.join(cls.tmp, "stderr.log"), "w+b")
        cls.proc = subprocess.Popen([ERPD_BIN, "serve"], env=env,
                                    stdout=subprocess.DEVNULL,
                                    stderr=cls.log, cwd=cls.tmp)
        deadline = time.monotonic() + 15
        while True:
            if cls.proc.poll() is not None:
                raise AssertionError("erpd exited %d:\n%s" % (
                    cls.proc.returncode, cls.stderr()))
            try:
                if cls.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("erpd did not come up:\n"
                                     + cls.stderr())
            time.sleep(0.05)
        status, body = cls.request("POST", "/api/v1/auth/token", {
            "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert status == 200, body
        cls.token = body["access_token"]
        status, body = cls.request("POST", "/api/v1/orgs", {
            "name": "Notes Inc", "slug": "notes-inc"}, cls.token)
        assert status == 201, body
        cls.notes = "/api/v1/orgs/%d/notes" % body["id"]

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            cls.proc.wait(10)
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def stderr(cls):
        cls.log.seek(0)
        return cls.log.read().decode("utf-8", "replace")

    @classmethod
    def request(cls, method, path, body=None, token=None):
        """(status, parsed JSON body or None)."""
        c = http.client.HTTPConnection("127.0.0.1", cls.port, timeout=30)
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        try:
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
        finally:
            c.close()

    def test_loaded(self):
        self.assertIn("module notes loaded from", self.stderr())

    def test_create_list_get(self):
        status, note = self.request("POST", self.notes, {
            "title": "First", "body": "Hello"}, self.token)
        self.assertEqual(status, 201, note)
        self.assertEqual((note["title"], note["body"]), ("First", "Hello"))
        status, page = self.request("GET", self.notes, token=self.token)
        self.assertEqual(status, 200, page)
        self.assertIn(note, page["items"])
        status, got = self.request("GET", "%s/%d" % (self.notes, note["id"]),
                                   token=self.token)
        self.assertEqual((status, got), (200, note))

    def test_fragment_grants_the_base_roles(self):
        org = self.notes.split("/")[4]
        status, roles = self.request("GET", "/api/v1/orgs/%s/roles" % org,
                                     token=self.token)
        self.assertEqual(status, 200, roles)
        roles = {r["name"]: r["permissions"] for r in roles["items"]}
        self.assertIn("note:*", roles["manager"])
        self.assertIn("note:read", roles["viewer"])
        # a viewer member reads notes but may not write them
        pw = "Notes-Viewer-Passw0rd"
        status, user = self.request("POST", "/api/v1/users", {
            "email": "viewer@notes.example", "name": "Viewer",
            "password": pw, "is_admin": False}, self.token)
        self.assertEqual(status, 201, user)
        status, body = self.request("PUT", "/api/v1/orgs/%s/members/%d" % (
            org, user["id"]), {"role": "viewer"}, self.token)
        self.assertEqual(status, 200, body)
        status, body = self.request("POST", "/api/v1/auth/token", {
            "email": "viewer@notes.example", "password": pw})
        viewer = body["access_token"]
        self.assertEqual(self.request("GET", self.notes, token=viewer)[0], 200)
        status, body = self.request("POST", self.notes, {"title": "no"},
                                    viewer)
        self.assertEqual(status, 403, body)

    def test_host_checks_before_the_handler(self):
        status, body = self.request("GET", self.notes)
        self.assertEqual(status, 401, body)
        status, body = self.request("POST", self.notes, {"title": ""},
                                    self.token)
        self.assertEqual(status, 422, body)
        self.assertEqual(body["error"]["fields"][0]["field"], "title")
        status, body = self.request("POST", self.notes, {
            "title": "x", "id": 5}, self.token)
        self.assertEqual(status, 422, body)
        status, body = self.request("GET", self.notes + "/999999",
                                    token=self.token)
        self.assertEqual(status, 404, body)


if __name__ == "__main__":
    unittest.main()
