"""docs/policies.md: an organization's own policy over HTTP (GET/PUT
/api/v1/orgs/{org}/policy, …/versions, …/rollback, …/dry-run), who may
use them, that a new version is in force on the very next request, that
nothing hostile can be stored and the server keeps serving; and `erpd
policy check`."""

import concurrent.futures
import json
import os
import re
import sqlite3
import tempfile
import time
import unittest

from harness import IdentityMixin, ServerTestCase, SOURCE_DIR, run_erpd

NO_LIMIT = {"ERP_LOGIN_RATE": "1000/minute"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FIXTURES = os.path.join(SOURCE_DIR, "tests", "policy")
POLICY_SOURCE_MAX = 256 * 1024
TESTS_MAX = 1000        # self-tests a policy may hold (docs/policies.md)
INSTRUCTIONS = 1000000  # one evaluation's budget, and so one test's
TESTS_INSTRUCTIONS = 10 * INSTRUCTIONS  # all of a policy's tests together
PASSWORD = "Policy-Test-Passw0rd"

# Viewers may also read the audit log (an action the org policy decides).
VIEWER_AUDITS = """
roles = {
  viewer = extend(base.roles.viewer,
                  { [#base.roles.viewer + 1] = "audit:read" }),
}
"""

ORDER_APPROVAL = """
function allow(subject, action, resource, context)
  if action == "order:confirm" and (resource.total_cents or 0) > 1000000
      and subject.role ~= "manager" then
    return false, "orders over 10 000.00 need a manager"
  end
  return base.allow(subject, action, resource, context)
end
"""


def many_tests(n):
    """A short source whose loop makes n self-tests."""
    return ("tests = {}\n"
            "for i = 1, %d do tests[i] = function()\n"
            "  expect_deny({ id = 1, kind = 'user', role = 'viewer' },\n"
            "    'policy:manage', { type = 'policy' })\n"
            "end end\n" % n)


def looping_tests(n, steps):
    """n self-tests that each run steps VM instructions (a numeric for
    costs one a turn), then state an expectation."""
    return ("tests = {}\n"
            "for i = 1, %d do tests[i] = function()\n"
            "  for k = 1, %d do end\n"
            "  expect_deny({ id = 1, kind = 'user', role = 'viewer' },\n"
            "    'policy:manage', { type = 'policy' })\n"
            "end end\n" % (n, steps))


SHARED_BUDGET_RE = (r"the tests' shared instruction budget exceeded at "
                    r"test (\d+) \(all tests together may run %d "
                    r"instructions\)$" % TESTS_INSTRUCTIONS)


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read().decode("latin-1")


class PolicyCase(IdentityMixin):
    server_env = NO_LIMIT

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        me = cls.server.api("GET", "/api/v1/users/me", token=cls.admin_token)
        cls.admin_id = me.json["id"]
        cls.users = {}
        cls.tokens = {}
        for name in ("alice", "mona", "carl", "victor", "oscar"):
            email = "%s@example.com" % name
            u = cls.create_user(email, PASSWORD, name.title())
            cls.users[name] = u["id"]
            cls.tokens[name] = cls.keep(cls.server.token(email, PASSWORD))
        cls.next_slug = 0

    # -- fixtures -------------------------------------------------------------

    @classmethod
    def db(cls):
        con = sqlite3.connect(os.path.join(cls.server.data_dir, "erp.db"),
                              timeout=30)
        con.row_factory = sqlite3.Row
        return con

    @classmethod
    def new_org(cls):
        """An organization with alice (admin), mona (manager), carl
        (clerk) and victor (viewer); oscar and the system admin are not
        members. Written straight into the database."""
        cls.next_slug += 1
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        con = cls.db()
        try:
            with con:
                cur = con.execute(
                    "INSERT INTO orgs (name, slug, created_at) "
                    "VALUES (?, ?, ?)", ("Policy org %d" % cls.next_slug,
                                         "policy-org-%d" % cls.next_slug,
                                         now))
                org = cur.lastrowid
                for name, role in (("alice", "admin"), ("mona", "manager"),
                                   ("carl", "clerk"), ("victor", "viewer")):
                    con.execute(
                        "INSERT INTO members (org_id, user_id, role, "
                        "created_at) VALUES (?, ?, ?, ?)",
                        (org, cls.users[name], role, now))
        finally:
            con.close()
        return org

    @classmethod
    def set_role(cls, org, who, role):
        """who's role in org, written straight into the database (a
        role the base does not know, which PUT …/members refuses)."""
        con = cls.db()
        try:
            with con:
                con.execute("UPDATE members SET role = ? WHERE org_id = ? "
                            "AND user_id = ?", (role, org, cls.users[who]))
        finally:
            con.close()

    # -- requests -------------------------------------------------------------

    def tok(self, who):
        return self.admin_token if who == "admin" else self.tokens[who]

    def call(self, method, org, path="", body=None, who="alice"):
        return self.server.api(method, "/api/v1/orgs/%s/policy%s" % (
            org, path), body, token=self.tok(who))

    def get_policy(self, org, who="alice"):
        return self.call("GET", org, who=who)

    def put_policy(self, org, source, who="alice"):
        return self.call("PUT", org, body={"source": source}, who=who)

    def put_ok(self, org, source, who="alice"):
        r = self.put_policy(org, source, who)
        self.assertEqual(r.status, 200, repr(r))
        return r.json

    def dry_run(self, org, body, who="alice"):
        return self.call("POST", org, "/dry-run", body, who)

    def rollback(self, org, version, who="alice"):
        return self.call("POST", org, "/rollback", {"version": version}, who)

    def org_get(self, org, path, who):
        return self.server.api("GET", "/api/v1/orgs/%s%s" % (org, path),
                               token=self.tok(who))

    def assertPolicy(self, p, version, source, updated_by):
        self.assertIsInstance(p, dict)
        self.assertEqual(set(p), {"version", "source", "updated_at",
                                  "updated_by"}, p)
        self.assertEqual(p["version"], version)
        self.assertIsInstance(p["version"], int)
        self.assertEqual(p["source"], source)
        if version == 0:
            self.assertIsNone(p["updated_at"])
            self.assertIsNone(p["updated_by"])
        else:
            self.assertRegex(p["updated_at"], TIME_RE)
            self.assertEqual(p["updated_by"], updated_by)

    def assertInvalid(self, r, contains=None):
        err = self.assertError(r, 422, "policy_invalid")
        if contains is not None:
            self.assertIn(contains, err["message"], repr(r))
        return err

    def assertDry(self, r, want):
        """A dry-run's answer: want, and the line of the deciding
        return (whichever function decided, here the base's)."""
        self.assertEqual(r.status, 200, repr(r))
        got = dict(r.json)
        line = got.pop("line")
        self.assertEqual(got, want)
        self.assertIsInstance(line, int)
        self.assertGreater(line, 0)

    def assertServing(self, org):
        self.assertEqual(self.server.get("/healthz").status, 200)
        self.assertEqual(self.get_policy(org).status, 200)


class PolicyTest(PolicyCase, ServerTestCase):

    # -- GET and PUT ----------------------------------------------------------

    def test_get_without_a_policy(self):
        org = self.new_org()
        r = self.get_policy(org)
        self.assertEqual(r.status, 200, repr(r))
        self.assertJsonHeaders(r)
        self.assertSecurityHeaders(r)
        self.assertPolicy(r.json, 0, "", None)
        self.assertEqual(r.body.count(b"null"), 2)
        r = self.call("GET", org, "/versions")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["items"], [])
        self.assertEqual(r.json["total"], 0)

    def test_put_creates_versions(self):
        org = self.new_org()
        alice = self.users["alice"]
        p1 = self.put_ok(org, VIEWER_AUDITS)
        self.assertPolicy(p1, 1, VIEWER_AUDITS, alice)
        r = self.get_policy(org)
        self.assertEqual(r.json, p1)
        p2 = self.put_ok(org, "-- nothing of our own\n")
        self.assertPolicy(p2, 2, "-- nothing of our own\n", alice)
        self.assertEqual(self.get_policy(org).json, p2)
        # manager may read it
        r = self.get_policy(org, who="mona")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json, p2)

    def test_versions_newest_first_and_paged(self):
        org = self.new_org()
        for i in range(3):
            self.put_ok(org, "-- version %d\n" % (i + 1))
        r = self.call("GET", org, "/versions")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(set(r.json), {"items", "total", "limit", "offset"})
        self.assertEqual(r.json["total"], 3)
        self.assertEqual(r.json["limit"], 50)
        self.assertEqual(r.json["offset"], 0)
        self.assertEqual([v["version"] for v in r.json["items"]], [3, 2, 1])
        for v in r.json["items"]:
            self.assertEqual(set(v), {"version", "updated_at",
                                      "updated_by", "comment"}, v)
            self.assertIsNone(v["comment"])
            self.assertRegex(v["updated_at"], TIME_RE)
            self.assertEqual(v["updated_by"], self.users["alice"])
        r = self.call("GET", org, "/versions?limit=1&offset=1")
        self.assertEqual([v["version"] for v in r.json["items"]], [2])
        self.assertEqual(r.json["total"], 3)
        r = self.call("GET", org, "/versions?limit=501")
        self.assertFields(r, {"limit": "max"})

    def test_new_version_in_force_on_the_next_request(self):
        org = self.new_org()
        self.assertError(self.org_get(org, "/audit", "victor"), 403,
                         "forbidden")
        self.put_ok(org, VIEWER_AUDITS)
        # every request after the 200, on whichever thread, sees it
        for _ in range(20):
            r = self.org_get(org, "/audit", "victor")
            self.assertEqual(r.status, 200, repr(r))
        roles = self.org_get(org, "/roles", "alice")
        self.assertEqual(roles.status, 200, repr(roles))
        viewer = [x for x in roles.json["items"] if x["name"] == "viewer"]
        self.assertIn("audit:read", viewer[0]["permissions"])
        self.put_ok(org, "-- back to the base\n")
        for _ in range(20):
            self.assertError(self.org_get(org, "/audit", "victor"), 403,
                             "forbidden")
        r = self.dry_run(org, {"subject": {"role": "viewer"},
                               "action": "audit:read",
                               "resource": {"type": "audit"}})
        self.assertIs(r.json["allow"], False)

    def test_concurrent_puts_get_distinct_versions(self):
        org = self.new_org()
        n = 8

        def put(i):
            return self.put_policy(org, "-- writer %d\n" % i)

        with concurrent.futures.ThreadPoolExecutor(n) as ex:
            rs = list(ex.map(put, range(n)))
        for r in rs:
            self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(sorted(r.json["version"] for r in rs),
                         list(range(1, n + 1)))
        cur = self.get_policy(org).json
        self.assertEqual(cur["version"], n)
        mine = [r.json for r in rs if r.json["version"] == n][0]
        self.assertEqual(cur["source"], mine["source"])

    # -- PUT refused ----------------------------------------------------------

    def test_syntax_error_refused_with_its_line(self):
        org = self.new_org()
        self.put_ok(org, VIEWER_AUDITS)
        r = self.put_policy(org, "roles = {}\nlocal x = = 2\n")
        err = self.assertInvalid(r)
        self.assertRegex(err["message"], r"^policy:2: ")
        cur = self.get_policy(org).json
        self.assertEqual(cur["version"], 1)
        self.assertEqual(cur["source"], VIEWER_AUDITS)
        self.assertEqual(self.org_get(org, "/audit", "victor").status, 200)

    def test_failing_tests_refused(self):
        org = self.new_org()
        src = ("roles = { viewer = {} }\n"
               "tests = {\n"
               "  function() expect_deny({ role = 'viewer' },\n"
               "    'product:read', {}) end,\n"
               "  function()\n"
               "    assert(decide({ id = 1, kind = 'user',\n"
               "                    role = 'viewer' },\n"
               "                  'product:read', { type = 'product' }),\n"
               "           'viewers must read products')\n"
               "  end,\n"
               "}\n")
        err = self.assertInvalid(self.put_policy(org, src))
        self.assertIn("test 2 failed", err["message"])
        self.assertIn("viewers must read products", err["message"])
        self.assertIn("policy:6:", err["message"])
        self.assertEqual(self.get_policy(org).json["version"], 0)

    def test_other_refusals(self):
        org = self.new_org()
        cases = [
            ("roles = { viewer = { 'Product:Read' } }\n",
             "not a permission pattern"),
            ("allow = 42\n", "allow must be a function"),
            ("function allow() return 'yes' end\n", "not a boolean"),
            ("function allow() error('nope') end\n", "policy:1: nope"),
            ("\x1bLuaT", "binary chunk"),
        ]
        for src, want in cases:
            with self.subTest(src=src):
                self.assertInvalid(self.put_policy(org, src), want)
        self.assertEqual(self.get_policy(org).json["version"], 0)

    def test_budget_overruns_refused(self):
        # each is stopped by its budget, which the message names
        org = self.new_org()
        cases = [
            "function allow() while true do end end\n",
            "function allow() pcall(function() while true do end end)\n"
            "  return true end\n",
            "function allow()\n"
            "  return ('a'):rep(400):find('.-.-.-b') == nil end\n",
            "function allow() local t = {}\n"
            "  for i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end end\n",
            "tests = { function() while true do end end }\n",
        ]
        for src in cases:
            with self.subTest(src=src):
                self.assertInvalid(self.put_policy(org, src),
                                   "budget exceeded")
        self.assertEqual(self.get_policy(org).json["version"], 0)
        self.assertServing(org)

    def test_hostile_fixtures_cannot_be_stored(self):
        org = self.new_org()
        names = sorted(n for n in os.listdir(FIXTURES)
                       if n.endswith("_load.lua") or n.startswith("blocked_")
                       and n != "blocked_indirect.lua")
        # a message handler that runs away hangs the sandbox (a known
        # bug of core/policy/sandbox.c): not sent to a shared server
        names = [n for n in names if "xpcall" not in n]
        self.assertGreater(len(names), 15)
        for name in names:
            with self.subTest(fixture=name):
                self.assertInvalid(self.put_policy(org, fixture(name)))
        self.assertFalse(os.path.exists("/tmp/erpd-policy-pwned"))
        self.assertEqual(self.get_policy(org).json["version"], 0)
        self.assertServing(org)

    def test_policy_that_fails_at_run_time_denies_and_server_serves(self):
        # stored (the trial decisions run at time 0), then it fails
        org = self.new_org()
        self.put_ok(org, "function allow(s, a, r, c)\n"
                         "  if a == 'audit:read' and c.time > 0 then\n"
                         "    while true do end\n"
                         "  end\n"
                         "  return base.allow(s, a, r, c)\n"
                         "end\n")
        for _ in range(3):
            r = self.org_get(org, "/audit", "alice")
            err = self.assertError(r, 403, "forbidden")
            self.assertNotIn("while", err["message"])
        r = self.dry_run(org, {"subject": {"role": "admin"},
                               "action": "audit:read",
                               "resource": {"type": "audit"}})
        self.assertEqual(r.status, 200, repr(r))
        self.assertIs(r.json["allow"], False)
        self.assertIn("budget", r.json["reason"])
        self.assertServing(org)
        # the policy endpoints themselves are the base's: still usable
        self.put_ok(org, "")
        self.assertEqual(self.org_get(org, "/audit", "alice").status, 200)

    def test_deny_everything_accepted_but_no_lockout(self):
        org = self.new_org()
        self.put_ok(org, "function allow() return false, 'closed' end\n")
        err = self.assertError(self.org_get(org, "/audit", "alice"), 403,
                               "forbidden")
        self.assertEqual(err["message"], "closed")
        # policy:* and member:* still come from the base
        self.assertEqual(self.get_policy(org).status, 200)
        self.assertEqual(self.org_get(org, "/members", "alice").status, 200)
        self.assertEqual(self.get_policy(org, who="mona").status, 200)
        r = self.put_policy(org, "-- open again\n")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(self.org_get(org, "/audit", "alice").status, 200)

    def test_org_policy_cannot_grant_policy_or_member_actions(self):
        org = self.new_org()
        self.put_ok(org, "roles = { viewer = { '*' } }\n"
                         "function allow() return true end\n")
        self.assertError(self.put_policy(org, "", who="victor"), 403,
                         "forbidden")
        self.assertError(self.get_policy(org, who="victor"), 403,
                         "forbidden")
        self.assertError(self.org_get(org, "/members", "victor"), 403,
                         "forbidden")
        # but what it does decide, it decides
        self.assertEqual(self.org_get(org, "/audit", "victor").status, 200)

    def test_body_checks(self):
        org = self.new_org()
        self.assertFields(self.call("PUT", org, body={}), {"source":
                                                          "required"})
        self.assertFields(self.call("PUT", org, body={"source": 3}),
                          {"source": "type"})
        self.assertFields(self.call("PUT", org, body={"source": "",
                                                      "x": 1}),
                          {"x": "unknown"})
        big = "-- " + "x" * (POLICY_SOURCE_MAX - 3) + "\n"
        self.assertEqual(len(big), POLICY_SOURCE_MAX + 1)
        self.assertFields(self.put_policy(org, big), {"source": "max_len"})
        just = "-- " + "x" * (POLICY_SOURCE_MAX - 4) + "\n"
        self.assertEqual(self.put_policy(org, just).status, 200)
        r = self.server.request("PUT", "/api/v1/orgs/%d/policy" % org,
                                headers={"Authorization": "Bearer " +
                                         self.tokens["alice"],
                                         "Content-Type": "text/plain"},
                                body=b"x")
        self.assertError(r, 415, "unsupported_media_type")
        self.assertUnauthenticated(self.server.api(
            "GET", "/api/v1/orgs/%d/policy" % org))

    # -- who may --------------------------------------------------------------

    def test_who_may(self):
        org = self.new_org()
        # policy:manage: admin only; policy:read: admin and manager
        for who in ("victor", "carl", "mona"):
            with self.subTest(who=who):
                self.assertError(self.put_policy(org, "", who), 403,
                                 "forbidden")
                self.assertError(self.rollback(org, 1, who), 403,
                                 "forbidden")
        for who in ("victor", "carl"):
            with self.subTest(who=who):
                self.assertError(self.get_policy(org, who), 403,
                                 "forbidden")
                self.assertError(self.call("GET", org, "/versions",
                                           who=who), 403, "forbidden")
                self.assertError(self.dry_run(org, {
                    "subject": {"role": "viewer"}, "action": "product:read",
                    "resource": {"type": "product"}}, who), 403,
                    "forbidden")
        # not a member: 403, whether the organization exists or not
        self.assertError(self.get_policy(org, "oscar"), 403, "forbidden")
        self.assertError(self.put_policy(org, "", "oscar"), 403,
                         "forbidden")
        self.assertError(self.get_policy(987654, "oscar"), 403, "forbidden")
        self.assertEqual(self.get_policy(org).json["version"], 0)

    def test_system_admin_who_is_not_a_member(self):
        org = self.new_org()
        r = self.put_policy(org, "function allow() return false end\n",
                            who="admin")
        self.assertEqual(r.status, 200, repr(r))
        self.assertPolicy(r.json, 1, "function allow() return false end\n",
                          self.admin_id)
        self.assertEqual(self.get_policy(org, "admin").status, 200)
        self.assertEqual(self.call("GET", org, "/versions",
                                   who="admin").status, 200)
        r = self.rollback(org, 1, who="admin")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["version"], 2)
        # nothing else there
        self.assertError(self.org_get(org, "/audit", "admin"), 403,
                         "forbidden")
        # an organization that does not exist
        self.assertError(self.get_policy(987654, "admin"), 404, "not_found")
        self.assertError(self.put_policy(987654, "", "admin"), 404,
                         "not_found")

    # -- rollback -------------------------------------------------------------

    def test_rollback_makes_a_new_version(self):
        org = self.new_org()
        self.put_ok(org, VIEWER_AUDITS)
        self.put_ok(org, "-- second\n")
        self.assertEqual(self.org_get(org, "/audit", "victor").status, 403)
        r = self.rollback(org, 1)
        self.assertEqual(r.status, 200, repr(r))
        self.assertPolicy(r.json, 3, VIEWER_AUDITS, self.users["alice"])
        self.assertEqual(self.get_policy(org).json, r.json)
        self.assertEqual(self.org_get(org, "/audit", "victor").status, 200)
        vs = self.call("GET", org, "/versions").json
        self.assertEqual([v["version"] for v in vs["items"]], [3, 2, 1])
        # to the current one is allowed too, and again a new version
        self.assertEqual(self.rollback(org, 3).json["version"], 4)
        for bad in (0, -1, 99):
            with self.subTest(version=bad):
                self.assertError(self.rollback(org, bad), 404, "not_found")
        self.assertFields(self.call("POST", org, "/rollback", {}),
                          {"version": "required"})
        self.assertFields(self.call("POST", org, "/rollback",
                                    {"version": "1"}), {"version": "type"})
        self.assertFields(self.call("POST", org, "/rollback",
                                    {"version": 1.5}), {"version": "type"})
        self.assertEqual(self.get_policy(org).json["version"], 4)

    def store_versions(self, org, *sources):
        """Writes versions 1, 2 ... straight into the database, as if they
        had been stored before the base changed."""
        con = self.db()
        try:
            with con:
                for i, src in enumerate(sources):
                    con.execute("INSERT INTO org_policies (org_id, "
                                "version, source, updated_at, updated_by) "
                                "VALUES (?, ?, ?, '2024-01-01T00:00:00Z', "
                                "?)", (org, i + 1, src, self.users["alice"]))
        finally:
            con.close()

    def test_rollback_to_a_version_that_no_longer_compiles(self):
        org = self.new_org()
        self.store_versions(org, "roles = { x = { 'Bad' } }\n", "-- good\n")
        self.assertInvalid(self.rollback(org, 1), "not a permission pattern")
        self.assertEqual(self.get_policy(org).json["version"], 2)
        self.assertEqual(self.rollback(org, 2).json["version"], 3)

    def test_current_version_that_no_longer_compiles_can_be_replaced(self):
        # policy:* is decided by the base alone, so that an organization
        # can always be recovered: also when the version in force no
        # longer compiles (the base or a budget changed since it was
        # stored). Fails while the pipeline answers 500 for every route
        # of such an organization (reported bug in core/http/pipeline.c).
        org = self.new_org()
        self.store_versions(org, "-- good\n", "roles = { x = { 'Bad' } }\n")
        r = self.put_policy(org, "-- repaired\n")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["version"], 3)
        self.assertEqual(self.rollback(org, 1, who="admin").status, 200)

    # -- dry-run --------------------------------------------------------------

    def test_dry_run_with_the_policy_in_force(self):
        org = self.new_org()
        body = {"subject": {"role": "viewer"}, "action": "product:read",
                "resource": {"type": "product"}}
        r = self.dry_run(org, body)
        self.assertEqual(r.status, 200, repr(r))
        self.assertDry(r, {"allow": True, "reason": None,
                           "role": "viewer", "matched": "product:read",
                           "version": 0})
        body["action"] = "product:delete"
        r = self.dry_run(org, body)
        self.assertDry(r, {"allow": False,
                           "reason": "role viewer may not product:delete",
                           "role": "viewer", "matched": None,
                           "version": 0})
        r = self.dry_run(org, {"subject": {"user_id": self.users["mona"]},
                               "action": "order:ship",
                               "resource": {"type": "order", "id": 5,
                                            "status": "confirmed"}},
                         who="mona")
        self.assertEqual(r.status, 200, repr(r))
        self.assertDry(r, {"allow": True, "reason": None,
                           "role": "manager", "matched": "order:*",
                           "version": 0})
        r = self.dry_run(org, {"subject": {"user_id": self.users["carl"]},
                               "action": "policy:manage",
                               "resource": {"type": "policy"}})
        self.assertIs(r.json["allow"], False)
        self.assertEqual(r.json["role"], "clerk")
        # after a PUT, the new version answers
        self.put_ok(org, "roles = { viewer = { '*:delete' } }\n")
        r = self.dry_run(org, body)
        self.assertDry(r, {"allow": True, "reason": None,
                           "role": "viewer", "matched": "*:delete",
                           "version": 1})

    def test_dry_run_with_a_source(self):
        org = self.new_org()

        def ask(role, total):
            return self.dry_run(org, {
                "source": ORDER_APPROVAL, "subject": {"role": role},
                "action": "order:confirm",
                "resource": {"type": "order", "id": 12,
                             "total_cents": total}})

        r = ask("clerk", 1000001)
        self.assertEqual(r.status, 200, repr(r))
        self.assertIs(r.json["allow"], False)
        self.assertEqual(r.json["reason"],
                         "orders over 10 000.00 need a manager")
        self.assertEqual(r.json["role"], "clerk")
        self.assertEqual(r.json["matched"], "allow")
        self.assertEqual(r.json["line"], 5)     # its deciding return
        self.assertIsNone(r.json["version"])    # a source is no version
        r = ask("clerk", 1000000)
        self.assertDry(r, {"allow": True, "reason": None, "role": "clerk",
                           "matched": "order:confirm", "version": None})
        self.assertIs(ask("manager", 10 ** 9).json["allow"], True)
        # the resource's fields arrive as attributes; org_id is this org
        r = self.dry_run(org, {
            "source": "function allow(s, a, r)\n"
                      "  return r.color == 'red' and r.org_id == %d\n"
                      "    and r.type == 'thing' and s.role == 'nobody'\n"
                      "end\n" % org,
            "subject": {"role": "nobody"}, "action": "thing:paint",
            "resource": {"type": "thing", "color": "red", "org_id": 1}})
        self.assertIs(r.json["allow"], True, repr(r))
        # a source that does not compile; tests are not run
        self.assertInvalid(self.dry_run(org, {
            "source": "function allow(", "subject": {"role": "viewer"},
            "action": "product:read", "resource": {"type": "product"}}),
            "policy:1:")
        r = self.dry_run(org, {
            "source": "tests = { function() error('x') end }\n",
            "subject": {"role": "viewer"}, "action": "product:read",
            "resource": {"type": "product"}})
        self.assertEqual(r.status, 200, repr(r))
        # nothing was written
        self.assertEqual(self.get_policy(org).json["version"], 0)

    def test_tests_bounded(self):
        org = self.new_org()
        over = many_tests(TESTS_MAX + 1)
        want = "at most %d tests are allowed (tests holds %d)" % (
            TESTS_MAX, TESTS_MAX + 1)
        self.assertInvalid(self.put_policy(org, over), want)
        # a dry-run runs no tests, yet refuses what a PUT would
        self.assertInvalid(self.dry_run(org, {
            "source": over, "subject": {"role": "viewer"},
            "action": "product:read", "resource": {"type": "product"}}),
            want)
        self.assertEqual(self.get_policy(org).json["version"], 0)
        self.assertEqual(self.put_ok(org, many_tests(TESTS_MAX))["version"],
                         1)

    def test_tests_share_a_budget(self):
        org = self.new_org()
        self.put_ok(org, VIEWER_AUDITS)
        # each far under its own budget, together 500 evaluations' worth
        each = INSTRUCTIONS // 2
        err = self.assertInvalid(self.put_policy(
            org, looping_tests(TESTS_MAX, each)))
        m = re.search(SHARED_BUDGET_RE, err["message"])
        self.assertIsNotNone(m, err["message"])
        self.assertLessEqual((int(m.group(1)) - 1) * each,
                             TESTS_INSTRUCTIONS)
        # nothing stored: the old version stays in force
        cur = self.get_policy(org).json
        self.assertEqual((cur["version"], cur["source"]), (1, VIEWER_AUDITS))
        self.assertEqual(self.org_get(org, "/audit", "victor").status, 200)
        # ordinary tests, as many as allowed, still save
        self.assertEqual(self.put_ok(org, many_tests(TESTS_MAX))["version"],
                         2)

    def test_dry_run_subjects(self):
        org = self.new_org()
        base = {"action": "product:read", "resource": {"type": "product"}}
        r = self.dry_run(org, dict(base, subject={
            "user_id": self.users["victor"]}))
        self.assertEqual(r.json["role"], "viewer")
        self.assertIs(r.json["allow"], True)
        for uid in (self.users["oscar"], self.admin_id, 987654):
            with self.subTest(user_id=uid):
                self.assertError(self.dry_run(org, dict(base, subject={
                    "user_id": uid})), 404, "not_found")
        # an unknown role is a role like any other: the default deny
        r = self.dry_run(org, dict(base, subject={"role": "ghost"}))
        self.assertDry(r, {"allow": False, "reason":
                           "role ghost may not product:read",
                           "role": "ghost", "matched": None,
                           "version": 0})
        # a system admin who is not a member may ask too
        r = self.dry_run(org, dict(base, subject={"role": "viewer"}),
                         who="admin")
        self.assertEqual(r.status, 200, repr(r))

    def test_dry_run_body_checks(self):
        org = self.new_org()
        good = {"subject": {"role": "viewer"}, "action": "product:read",
                "resource": {"type": "product"}}
        cases = [
            ({}, {"subject": "required", "action": "required",
                  "resource": "required"}),
            (dict(good, subject={}), {"subject": "required"}),
            (dict(good, subject={"role": "a", "user_id": 1}),
             {"subject": "check"}),
            (dict(good, subject={"role": 3}), {"subject.role": "type"}),
            (dict(good, subject={"role": ""}), {"subject.role": "min_len"}),
            (dict(good, subject={"role": "r" * 64}),
             {"subject.role": "max_len"}),
            (dict(good, subject={"user_id": "1"}),
             {"subject.user_id": "type"}),
            (dict(good, subject={"role": "a", "x": 1}),
             {"subject.x": "unknown"}),
            (dict(good, subject="viewer"), {"subject": "type"}),
            (dict(good, action="product"), {"action": "pattern"}),
            (dict(good, action="product:*"), {"action": "pattern"}),
            (dict(good, action=1), {"action": "type"}),
            (dict(good, resource={}), {"resource.type": "required"}),
            (dict(good, resource={"type": "Product"}),
             {"resource.type": "pattern"}),
            (dict(good, resource=[]), {"resource": "type"}),
            (dict(good, source=1), {"source": "type"}),
            (dict(good, extra=True), {"extra": "unknown"}),
        ]
        for body, fields in cases:
            with self.subTest(body=body):
                self.assertFields(self.dry_run(org, body), fields)

    # -- audit ----------------------------------------------------------------

    def test_audit_rows(self):
        org = self.new_org()
        marker = "secret-marker-%d" % time.monotonic_ns()
        self.put_ok(org, "-- %s\n" % marker)
        self.put_ok(org, "-- second\n")
        self.assertEqual(self.rollback(org, 1).status, 200)
        self.dry_run(org, {"subject": {"role": "viewer"},
                           "action": "product:read",
                           "resource": {"type": "product"}})
        self.assertInvalid(self.put_policy(org, "oops("))
        con = self.db()
        try:
            rows = con.execute("SELECT * FROM audit_log WHERE org_id = ? "
                               "AND action = 'policy.update' ORDER BY id",
                               (org,)).fetchall()
        finally:
            con.close()
        self.assertEqual(len(rows), 3, [dict(r) for r in rows])
        for row in rows:
            self.assertEqual(row["actor_type"], "user")
            self.assertEqual(row["actor_id"], self.users["alice"])
            self.assertEqual(row["outcome"], "success")
            self.assertEqual(row["resource_type"], "policy")
            self.assertNotIn(marker, row["details"] or "")
        d = [json.loads(r["details"]) for r in rows]
        self.assertEqual(d[0]["version"], {"old": None, "new": 1})
        self.assertEqual(d[1]["version"], {"old": 1, "new": 2})
        self.assertEqual(d[2]["version"], {"old": 2, "new": 3})
        self.assertEqual(d[2]["rolled_back_to"], 1)
        self.assertNotIn("rolled_back_to", d[0])

    def test_system_admin_change_is_audited(self):
        org = self.new_org()
        self.put_ok(org, "", who="admin")
        con = self.db()
        try:
            row = con.execute("SELECT * FROM audit_log WHERE org_id = ? "
                              "AND action = 'policy.update'",
                              (org,)).fetchone()
        finally:
            con.close()
        self.assertEqual(row["actor_id"], self.admin_id)

    def test_api_key_change_is_recorded_for_its_creator(self):
        org = self.new_org()
        r = self.server.api("POST", "/api/v1/orgs/%d/api-keys" % org,
                            {"name": "deploy", "role": "admin"},
                            token=self.tokens["alice"])
        if r.status == 404:
            self.skipTest("no API key endpoint in this build")
        self.assertEqual(r.status, 201, repr(r))
        key = self.keep(r.json["key"])
        r = self.server.api("PUT", "/api/v1/orgs/%d/policy" % org,
                            {"source": "-- by key\n"},
                            headers={"X-API-Key": key})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["updated_by"], self.users["alice"])
        con = self.db()
        try:
            row = con.execute("SELECT * FROM audit_log WHERE org_id = ? "
                              "AND action = 'policy.update'",
                              (org,)).fetchone()
        finally:
            con.close()
        self.assertEqual(row["actor_type"], "api_key")


class PolicyCheckTest(unittest.TestCase):
    """`erpd policy check FILE [--base]`: no database, no secrets."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="erpd-pc-")
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def check(self, *args, env=None):
        # production without secrets: check must not need them
        env = dict(env or {"ERP_ENV": "production"})
        env.setdefault("ERP_DATA_DIR", os.path.join(self.tmp.name, "data"))
        r = run_erpd(["policy", "check"] + list(args), env=env)
        self.assertFalse(os.path.exists(env["ERP_DATA_DIR"]),
                         "policy check touched the data dir")
        return r

    def test_ok(self):
        f = self.write("good.lua", VIEWER_AUDITS + ORDER_APPROVAL +
                       "tests = { function()\n"
                       "  expect_allow({ id = 1, kind = 'user',\n"
                       "    role = 'viewer' }, 'audit:read',\n"
                       "    { type = 'audit' })\n"
                       "end, function()\n"
                       "  expect_deny({ id = 2, kind = 'user',\n"
                       "    role = 'clerk' }, 'order:confirm',\n"
                       "    { type = 'order', total_cents = 1000001 })\n"
                       "end }\n")
        r = self.check(f)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "2 tests passed\n")

    def test_tests_bounded(self):
        r = self.check(self.write("many.lua", many_tests(TESTS_MAX)))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "%d tests passed\n" % TESTS_MAX)
        f = self.write("over.lua", many_tests(TESTS_MAX + 1))
        r = self.check(f)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stderr.strip(), "%s: at most %d tests are "
                         "allowed (tests holds %d)" % (f, TESTS_MAX,
                                                       TESTS_MAX + 1))

    def test_tests_share_a_budget(self):
        f = self.write("slow.lua", looping_tests(TESTS_MAX,
                                                 INSTRUCTIONS // 2))
        r = self.check(f)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertRegex(r.stderr.strip(), "^%s: %s" % (re.escape(f),
                                                        SHARED_BUDGET_RE))

    def test_modules_schemas_are_part_of_the_base(self):
        # the shipped modules' fragments run after base.lua, as in the
        # server: docs/policies.md's extend() example must check out (a
        # tightening: the base's min_len stays)
        f = self.write("sku.lua",
                       "schemas = { product = extend(base.schemas.product,"
                       " { sku = { type = 'string', required = true,\n"
                       "  min_len = 3, max_len = 10, pattern = '^[A-Z0-9%-]+$' } }) }\n")
        r = self.check(f)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "0 tests passed\n")

    def test_base(self):
        r = self.check(os.path.join(SOURCE_DIR, "policies", "base.lua"),
                       "--base")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^[1-9][0-9]* tests passed\n$")
        r = self.check("--base", os.path.join(SOURCE_DIR, "policies",
                                              "base.lua"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_errors_name_file_and_line(self):
        cases = [
            ("roles = {}\nlocal x = = 1\n", r"^{f}:2: "),
            ("tests = {\n  function() expect_allow({ role = 'admin' },"
             " 'x:y', {}) end,\n  function()\n"
             "    assert(false, 'nope')\n  end,\n}\n",
             r"^{f}:4: test 2 failed: nope$"),
            ("tests = {\n  function()\n"
             "    return decide({ role = 'admin' }, 'x:y', {})\n"
             "  end,\n}\n",
             r"^{f}: test 1 failed: it states no expectation"),
            ("tests = { function()\n"
             "  expect_deny({ role = 'admin' }, 'product:read', {})\n"
             "end }\n",
             r"^{f}:2: test 1 failed: expected deny: role admin, "
             r"product:read was allowed$"),
            ("x = 1\nerror('on purpose')\n", r"^{f}:2: on purpose$"),
            ("allow = 3\n", r"^{f}: allow must be a function$"),
            ("while true do end\n", r"^{f}: instruction budget exceeded$"),
        ]
        for i, (src, want) in enumerate(cases):
            with self.subTest(src=src):
                f = self.write("bad%d.lua" % i, src)
                r = self.check(f)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertRegex(r.stderr.strip(),
                                 want.format(f=re.escape(f)))

    def test_base_errors_name_file_and_line(self):
        f = self.write("mybase.lua", "roles = { admin = { '*' } }\n"
                                     "function allow(\n")
        r = self.check(f, "--base")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr.strip(), r"^%s:[23]: " % re.escape(f))
        f = self.write("nopw.lua", "roles = {}\n"
                                   "function allow() return false end\n"
                                   "schemas = {}\n")
        r = self.check(f, "--base")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("password_ok", r.stderr)
        # an org policy is not a base: it has no roles of its own
        r = self.check(os.path.join(FIXTURES, "org_b.lua"), "--base")
        self.assertEqual(r.returncode, 1, r.stderr)

    def test_hostile_fixtures(self):
        for name in ("loop_load.lua", "memory_rep_load.lua",
                     "blocked_os_execute.lua", "base_write_load.lua",
                     "binary_chunk.lua"):
            with self.subTest(fixture=name):
                f = os.path.join(FIXTURES, name)
                r = self.check(f)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertTrue(r.stderr.startswith(f + ":"), r.stderr)
        self.assertFalse(os.path.exists("/tmp/erpd-policy-pwned"))

    def test_usage_and_missing_file(self):
        for args in ([], ["a.lua", "b.lua"], ["--nope", "a.lua"],
                     ["a.lua", "--base", "--base"]):
            with self.subTest(args=args):
                r = self.check(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("usage", r.stderr)
        missing = os.path.join(self.tmp.name, "missing.lua")
        r = self.check(missing)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertTrue(r.stderr.startswith(missing + ": "), r.stderr)


if __name__ == "__main__":
    unittest.main()
