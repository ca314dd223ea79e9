"""docs/api.md: API keys. Created under an organization with a
role no wider than the creator's, shown once, stored only as a hash; sent
as X-API-Key; valid only under their own organization; revoked, expired or
orphaned (creator deactivated) keys are refused at once; every change is
audited without the key."""

import calendar
import re
import time
import unittest

from harness import IdentityMixin, ServerTestCase

ORGS = "/api/v1/orgs"
NO_LIMIT = {"ERP_LOGIN_RATE": "1000/minute"}
KEY_RE = re.compile(r"^erp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")
CREATED_KEYS = {"id", "name", "prefix", "key", "role", "expires_at"}
LISTED_KEYS = {"id", "name", "prefix", "role", "created_at", "expires_at",
               "revoked_at", "last_used_at", "created_by"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DAY = 86400


def parse_ts(ts):
    return calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ"))


def api_key(key):
    return {"X-API-Key": key}


class ApiKeysTest(IdentityMixin, ServerTestCase):
    server_env = NO_LIMIT

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        api = cls.server.api
        cls.admin_id = api("GET", "/api/v1/users/me",
                           token=cls.admin_token).json["id"]
        cls.org = cls.new_org("keys-main")
        cls.other = cls.new_org("keys-other")
        cls.users, cls.tokens = {}, {}
        for name in ("manager", "keymaker"):
            pw = "%s-Key-Passw0rd-1" % name.capitalize()
            email = "%s@example.com" % name
            cls.users[name] = cls.create_user(email, pw, name)
            cls.tokens[name] = cls.keep(cls.server.token(email, pw))
            cls.add_member(cls.org, cls.users[name]["id"], "manager")

    @classmethod
    def new_org(cls, slug):
        r = cls.server.api("POST", ORGS, {"name": slug, "slug": slug},
                           token=cls.admin_token)
        assert r.status == 201, r
        return r.json["id"]

    # -- helpers -------------------------------------------------------------

    def path(self, tail, org=None):
        return "%s/%s%s" % (ORGS, org or self.org, tail)

    def create(self, body, who="manager", org=None):
        """POST …/api-keys as who; keeps a returned key secret."""
        token = self.admin_token if who == "admin" else self.tokens[who]
        r = self.server.api("POST", self.path("/api-keys", org), body,
                            token=token)
        if r.status == 201 and isinstance(r.json, dict):
            self.keep(r.json.get("key"))
        return r

    def new_key(self, role="manager", who="manager", org=None, **extra):
        body = {"name": "key for %s" % role, "role": role}
        body.update(extra)
        r = self.create(body, who, org)
        self.assertEqual(r.status, 201, repr(r))
        return r.json

    def with_key(self, method, path, key, body=None, headers=None):
        h = api_key(key)
        h.update(headers or {})
        return self.server.api(method, path, body, headers=h)

    def listed(self, org=None):
        r = self.server.api("GET", self.path("/api-keys?limit=500", org),
                            token=self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        return r, {k["id"]: k for k in r.json["items"]}

    def audit(self, action):
        r = self.server.api("GET", self.path("/audit?limit=500&action=" +
                                             action),
                            token=self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        return r, r.json["items"]

    # -- life cycle -----------------------------------------------------------

    def test_life_cycle(self):
        r = self.create({"name": "CI pipeline", "role": "manager"})
        self.assertEqual(r.status, 201, repr(r))
        self.assertJsonHeaders(r)
        self.assertSecurityHeaders(r)
        k = r.json
        self.assertEqual(set(k), CREATED_KEYS, k)
        self.assertIsInstance(k["id"], int)
        self.assertRegex(k["key"], KEY_RE)
        self.assertEqual(k["prefix"], k["key"][4:16])
        self.assertEqual(k["name"], "CI pipeline")
        self.assertEqual(k["role"], "manager")
        self.assertIsNone(k["expires_at"])
        secret = k["key"][17:]

        # it works under its organization
        r = self.with_key("GET", self.path("/members"), k["key"])
        self.assertEqual(r.status, 200, repr(r))
        self.assertIn(self.users["manager"]["id"],
                      [m["user_id"] for m in r.json["items"]])
        r = self.with_key("GET", self.path("/roles"), k["key"])
        self.assertEqual(r.status, 200, repr(r))

        # listed without the key or its hash, with last use and creator
        r, keys = self.listed()
        self.assertNotIn(secret.encode(), r.body)
        self.assertNotIn(b"hash", r.body)
        item = keys[k["id"]]
        self.assertEqual(set(item), LISTED_KEYS, item)
        self.assertEqual(item["prefix"], k["prefix"])
        self.assertEqual(item["role"], "manager")
        self.assertEqual(item["created_by"], self.users["manager"]["id"])
        self.assertRegex(item["created_at"], TIME_RE)
        self.assertIsNone(item["expires_at"])
        self.assertIsNone(item["revoked_at"])
        self.assertRegex(item["last_used_at"] or "", TIME_RE)
        self.assertLessEqual(abs(parse_ts(item["last_used_at"]) -
                                 time.time()), 120)
        # a manager may list them too (apikey:read), with the key itself
        r = self.with_key("GET", self.path("/api-keys"), k["key"])
        self.assertEqual(r.status, 200, repr(r))
        self.assertNotIn(secret.encode(), r.body)

        # revoked: refused on the very next request
        r = self.server.api("DELETE", self.path("/api-keys/%d" % k["id"]),
                            token=self.tokens["manager"])
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(r.body, b"")
        self.assertUnauthenticated(self.with_key("GET", self.path("/roles"),
                                                 k["key"]))
        self.assertError(self.server.api(
            "DELETE", self.path("/api-keys/%d" % k["id"]),
            token=self.admin_token), 404, "not_found")
        r, keys = self.listed()
        self.assertRegex(keys[k["id"]]["revoked_at"] or "", TIME_RE)

        # audited, never with the key
        r, created = self.audit("apikey.create")
        self.assertNotIn(secret.encode(), r.body)
        mine = [e for e in created if e["resource_id"] == str(k["id"])]
        self.assertEqual(len(mine), 1, created)
        e = mine[0]
        self.assertEqual(e["org_id"], self.org)
        self.assertEqual(e["outcome"], "success")
        self.assertEqual(e["actor_type"], "user")
        self.assertEqual(e["actor_id"], self.users["manager"]["id"])
        self.assertEqual(e["resource_type"], "api_key")
        self.assertEqual(e["details"]["role"], "manager")
        self.assertEqual(e["details"]["prefix"], k["prefix"])
        self.assertNotIn("key", e["details"])
        r, revoked = self.audit("apikey.revoke")
        self.assertNotIn(secret.encode(), r.body)
        mine = [e for e in revoked if e["resource_id"] == str(k["id"])]
        self.assertEqual(len(mine), 1, revoked)
        self.assertEqual(mine[0]["org_id"], self.org)
        self.assertEqual(mine[0]["outcome"], "success")

    def test_key_actions_are_audited_as_the_key(self):
        k = self.new_key("admin", who="admin")
        uid = self.users["keymaker"]["id"]
        r = self.with_key("PUT", self.path("/members/%d" % uid), k["key"],
                          {"role": "manager"})
        self.assertEqual(r.status, 200, repr(r))
        _, events = self.audit("member.set")
        e = [x for x in events if x["actor_type"] == "api_key"]
        self.assertTrue(e, events)
        self.assertEqual(e[0]["actor_id"], k["id"])
        self.assertEqual(e[0]["org_id"], self.org)

    # -- refused keys ---------------------------------------------------------

    def test_wrong_or_garbled_keys(self):
        k = self.new_key("viewer")["key"]
        last = "A" if k[-1] != "A" else "B"
        wrong = [
            k[:-1] + last,                  # right prefix, wrong secret
            "erp_000000000000_" + k[17:],   # unknown prefix
            k[:-1],                         # too short
            k + "x",                        # too long
            k.upper(),
            "nonsense",
            "erp__",
        ]
        for bad in wrong:
            with self.subTest(key=bad[:8]):
                self.assertUnauthenticated(self.with_key(
                    "GET", self.path("/roles"), bad))
        # the key is not a bearer token
        self.assertUnauthenticated(self.server.api(
            "GET", self.path("/roles"), headers={"Authorization":
                                                 "Bearer " + k}))

    def test_both_credentials_are_refused(self):
        k = self.new_key("manager")["key"]
        r = self.server.api("GET", self.path("/members"),
                            token=self.tokens["manager"],
                            headers=api_key(k))
        self.assertUnauthenticated(r)

    def test_key_acts_only_under_its_organization(self):
        k = self.new_key("manager")["key"]
        for path in (self.path("/members", self.other),
                     self.path("/roles", self.other),
                     self.path("/members", 999999),
                     "/api/v1/users/me", "/api/v1/users", ORGS,
                     "/api/v1/audit"):
            with self.subTest(path=path):
                self.assertError(self.with_key("GET", path, k), 403,
                                 "forbidden")
        r = self.with_key("POST", ORGS, k, {"name": "x", "slug": "by-key"})
        self.assertError(r, 403, "forbidden")
        # and it still works at home
        self.assertEqual(self.with_key("GET", self.path("/members"),
                                       k).status, 200)

    # -- creation rules -------------------------------------------------------

    def test_validation(self):
        cases = [
            ({}, {"name": "required", "role": "required"}),
            ({"name": "", "role": "viewer"}, {"name": "min_len"}),
            ({"name": "n" * 201, "role": "viewer"}, {"name": "max_len"}),
            ({"name": "k", "role": "nobody"}, {"role": None}),
            ({"name": "k", "role": 1}, {"role": "type"}),
            ({"name": "k", "role": "viewer", "expires_in_days": 0},
             {"expires_in_days": "min"}),
            ({"name": "k", "role": "viewer", "expires_in_days": -1},
             {"expires_in_days": "min"}),
            ({"name": "k", "role": "viewer", "expires_in_days": 3651},
             {"expires_in_days": "max"}),
            ({"name": "k", "role": "viewer", "expires_in_days": 1.5},
             {"expires_in_days": "type"}),
            ({"name": "k", "role": "viewer", "expires_in_days": "7"},
             {"expires_in_days": "type"}),
            ({"name": "k", "role": "viewer", "key": "erp_x"},
             {"key": "unknown"}),
            ({"name": "k", "role": "viewer", "prefix": "abc"},
             {"prefix": "unknown"}),
        ]
        _, before = self.listed()
        for body, fields in cases:
            with self.subTest(body=body):
                self.assertFields(self.create(body), fields)
        _, after = self.listed()
        self.assertEqual(set(after), set(before))
        self.assertEqual(self.new_key("viewer", expires_in_days=3650)[
            "role"], "viewer")
        r = self.create({"name": "\u00e9" * 200, "role": "viewer"})
        self.assertEqual(r.status, 201, repr(r))

    def test_expiry(self):
        now = time.time()
        k = self.new_key("viewer", expires_in_days=1)
        self.assertRegex(k["expires_at"] or "", TIME_RE)
        self.assertLessEqual(abs(parse_ts(k["expires_at"]) - (now + DAY)),
                             120)
        _, keys = self.listed()
        self.assertEqual(keys[k["id"]]["expires_at"], k["expires_at"])
        # not expired yet: it authenticates (viewer: 403, not 401)
        r = self.with_key("GET", self.path("/members"), k["key"])
        self.assertError(r, 403, "forbidden")
        k = self.new_key("viewer", expires_in_days=3650)
        self.assertLessEqual(abs(parse_ts(k["expires_at"]) -
                                 (now + 3650 * DAY)), 120)

    def test_role_is_enforced_by_the_policy(self):
        k = self.new_key("viewer")["key"]
        for method, tail, body in (
                ("POST", "/api-keys", {"name": "k2", "role": "viewer"}),
                ("GET", "/api-keys", None),
                ("GET", "/members", None),
                ("GET", "/audit", None),
                ("PUT", "/members/%d" % self.users["keymaker"]["id"],
                 {"role": "viewer"})):
            with self.subTest(method=method, tail=tail):
                self.assertError(self.with_key(method, self.path(tail), k,
                                               body), 403, "forbidden")
        # a manager key reads members and keys
        m = self.new_key("manager")["key"]
        self.assertEqual(self.with_key("GET", self.path("/api-keys"),
                                       m).status, 200)
        self.assertEqual(self.with_key("GET", self.path("/audit"),
                                       m).status, 200)
        self.assertError(self.with_key("PUT", self.path(
            "/members/%d" % self.users["keymaker"]["id"]), m,
            {"role": "viewer"}), 403, "forbidden")

    def test_keys_cannot_mint_keys(self):
        m = self.new_key("manager")["key"]
        _, before = self.listed()
        r = self.with_key("POST", self.path("/api-keys"), m,
                          {"name": "child", "role": "viewer"})
        self.assertError(r, 403, "forbidden")
        _, after = self.listed()
        self.assertEqual(set(after), set(before))

    def test_no_escalation(self):
        _, before = self.listed()
        r = self.create({"name": "root", "role": "admin"})
        err = self.assertError(r, 403, "forbidden")
        self.assertIn("*", err["message"])
        _, after = self.listed()
        self.assertEqual(set(after), set(before))
        _, events = self.audit("apikey.create")
        denied = [e for e in events if e["outcome"] == "denied"]
        self.assertTrue(denied, events)
        self.assertEqual(denied[0]["org_id"], self.org)
        # a system admin may
        self.assertEqual(self.new_key("admin", who="admin")["role"], "admin")

    def test_revoke_ids(self):
        k = self.new_key("viewer", org=self.other, who="admin")
        for bad in ("abc", "0", "-1", "01", "999999", str(k["id"])):
            with self.subTest(id=bad):
                r = self.server.api("DELETE", self.path("/api-keys/" + bad),
                                    token=self.admin_token)
                self.assertError(r, 404, "not_found")
        # the other organization's key still works there
        r = self.with_key("GET", self.path("/members", self.other), k["key"])
        self.assertError(r, 403, "forbidden")   # viewer: authenticated
        _, keys = self.listed(self.other)
        self.assertIsNone(keys[k["id"]]["revoked_at"])

    def test_deactivated_creator_cuts_the_key_off(self):
        k = self.new_key("manager", who="keymaker")["key"]
        self.assertEqual(self.with_key("GET", self.path("/members"),
                                       k).status, 200)
        uid = self.users["keymaker"]["id"]
        r = self.server.api("PATCH", "/api/v1/users/%d" % uid,
                            {"is_active": False}, token=self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        try:
            self.assertUnauthenticated(self.with_key(
                "GET", self.path("/members"), k))
        finally:
            r = self.server.api("PATCH", "/api/v1/users/%d" % uid,
                                {"is_active": True}, token=self.admin_token)
            self.assertEqual(r.status, 200, repr(r))
        # the deactivation revoked the key for good: reactivating the
        # user does not bring it back (their tokens stay dead too)
        self.assertUnauthenticated(self.with_key(
            "GET", self.path("/members"), k))
        _, keys = self.listed()
        mine = [x for x in keys.values()
                if k.startswith("erp_%s_" % x["prefix"])]
        self.assertEqual(len(mine), 1, keys)
        self.assertIsNotNone(mine[0]["revoked_at"])


if __name__ == "__main__":
    unittest.main()
