"""Black-box test of the notes module on erpd's installed test kit
(<prefix>/share/erpd/testkit/erpd_testkit.py): starts erpd with notes.so
in a fresh ERP_MODULES_DIR, two organizations and members in each role,
and calls the module's endpoints.

Environment:
  ERPD_BIN          the erpd to run (default: erpd on PATH); its prefix
                    holds the test kit
  ERPD_TESTKIT      the kit's folder, if not under ERPD_BIN's prefix
  NOTES_SO          the built module (default: ../build/notes.so)
  ERPD_EXTRA_MODULES  a directory whose *.so are loaded too (optional,
                    e.g. erpd's own build/modules, to check nothing clashes)
  ERP_POLICIES_DIR  passed on when set (where erpd's base.lua is)

Run: python3 -m unittest -v test_notes   (from this folder)
"""

import os
import shutil
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
NOTES_SO = os.environ.get("NOTES_SO") or os.path.join(
    HERE, "..", "build", "notes.so")


def kit_dir():
    """Where the installed erpd keeps its test kit."""
    if os.environ.get("ERPD_TESTKIT"):
        return os.environ["ERPD_TESTKIT"]
    erpd = os.environ.get("ERPD_BIN") or shutil.which("erpd") or "erpd"
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(erpd)))
    return os.path.join(prefix, "share", "erpd", "testkit")


sys.path.insert(0, kit_dir())
from erpd_testkit import NO_LIMIT, OrgFixture, ServerTestCase  # noqa: E402


def server_env():
    env = dict(NO_LIMIT)
    if os.environ.get("ERP_POLICIES_DIR"):
        env["ERP_POLICIES_DIR"] = os.environ["ERP_POLICIES_DIR"]
    return env


class NotesModule(OrgFixture, ServerTestCase):

    modules = [NOTES_SO] + ([os.environ["ERPD_EXTRA_MODULES"]]
                            if os.environ.get("ERPD_EXTRA_MODULES") else [])
    server_env = server_env()

    def note(self, who="manager", org=None, **fields):
        body = {"title": "First", "body": "Hello"}
        body.update(fields)
        r = self.call(who, "POST", "/notes", body, org=org)
        self.assertEqual(r.status, 201, repr(r))
        return r.json

    def test_loaded(self):
        self.assertIn("module notes loaded from", self.server.stderr())

    def test_api_document(self):
        """The server's OpenAPI document holds the module's routes, with
        the permission each needs and the note schema of the fragment."""
        r = self.server.get("/api/v1/openapi.json")
        self.assertEqual(r.status, 200, repr(r))
        paths, schemas = r.json["paths"], r.json["components"]["schemas"]
        notes = "/api/v1/orgs/{org}/notes"
        self.assertEqual(paths[notes]["get"]["x-erp-permission"],
                         "note:read")
        post = paths[notes]["post"]
        self.assertEqual(post["x-erp-permission"], "note:create")
        self.assertIn("201", post["responses"])
        self.assertEqual(post["requestBody"]["content"]["application/json"]
                         ["schema"]["$ref"],
                         "#/components/schemas/note_create")
        self.assertIn("title", schemas["note_create"]["required"])
        self.assertIn("get", paths[notes + "/{id}"])
        self.assertIn("title", schemas["note"]["properties"])

    def test_create_list_get(self):
        note = self.note()
        self.assertEqual((note["title"], note["body"]), ("First", "Hello"))
        self.assertEqual((note["pinned"], note["words"]), (False, 1))
        r = self.call("viewer", "GET", "/notes")
        self.assertEqual(r.status, 200, repr(r))
        self.assertIn(note, r.json["items"])
        r = self.call("viewer", "GET", "/notes/%d" % note["id"])
        self.assertEqual((r.status, r.json), (200, note))

    def test_hook_and_declared_list(self):
        note = self.note(body="one two  three", pinned=True)
        self.assertEqual(note["words"], 3)
        r = self.call("manager", "PATCH", "/notes/%d" % note["id"],
                      {"body": "a b"})
        self.assertEqual((r.status, r.json["words"]), (200, 2))
        r = self.call("manager", "PATCH", "/notes/%d" % note["id"],
                      {"words": 9})
        self.assertFields(r, {"words": None})
        r = self.call("viewer", "GET", "/notes?pinned=true&sort=-words")
        self.assertEqual(r.status, 200, repr(r))
        self.assertIn(note["id"], [n["id"] for n in r.json["items"]])
        r = self.call("viewer", "GET", "/notes?colour=red")
        self.assertFields(r, {"colour": None})

    def test_fragment_grants_the_base_roles(self):
        r = self.call("admin", "GET", "/roles")
        self.assertEqual(r.status, 200, repr(r))
        roles = {x["name"]: x["permissions"] for x in r.json["items"]}
        self.assertIn("note:*", roles["manager"])
        self.assertIn("note:read", roles["viewer"])
        # a viewer member reads notes but may not write them
        self.assertEqual(self.call("viewer", "GET", "/notes").status, 200)
        r = self.call("viewer", "POST", "/notes", {"title": "no"})
        self.assertError(r, 403, "forbidden")

    def test_api_key_acts_with_its_role(self):
        key = self.api_key(self.org_a, "viewer")
        self.assertEqual(self.call_key(key, "GET", "/notes").status, 200)
        r = self.call_key(key, "POST", "/notes", {"title": "no"})
        self.assertError(r, 403, "forbidden")

    def test_organizations_kept_apart(self):
        note = self.note()
        # outsider manages organization B only
        r = self.call("outsider", "GET", "/notes/%d" % note["id"],
                      org=self.org_b)
        self.assertError(r, 404, "not_found")
        r = self.call("outsider", "GET", "/notes")
        self.assertError(r, 403, "forbidden")

    def test_host_checks_before_the_handler(self):
        self.assertUnauthenticated(self.server.api(
            "GET", self.org_path("/notes")))
        r = self.call("manager", "POST", "/notes", {"title": ""})
        self.assertFields(r, {"title": None})
        r = self.call("manager", "POST", "/notes", {"title": "x", "id": 5})
        self.assertFields(r, {"id": None})
        r = self.call("viewer", "GET", "/notes/999999")
        self.assertError(r, 404, "not_found")


if __name__ == "__main__":
    unittest.main()
