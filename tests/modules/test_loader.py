"""docs/modules.md and STYLE A2, A3: the module loader and the pipeline
module routes run in, seen from outside with the fixture modules of this
folder.

Each refused fixture is put next to the shipped products.so in a fresh
ERP_MODULES_DIR; erpd must stop at start-up with exit code 1 and one
error line naming the fixture's file and the reason, before any of the
fixture's code (its init) ran. The echo fixture loads; its route shows
that credentials, membership, the body's parse, the load, the policy and
the schema all came before its handler, inside the host's transaction,
and that its SQL cannot run PRAGMA, ATTACH, transaction control or DDL.

Environment (set by CTest): ERPD_BIN, ERPD_SOURCE_DIR,
ERPD_FIXTURE_MODULES_DIR (this folder's build output),
ERPD_SHIPPED_MODULES_DIR (the build's modules dir, for products.so).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import (IdentityMixin, ServerTestCase, SOURCE_DIR, free_port,
                     json_lines, run_erpd)

FIXTURES = os.environ.get("ERPD_FIXTURE_MODULES_DIR") or os.path.join(
    SOURCE_DIR, "build", "tests", "modules", "fixtures")
SHIPPED = os.environ.get("ERPD_SHIPPED_MODULES_DIR") or os.path.join(
    SOURCE_DIR, "build", "modules")
INIT_MARK = "FIXTURE INIT RAN"     # fixture.h's FIXTURE_INIT_MARK
ORGS = "/api/v1/orgs"


def fixture(name):
    return os.path.join(FIXTURES, name + ".so")


def products_so():
    return os.path.join(SHIPPED, "products.so")


class LoaderRefusals(unittest.TestCase):
    """One erpd start per fixture; none of them may come up."""

    def start(self, files):
        """Starts `erpd serve` on a modules dir holding files ({name in
        the dir: source path or bytes}); returns (exit code, parsed stderr
        lines, raw stderr, the dir). erpd that keeps running fails."""
        tmp = tempfile.mkdtemp(prefix="erpd-mod-")
        self.addCleanup(shutil.rmtree, tmp, True)
        mods = os.path.join(tmp, "modules")
        os.mkdir(mods)
        for name, src in files.items():
            dest = os.path.join(mods, name)
            if isinstance(src, bytes):
                with open(dest, "wb") as f:
                    f.write(src)
            else:
                shutil.copy(src, dest)
        env = {"ERP_ENV": "development",
               "ERP_DATA_DIR": os.path.join(tmp, "data"),
               "ERP_MODULES_DIR": mods,
               "ERP_LISTEN": "127.0.0.1:%d" % free_port()}
        try:
            p = run_erpd(["serve"], env=env, timeout=30, cwd=tmp)
        except subprocess.TimeoutExpired:
            self.fail("erpd kept running with %s in ERP_MODULES_DIR"
                      % sorted(files))
        return p.returncode, json_lines(p.stderr), p.stderr, mods

    def assertRefused(self, files, culprit, reason):
        """erpd exits 1; its one error line, the last line, is
        "<dir>/<culprit>: <reason>" (reason a regex matching the rest);
        no refused module's init ran."""
        rc, lines, raw, mods = self.start(files)
        self.assertEqual(rc, 1, raw)
        self.assertNotIn(INIT_MARK, raw, "a refused module's init ran")
        self.assertTrue(lines, "nothing on stderr")
        self.assertNotIn(None, lines, "a stderr line that is not JSON:\n"
                         + raw)
        errors = [ln for ln in lines if ln.get("level") == "error"]
        self.assertEqual(len(errors), 1, raw)
        self.assertIs(errors[0], lines[-1], raw)
        self.assertEqual(errors[0].get("level"), "error", raw)
        msg = errors[0].get("msg", "")
        self.assertNotIn("\n", msg)
        self.assertRegex(msg, "^" + re.escape(os.path.join(mods, culprit))
                         + ": " + reason + "$")
        self.assertFalse(any("listening" in ln.get("msg", "")
                             for ln in lines), raw)
        return msg, lines

    def refuse_fixture(self, name, reason):
        """name.so next to products.so is refused for reason, and it is
        the only line that names the fixture's file."""
        msg, lines = self.assertRefused(
            {"products.so": products_so(), name + ".so": fixture(name)},
            name + ".so", reason)
        naming = [ln for ln in lines if name + ".so" in ln.get("msg", "")]
        self.assertEqual(naming, [lines[-1]])
        return msg

    # -- the descriptor, checked before any of the module's code runs ------

    def test_abi_major_newer(self):
        self.refuse_fixture("abi_future", re.escape(
            "built for module ABI 3.0, erpd provides 2.3"))

    def test_abi_1_module(self):
        self.refuse_fixture("abi_v1", re.escape(
            "built for module ABI 1.0, erpd provides 2.3"))

    def test_abi_minor_newer(self):
        self.refuse_fixture("abi_minor_newer", re.escape(
            "built for module ABI 2.99, erpd provides 2.3"))

    def test_descriptor_smaller_than_v2(self):
        self.refuse_fixture("abi_too_small", re.escape(
            "descriptor of 12 bytes is smaller than ABI 2.0's"))

    def test_bad_version(self):
        self.refuse_fixture("bad_version", re.escape(
            "module bad_version has no version of the form "
            "MAJOR.MINOR[.PATCH]"))

    # -- declared resources: the declaration, then the table --------------

    def test_bad_declaration(self):
        self.refuse_fixture("bad_declaration", re.escape(
            "resource memo: transition archive is malformed (name, from, "
            "to or permission)"))

    def test_rows_of_an_undeclared_resource(self):
        self.refuse_fixture("bad_rows", re.escape(
            "rows items of memo_list are malformed (a resource of this "
            "module, a name no field has, table, owner, fields, or min "
            "and max within 0 to 1000)"))

    def test_table_does_not_match_declaration(self):
        self.refuse_fixture("bad_table", re.escape(
            "resource memo: table memos does not match the declaration (")
            + r".*\bbody\b.*\)")

    def test_policy_file_error_names_file_and_line(self):
        rc, lines, raw, _ = self.start({"products.so": products_so(),
                                        "bad_lua.so": fixture("bad_lua")})
        self.assertEqual(rc, 1, raw)
        self.assertNotIn(INIT_MARK, raw)
        errors = [ln for ln in lines if ln and ln.get("level") == "error"]
        self.assertEqual(len(errors), 1, raw)
        self.assertIn("bad_lua.lua:3:", errors[0]["msg"])

    # -- dependencies: all loaded, then checked before anything runs -------

    def test_missing_export(self):
        self.assertRefused(
            {"products.so": products_so(), "tickets.so": fixture("tickets"),
             "missing_export.so": fixture("missing_export")},
            "missing_export.so", re.escape(
                "module missing_export imports tickets_delete_all, which "
                "module tickets does not export"))


    def test_missing_dependency(self):
        self.refuse_fixture("missing_dep", re.escape(
            "module missing_dep needs module warehouses 1.2, which is not "
            "loaded"))

    def test_incompatible_dependency(self):
        self.refuse_fixture("old_dep", re.escape(
            "module old_dep needs module products 2.1, but products 1.1.0 "
            "is loaded"))

    def test_not_a_module(self):
        self.refuse_fixture("not_a_module", re.escape(
            "not an erpd module (no erp_module symbol)"))

    def test_not_a_shared_object(self):
        self.assertRefused({"products.so": products_so(),
                            "junk.so": b"this is no ELF file\n"},
                           "junk.so", r"cannot load: .+")

    def test_bad_module_name(self):
        self.refuse_fixture("bad_name", re.escape(
            'module name must be 1 to 32 of a-z 0-9 _ and not "core"'))

    # -- routes: unsafe or malformed ones never load -----------------------

    def test_route_without_permission(self):
        self.refuse_fixture("no_permission", re.escape(
            "route /open-door has no permission and is not marked public"))

    def test_permission_without_action(self):
        self.refuse_fixture("bad_permission", re.escape(
            'route /bad-permission: "product" is not a permission '
            "(resource:action)"))

    def test_permission_with_wildcard(self):
        self.refuse_fixture("wildcard_permission", re.escape(
            'route /wildcard-permission: "product:*" is not a permission '
            "(resource:action)"))

    def test_public_route_with_permission(self):
        self.refuse_fixture("public_permission", re.escape(
            "route /public-permission is public but names a permission"))

    # -- clashes with the shipped products module ---------------------------

    def test_duplicate_name_loaded_first(self):
        # dup_name.so sorts before products.so: the shipped one is the
        # second "products", and the line names both files
        msg, _ = self.assertRefused(
            {"products.so": products_so(), "dup_name.so": fixture("dup_name")},
            "products.so", r"a module named products is already loaded "
            r"\(.*/dup_name\.so\)")
        self.assertIn("dup_name.so", msg)

    def test_duplicate_name_loaded_second(self):
        self.assertRefused(
            {"products.so": products_so(),
             "zz_dup_name.so": fixture("dup_name")},
            "zz_dup_name.so", r"a module named products is already loaded "
            r"\(.*/products\.so\)")

    ROUTE_CLASH = re.escape("route /api/v1/orgs/{org}/products clashes "
                            "with /api/v1/orgs/{org}/products") + \
        r" \(registered by [^)]+\.so\)"

    def test_duplicate_route_registered_second(self):
        # zz_ sorts after products.so; its "loaded" info line comes before
        # the routes are registered, so only the error line is counted
        self.assertRefused(
            {"products.so": products_so(),
             "zz_dup_route.so": fixture("dup_route")},
            "zz_dup_route.so", self.ROUTE_CLASH)

    def test_duplicate_route_registered_first(self):
        # Core bug: when the intruder sorts first, its route is taken and
        # the clash line blames products.so without naming dup_route.so.
        msg, _ = self.assertRefused(
            {"products.so": products_so(), "dup_route.so": fixture("dup_route")},
            "products.so", self.ROUTE_CLASH)
        self.assertIn("dup_route.so", msg)


class Abi20Module(unittest.TestCase):
    """A module built for ABI 2.0 loads on 2.3: its shorter routes are
    read at their own size (docs/modules.md, section 3)."""

    def test_routes_read_whole(self):
        tmp = tempfile.mkdtemp(prefix="erpd-mod-")
        self.addCleanup(shutil.rmtree, tmp, True)
        mods = os.path.join(tmp, "modules")
        os.mkdir(mods)
        shutil.copy(products_so(), mods)
        shutil.copy(fixture("abi_2_0"), mods)
        p = run_erpd(["openapi"], env={
            "ERP_DATA_DIR": os.path.join(tmp, "data"),
            "ERP_MODULES_DIR": mods})
        self.assertEqual(p.returncode, 0, p.stderr)
        paths = json.loads(p.stdout)["paths"]
        first = paths["/api/v1/orgs/{org}/old-things"]["get"]
        second = paths["/api/v1/orgs/{org}/old-things/{id}/poke"]["post"]
        self.assertEqual(first["summary"], "The first route of a 2.0 module")
        self.assertEqual(second["summary"],
                         "The second route of a 2.0 module")
        self.assertEqual(first["x-erp-permission"], "thing:read")
        self.assertEqual(second["x-erp-permission"], "thing:poke")
        body = first["responses"]["200"]["content"]["application/json"]
        self.assertEqual(body["schema"]["properties"],
                         {"first": {"type": "integer"}})
        body = second["responses"]["202"]["content"]["application/json"]
        self.assertEqual(body["schema"]["properties"],
                         {"second": {"type": "string"}})
        # a 2.0 route declares no query: none is read past its end
        for op in (first, second):
            self.assertEqual([q for q in op.get("parameters", [])
                              if q["in"] == "query"], [])


class EchoModule(IdentityMixin, ServerTestCase):
    """products.so and echo.so in ERP_MODULES_DIR; echo reports what its
    loader and handler saw, so each pipeline step can be placed."""

    server_env = {"ERP_LOGIN_RATE": "1000/minute"}

    @classmethod
    def prepare_class(cls, tmp):
        mods = os.path.join(tmp, "modules")
        os.mkdir(mods)
        shutil.copy(products_so(), mods)
        shutil.copy(fixture("echo"), mods)
        return {"ERP_MODULES_DIR": mods}

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        r = cls.server.api("POST", ORGS, {"name": "Echo", "slug": "echo"},
                           token=cls.admin_token)
        if r.status != 201:
            raise AssertionError("creating the organization: %r" % r)
        cls.org = r.json["id"]
        cls.base = "%s/%d" % (ORGS, cls.org)
        cls.tokens = {}
        for name, role in (("viewer", "viewer"), ("manager", "manager"),
                           ("outsider", None)):
            pw = "%s-Echo-Passw0rd-1" % name.capitalize()
            email = "%s@echo.example" % name
            user = cls.create_user(email, pw, name)
            cls.tokens[name] = cls.keep(cls.server.token(email, pw))
            if role is not None:
                cls.add_member(cls.org, user["id"], role)

    def call(self, method, path, body=None, who="admin", headers=None):
        token = self.admin_token if who == "admin" else (
            None if who is None else self.tokens[who])
        return self.server.api(method, self.base + path, body, token=token,
                               headers=headers)

    def counters(self):
        r = self.call("GET", "/echo/seen")
        self.assertEqual(r.status, 200, repr(r))
        return r.json

    def assertSteps(self, before, loads, handled, rows=0):
        """The loader and handler ran this many more times since before."""
        now = self.counters()
        self.assertEqual(now["loads"] - before["loads"], loads,
                         "loads %r -> %r" % (before, now))
        self.assertEqual(now["handled"] - before["handled"], handled,
                         "handled %r -> %r" % (before, now))
        self.assertEqual(now["rows"] - before["rows"], rows,
                         "rows %r -> %r" % (before, now))

    def test_loaded_with_products(self):
        log = self.server.stderr()
        self.assertIn("module echo loaded from", log)
        self.assertIn("module products loaded from", log)
        self.assertIn("db: applied migration echo/0001_echo", log)

    def test_modules_list(self):
        # any authenticated user, member of no organization or not
        for who in ("viewer", "outsider", "admin"):
            token = self.admin_token if who == "admin" else self.tokens[who]
            r = self.server.api("GET", "/api/v1/modules", token=token)
            self.assertEqual(r.status, 200, repr(r))
            self.assertEqual(r.json, {"items": [
                {"name": "echo", "version": "1.0.0", "abi": "2.3"},
                {"name": "products", "version": "1.1.0", "abi": "2.3"}]})
        r = self.server.api("GET", "/api/v1/modules")
        self.assertError(r, 401, "unauthenticated")

    # -- each step answers before the next one runs -------------------------

    def test_route_before_credentials(self):
        before = self.counters()
        r = self.call("PUT", "/echo", {"message": "x"}, who=None)
        self.assertError(r, 405, "method_not_allowed")
        self.assertIn("POST", r.headers.get("allow", ""))
        r = self.call("POST", "/echo/nowhere", {"message": "x"}, who=None)
        self.assertError(r, 404, "not_found")
        self.assertSteps(before, 0, 0)

    def test_credentials_401(self):
        before = self.counters()
        r = self.call("POST", "/echo", {"message": ""}, who=None)
        self.assertUnauthenticated(r)
        self.assertSteps(before, 0, 0)

    def test_membership_403_before_body_checks(self):
        before = self.counters()
        for body, headers in (({"message": "hi"}, None),
                              ({"message": ""}, None),
                              ("{not json", None),
                              ("x", {"Content-Type": "text/plain"})):
            r = self.call("POST", "/echo", body, who="outsider",
                          headers=headers)
            err = self.assertError(r, 403, "forbidden")
            self.assertIn("not a member", err["message"])
        self.assertSteps(before, 0, 0)

    def test_content_type_and_json_before_load(self):
        before = self.counters()
        r = self.call("POST", "/echo", "x",
                      headers={"Content-Type": "text/plain"})
        self.assertError(r, 415, "unsupported_media_type")
        r = self.call("POST", "/echo", '{"message": ')
        self.assertError(r, 400, "malformed_json")
        r = self.call("POST", "/echo", '{"message": "a", "message": "b"}')
        self.assertError(r, 400, "malformed_json")
        self.assertSteps(before, 0, 0)

    def test_policy_after_load_before_validation(self):
        # a viewer may read echoes but not create them: the body breaks
        # the schema, yet the answer is the policy's, after the load
        before = self.counters()
        r = self.call("POST", "/echo", {"message": "", "bogus": 1},
                      who="viewer")
        err = self.assertError(r, 403, "forbidden")
        self.assertEqual(err["message"], "role viewer may not echo:create")
        self.assertSteps(before, 1, 0)

    def test_validation_422_before_handler(self):
        before = self.counters()
        cases = (
            ({"message": ""}, {"message": "min_len"}),
            ({"count": 1}, {"message": "required"}),
            ({"message": "hi", "count": 11}, {"count": "max"}),
            ({"message": "hi", "count": "3"}, {"count": "type"}),
            ({"message": "hi", "extra": True}, {"extra": "unknown"}),
            ({"message": "hi", "id": 4}, {"id": None}),
            ({"message": "hi", "org_id": 4}, {"org_id": None}),
        )
        for body, fields in cases:
            with self.subTest(body=body):
                self.assertFields(self.call("POST", "/echo", body), fields)
        self.assertSteps(before, len(cases), 0)

    def test_handler_sees_every_step_done(self):
        before = self.counters()
        sent = {"message": "hello", "count": 3}
        r = self.call("POST", "/echo", sent)
        self.assertEqual(r.status, 200, repr(r))
        self.assertSecurityHeaders(r)
        got = r.json
        self.assertIs(got["loaded"], True)
        self.assertEqual(got["body"], sent)
        # the load came after membership and the body's parse
        self.assertEqual(got["load"]["role"], "admin")
        self.assertEqual(got["load"]["org"], self.org)
        self.assertIs(got["load"]["body"], True)
        self.assertEqual(got["load"]["seq"], before["loads"] + 1)
        # the handler runs in the host's write transaction
        self.assertEqual(got["handler"]["txn"], "write")
        self.assertEqual(got["handler"]["role"], "admin")
        self.assertSteps(before, 1, 1, rows=1)
        # and its audit entry was committed with its row
        r = self.call("GET", "/audit?action=echo.create&limit=500")
        self.assertEqual(r.status, 200, repr(r))
        ids = [e.get("resource_id") for e in r.json["items"]]
        self.assertIn(str(got["id"]), ids)

    def test_fragment_grants_base_role(self):
        # the fragment added echo:* to manager; the base knows no echo
        r = self.call("POST", "/echo", {"message": "from a manager"},
                      who="manager")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["handler"]["role"], "manager")
        r = self.call("GET", "/echo/seen", who="viewer")
        self.assertEqual(r.status, 200, repr(r))
        r = self.server.api("GET", self.base + "/roles", token=self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        roles = {x["name"]: x["permissions"] for x in r.json["items"]}
        self.assertIn("echo:*", roles["manager"])
        self.assertIn("echo:read", roles["viewer"])
        self.assertNotIn("echo:create", roles["viewer"])

    def test_error_reply_rolls_back(self):
        # the handler inserts, audits, then answers 409: both are undone
        r = self.call("GET", "/audit?action=echo.create&limit=500")
        audited = r.json["total"]
        before = self.counters()
        r = self.call("POST", "/echo", {"message": "rollback"})
        self.assertFields(r, {"message": None}, status=409, code="conflict")
        self.assertSteps(before, 1, 1, rows=0)
        r = self.call("GET", "/audit?action=echo.create&limit=500")
        self.assertEqual(r.json["total"], audited, repr(r))

    # -- the SQL authorizer --------------------------------------------------

    def test_sql_authorizer(self):
        r = self.call("GET", "/echo/sql")
        self.assertEqual(r.status, 200, repr(r))
        probes = r.json
        for sql in ("SELECT 1", "SELECT count(*) FROM echo_log"):
            self.assertEqual(probes.pop(sql), "prepared", sql)
        # /echo/sql is a GET: it runs read-only, so even a plain INSERT is
        # refused there (the same statement works on a write route)
        self.assertEqual(probes.pop("INSERT INTO echo_log (org_id, message) "
                                    "VALUES (0, 'x')"), "refused")
        self.assertTrue(probes)
        for sql, verdict in probes.items():
            with self.subTest(sql=sql):
                self.assertEqual(verdict, "refused")
        for word in ("PRAGMA user_version", "ATTACH", "BEGIN", "COMMIT",
                     "SAVEPOINT", "CREATE TABLE", "DROP TABLE"):
            self.assertTrue(any(s.startswith(word) for s in probes), word)
        # the refused statements never ran: the table is still there
        self.counters()

    # -- a list's page, answered by the host ---------------------------------

    def test_reply_page(self):
        r = self.call("GET", "/echo/page", who="viewer")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json, {"items": [{"n": 1}, {"n": 2}], "total": 2,
                                  "limit": 50, "offset": 0})
        # the host binds the statement's last two ? to ?limit= and ?offset=
        r = self.call("GET", "/echo/page?limit=1&offset=1")
        self.assertEqual(r.json, {"items": [{"n": 2}], "total": 2,
                                  "limit": 1, "offset": 1})
        for q, field in (("limit=0", "limit"), ("limit=501", "limit"),
                         ("offset=-1", "offset"), ("limit=x", "limit")):
            with self.subTest(query=q):
                self.assertFields(self.call("GET", "/echo/page?" + q),
                                  {field: None})

    def test_reply_page_failed_step_is_500(self):
        # a failed count, a count without a row, and rows that fail after
        # the first was read: each a 500, never a 200 with a short page
        for fail, why in (("count", "count"), ("none", "count"),
                          ("rows", "rows")):
            with self.subTest(fail=fail):
                r = self.call("GET", "/echo/page?fail=" + fail)
                self.assertError(r, 500, "internal")
                logged = [x.get("msg") for x in json_lines(
                    self.server.stderr()) if isinstance(x, dict) and
                    x.get("request_id") == r.request_id]
                self.assertEqual(logged, ["module: a list's " + why])
        self.assertIn("integer overflow", self.server.stderr())

    # -- other route kinds ----------------------------------------------------

    def test_public_route_needs_no_credentials(self):
        r = self.call("POST", "/echo/public", {"message": "anyone"}, who=None)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["echo"], {"message": "anyone"})
        # nobody was authenticated, so no subject and no organization
        self.assertIsNone(r.json["role"])
        self.assertEqual(r.json["subject"], 0)
        self.assertEqual(r.json["org"], 0)

    # -- bugs found here, fixed in the core: each stays tested ---------------

    def test_schema_route_without_body_is_validated(self):
        # Core bug: with no body at all the schema step is skipped, so a
        # required field never reaches the check (products.so crashes).
        before = self.counters()
        r = self.call("POST", "/echo", None)
        self.assertFields(r, {"message": "required"})
        self.assertSteps(before, 1, 0)

    def test_load_runs_in_the_write_transaction(self):
        # Core bug: on a write route the loader reads in the request's
        # read snapshot, which the host commits before BEGIN IMMEDIATE;
        # the record the policy decided on can change before the handler
        # writes (confirming an order whose total just grew).
        r = self.call("POST", "/echo", {"message": "tx"})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["handler"]["txn"], "write")
        self.assertEqual(r.json["load"]["txn"], "write")

    def test_loaded_integers_reach_the_policy(self):
        # Core bug: erp_json_int makes a cJSON raw item, which the policy
        # sees as nil, so rules on a record's integers (total_cents) fail.
        r = self.call("POST", "/echo/int", {})
        self.assertEqual(r.status, 200, repr(r))

    def test_public_route_schema_is_enforced(self):
        # Core bug: a public route's schema is never checked.
        r = self.call("POST", "/echo/public", {"message": ""}, who=None)
        self.assertFields(r, {"message": "min_len"})

    def test_system_route_permission_is_enforced(self):
        # Core bug: a system route's permission (and schema) are never
        # checked: any authenticated user reaches its handler.
        r = self.server.api("POST", "/api/v1/echo-system",
                            {"message": "x"}, token=self.tokens["outsider"])
        self.assertError(r, 403, "forbidden")


if __name__ == "__main__":
    unittest.main()
