"""docs/configuration.md and docs/api.md: user administration by system admins
(POST/GET /api/v1/users, PATCH /api/v1/users/{id}), what other users may
not do there, and `erpd user add`."""

import json
import os
import re
import unittest

from harness import IdentityMixin, ServerTestCase, run_erpd

USERS = "/api/v1/users"
NO_LIMIT = {"ERP_LOGIN_RATE": "1000/minute"}
USER_KEYS = {"id", "email", "name", "is_admin", "is_active", "created_at",
             "updated_at"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def strip_rid(obj):
    obj = json.loads(json.dumps(obj))
    obj["error"].pop("request_id", None)
    return obj


class UsersCase(IdentityMixin):
    server_env = NO_LIMIT

    def post_user(self, body, token=None):
        return self.server.api("POST", USERS, body,
                               token=token or self.admin_token)

    def patch_user(self, uid, body, token=None):
        return self.server.api("PATCH", "%s/%s" % (USERS, uid), body,
                               token=token or self.admin_token)

    def list_users(self, query="", token=None):
        return self.server.api("GET", USERS + query,
                               token=token or self.admin_token)

    def assertUser(self, u, raw=b""):
        """u is a user as the admin endpoints show it, with no secret."""
        self.assertIsInstance(u, dict)
        self.assertEqual(set(u), USER_KEYS, u)
        self.assertIsInstance(u["id"], int)
        self.assertGreater(u["id"], 0)
        self.assertIsInstance(u["email"], str)
        self.assertIsInstance(u["name"], str)
        self.assertIsInstance(u["is_admin"], bool)
        self.assertIsInstance(u["is_active"], bool)
        self.assertRegex(u["created_at"], TIME_RE)
        self.assertRegex(u["updated_at"], TIME_RE)
        text = raw.decode("utf-8", "replace")
        for needle in ("$argon2", "password", "hash"):
            self.assertNotIn(needle, text)


class UsersAdminTest(UsersCase, ServerTestCase):

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        r = cls.server.api("GET", "/api/v1/users/me", token=cls.admin_token)
        cls.admin_id = r.json["id"]
        # a few users, so that lists have pages
        cls.plain_pw = "Plain-User-Passw0rd"
        cls.plain = cls.create_user("plain@example.com", cls.plain_pw,
                                    "Plain")
        cls.create_user("second@example.com", "Second-User-Passw0rd")

    # -- create ------------------------------------------------------------

    def test_create(self):
        pw = self.keep("Carol-Passw0rd-2024")
        r = self.post_user({"email": "carol@example.com", "name": "Carol",
                            "password": pw, "is_admin": False})
        self.assertEqual(r.status, 201, repr(r))
        self.assertJsonHeaders(r)
        self.assertSecurityHeaders(r)
        self.assertUser(r.json, r.body)
        self.assertNotIn(pw, r.body.decode())
        self.assertEqual(r.json["email"], "carol@example.com")
        self.assertEqual(r.json["name"], "Carol")
        self.assertIs(r.json["is_admin"], False)
        self.assertIs(r.json["is_active"], True)
        tok = self.login_token("carol@example.com", pw)
        me = self.me(tok)
        self.assertEqual(me.status, 200, repr(me))
        self.assertEqual(me.json["id"], r.json["id"])
        self.assertIs(me.json["is_admin"], False)

    def test_create_admin(self):
        pw = self.keep("Dave-Admin-Passw0rd")
        r = self.post_user({"email": "dave@example.com", "name": "Dave",
                            "password": pw, "is_admin": True})
        self.assertEqual(r.status, 201, repr(r))
        self.assertIs(r.json["is_admin"], True)
        tok = self.login_token("dave@example.com", pw)
        self.assertEqual(self.list_users(token=tok).status, 200)

    def test_create_with_only_the_required_fields(self):
        r = self.post_user({"email": "min@example.com",
                            "password": "Minimal-Passw0rd-1"})
        self.assertEqual(r.status, 201, repr(r))
        self.assertUser(r.json, r.body)
        self.assertIs(r.json["is_admin"], False)

    def test_duplicate_email_in_any_case(self):
        r = self.post_user({"email": "dup@example.com", "name": "Dup",
                            "password": "Duplicate-Passw0rd"})
        self.assertEqual(r.status, 201, repr(r))
        for email in ("dup@example.com", "DUP@Example.COM",
                      "  dup@example.com "):
            with self.subTest(email=email):
                r = self.post_user({"email": email, "name": "Dup 2",
                                    "password": "Another-Passw0rd-9"})
                err = self.assertError(r, 409, "conflict")
                self.assertIsInstance(err.get("fields"), list, repr(r))
                self.assertEqual(err["fields"][0]["field"], "email")

    def test_name_length_counts_characters(self):
        r = self.post_user({"email": "long-name@example.com",
                            "name": "\u00e9" * 200,
                            "password": "Long-Name-Passw0rd"})
        self.assertEqual(r.status, 201, repr(r))
        self.assertEqual(r.json["name"], "\u00e9" * 200)
        r = self.post_user({"email": "longer-name@example.com",
                            "name": "\u00e9" * 201,
                            "password": "Long-Name-Passw0rd"})
        self.assertFields(r, {"name": "max_len"})
        r = self.patch_user(self.plain["id"], {"name": "n" * 201})
        self.assertFields(r, {"name": "max_len"})

    def test_weak_password(self):
        for pw in ("Short-1x", "weak@example.com", "password1234",
                   "aaaaaaaaaaaa"):
            with self.subTest(password=pw):
                r = self.post_user({"email": "weak@example.com",
                                    "name": "Weak", "password": pw})
                self.assertFields(r, {"password": None})
        self.assertNotIn("weak@example.com", self.all_emails())

    def test_bad_email(self):
        for email in ("not-an-email", "a@", "@example.com", "a b@c.de",
                      "a@@example.com", ""):
            with self.subTest(email=email):
                r = self.post_user({"email": email, "name": "Bad",
                                    "password": "Good-Enough-Passw0rd"})
                self.assertFields(r, {"email": None})

    def test_body_validation_lists_every_field(self):
        cases = [
            ({}, {"email": "required", "password": "required"}),
            ({"email": "x@example.com", "password": "Good-Enough-Passw0rd",
              "is_admin": "yes", "role": "admin"},
             {"is_admin": "type", "role": "unknown"}),
            ({"email": 1, "name": 2, "password": None, "is_active": True},
             {"email": "type", "name": "type", "password": None,
              "is_active": "unknown"}),
            ({"email": "x@example.com", "password": "Good-Enough-Passw0rd",
              "id": 99}, {"id": "unknown"}),
        ]
        for body, fields in cases:
            with self.subTest(body=body):
                self.assertFields(self.post_user(body), fields)

    # -- list --------------------------------------------------------------

    def all_emails(self):
        r = self.list_users("?limit=500")
        self.assertEqual(r.status, 200, repr(r))
        return [u["email"] for u in r.json["items"]]

    def test_list(self):
        r = self.list_users()
        self.assertEqual(r.status, 200, repr(r))
        self.assertJsonHeaders(r)
        self.assertEqual(set(r.json), {"items", "total", "limit", "offset"})
        self.assertEqual(r.json["limit"], 50)
        self.assertEqual(r.json["offset"], 0)
        items = r.json["items"]
        self.assertEqual(r.json["total"], len(items))
        self.assertGreaterEqual(len(items), 3)
        for u in items:
            self.assertUser(u)
        self.assertUser(items[0], r.body)
        emails = [u["email"] for u in items]
        self.assertIn("admin@localhost", emails)
        self.assertIn("plain@example.com", emails)
        self.assertEqual(len(set(u["id"] for u in items)), len(items))

    def test_list_pages(self):
        full = self.list_users("?limit=500")
        self.assertEqual(full.status, 200, repr(full))
        total = full.json["total"]
        self.assertGreaterEqual(total, 3)
        r = self.list_users("?limit=1&offset=1")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["limit"], 1)
        self.assertEqual(r.json["offset"], 1)
        self.assertEqual(r.json["total"], total)
        self.assertEqual(r.json["items"], full.json["items"][1:2])
        r = self.list_users("?offset=%d" % total)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["items"], [])
        self.assertEqual(r.json["total"], total)

    def test_list_echoes_a_large_offset_exactly(self):
        # the largest integer JSON carries exactly (docs/api.md)
        big = 2 ** 53 - 1
        r = self.list_users("?offset=%d" % big)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["items"], [])
        self.assertIsInstance(r.json["offset"], int, repr(r))
        self.assertEqual(r.json["offset"], big, repr(r))

    def test_list_bad_parameters(self):
        for query, field in (("?limit=501", "limit"), ("?limit=0", "limit"),
                             ("?limit=-1", "limit"), ("?limit=abc", "limit"),
                             ("?offset=-1", "offset"),
                             ("?offset=x", "offset")):
            with self.subTest(query=query):
                self.assertFields(self.list_users(query), {field: None})
        self.assertEqual(self.list_users("?limit=500").status, 200)

    # -- patch -------------------------------------------------------------

    def test_deactivate_and_reactivate(self):
        pw = "Deact-User-Passw0rd"
        u = self.create_user("deact@example.com", pw, "Deact")
        tok = self.login_token("deact@example.com", pw)
        self.assertEqual(self.me(tok).status, 200)
        r = self.patch_user(u["id"], {"is_active": False})
        self.assertEqual(r.status, 200, repr(r))
        self.assertUser(r.json, r.body)
        self.assertIs(r.json["is_active"], False)
        # cut off at once, on the very next request
        self.assertUnauthenticated(self.me(tok))
        refused = self.server.login("deact@example.com", pw)
        self.assertUnauthenticated(refused)
        unknown = self.server.login("nobody-at-all@example.com", pw)
        self.assertUnauthenticated(unknown)
        self.assertEqual(strip_rid(refused.json), strip_rid(unknown.json))
        self.assertEqual(sorted(refused.header_names()),
                         sorted(unknown.header_names()))
        listed = [x for x in self.list_users("?limit=500").json["items"]
                  if x["id"] == u["id"]]
        self.assertEqual(len(listed), 1)
        self.assertIs(listed[0]["is_active"], False)
        # re-activated: logging in works again, the old token stays dead
        r = self.patch_user(u["id"], {"is_active": True})
        self.assertEqual(r.status, 200, repr(r))
        self.assertIs(r.json["is_active"], True)
        tok2 = self.login_token("deact@example.com", pw)
        self.assertEqual(self.me(tok2).status, 200)
        self.assertUnauthenticated(self.me(tok))

    def test_patch_name_and_admin_flag(self):
        u = self.create_user("renamed@example.com", "Renamed-Passw0rd-1",
                             "Before")
        tok = self.login_token("renamed@example.com", "Renamed-Passw0rd-1")
        self.assertError(self.list_users(token=tok), 403, "forbidden")
        r = self.patch_user(u["id"], {"name": "After", "is_admin": True})
        self.assertEqual(r.status, 200, repr(r))
        self.assertUser(r.json, r.body)
        self.assertEqual(r.json["name"], "After")
        self.assertIs(r.json["is_admin"], True)
        self.assertEqual(r.json["email"], "renamed@example.com")
        self.assertEqual(r.json["created_at"], u["created_at"])
        # rights follow the account at once, on the same token
        self.assertEqual(self.list_users(token=tok).status, 200)
        r = self.patch_user(u["id"], {"is_admin": False})
        self.assertEqual(r.status, 200, repr(r))
        self.assertIs(r.json["is_admin"], False)
        self.assertError(self.list_users(token=tok), 403, "forbidden")
        self.assertEqual(self.me(tok).json["name"], "After")

    def test_patch_missing_user(self):
        for uid in ("abc", "0", "-1", "01", "999999", "1.5"):
            with self.subTest(id=uid):
                r = self.patch_user(uid, {"name": "X"})
                self.assertError(r, 404, "not_found")

    def test_patch_body_validation(self):
        uid = self.plain["id"]
        cases = [
            ({"email": "new@example.com"}, {"email": "unknown"}),
            ({"password": "New-Passw0rd-12345"}, {"password": "unknown"}),
            ({"is_active": "no", "is_admin": 1}, {"is_active": "type",
                                                  "is_admin": "type"}),
            ({"id": 5, "name": "x"}, {"id": "unknown"}),
        ]
        for body, fields in cases:
            with self.subTest(body=body):
                self.assertFields(self.patch_user(uid, body), fields)
        # and nothing changed
        r = self.me(self.login_token("plain@example.com", self.plain_pw))
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["email"], "plain@example.com")
        self.assertIs(r.json["is_admin"], False)

    def test_admin_cannot_deactivate_themself(self):
        r = self.patch_user(self.admin_id, {"is_active": False})
        self.assertFields(r, {"is_active": None})
        r = self.me(self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        self.assertIs(r.json["is_admin"], True)

    # -- other users -------------------------------------------------------

    def test_non_admin_is_forbidden(self):
        tok = self.login_token("plain@example.com", self.plain_pw)
        r = self.me(tok)
        self.assertEqual(r.status, 200, repr(r))
        self.assertIs(r.json["is_admin"], False)
        self.assertEqual(r.json["email"], "plain@example.com")
        self.assertError(self.list_users(token=tok), 403, "forbidden")
        r = self.post_user({"email": "sneaky@example.com", "name": "S",
                            "password": "Sneaky-Passw0rd-1",
                            "is_admin": True}, token=tok)
        self.assertError(r, 403, "forbidden")
        # policy (403) is decided before validation (422)
        self.assertError(self.post_user({}, token=tok), 403, "forbidden")
        for uid, body in ((self.admin_id, {"is_active": False}),
                          (self.plain["id"], {"is_admin": True})):
            with self.subTest(id=uid):
                r = self.patch_user(uid, body, token=tok)
                self.assertError(r, 403, "forbidden")
        self.assertNotIn("sneaky@example.com", self.all_emails())
        r = self.me(tok)
        self.assertIs(r.json["is_admin"], False)
        self.assertEqual(self.me(self.admin_token).status, 200)

    def test_no_token(self):
        for method, path, body in (("GET", USERS, None),
                                   ("POST", USERS, {}),
                                   ("PATCH", USERS + "/1", {})):
            with self.subTest(method=method):
                self.assertUnauthenticated(
                    self.server.api(method, path, body))


# -- erpd user add -----------------------------------------------------------

class CliUserAddTest(UsersCase, ServerTestCase):
    """`erpd user add` on a fresh data dir before the server starts (so no
    development admin is generated), then on the live one."""

    BOB_PW = "a-Strong-passw0rd"
    ALICE_PW = "Alice-Admin-passw0rd"

    @classmethod
    def prepare_class(cls, tmp):
        cls.data_dir = os.path.join(tmp, "data")
        os.makedirs(cls.data_dir, mode=0o700, exist_ok=True)
        cls.bob = cls.cli(["--email", "Bob@Example.com", "--name", "Bob"],
                          cls.BOB_PW + "\n")
        cls.alice = cls.cli(["--email", "alice@example.com", "--admin"],
                            cls.ALICE_PW + "\n")
        return {}

    @classmethod
    def cli(cls, args, stdin):
        return run_erpd(["user", "add"] + list(args),
                        env={"ERP_ENV": "development",
                             "ERP_DATA_DIR": cls.data_dir}, input=stdin,
                        timeout=60)

    @classmethod
    def setup_identity(cls):
        cls.keep(cls.BOB_PW, cls.ALICE_PW)

    def assertNoPassword(self, res, pw):
        self.assertNotIn(pw, res.stdout)
        self.assertNotIn(pw, res.stderr)

    def test_add_prints_the_id(self):
        self.assertEqual(self.bob.returncode, 0, self.bob.stderr)
        self.assertNoPassword(self.bob, self.BOB_PW)
        ids = re.findall(r"\b[0-9]+\b", self.bob.stdout)
        self.assertTrue(ids, self.bob.stdout)
        tok = self.login_token("bob@example.com", self.BOB_PW)
        r = self.me(tok)
        self.assertEqual(r.status, 200, repr(r))
        self.assertIn(str(r.json["id"]), ids, self.bob.stdout)
        self.assertEqual(r.json["email"], "bob@example.com")
        self.assertEqual(r.json["name"], "Bob")
        self.assertIs(r.json["is_admin"], False)
        self.assertError(self.list_users(token=tok), 403, "forbidden")

    def test_email_is_case_insensitive(self):
        tok = self.login_token("BOB@example.COM", self.BOB_PW)
        self.assertEqual(self.me(tok).status, 200)

    def test_admin_flag(self):
        self.assertEqual(self.alice.returncode, 0, self.alice.stderr)
        self.assertNoPassword(self.alice, self.ALICE_PW)
        tok = self.login_token("alice@example.com", self.ALICE_PW)
        r = self.me(tok)
        self.assertIs(r.json["is_admin"], True)
        r = self.list_users(token=tok)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(sorted(u["email"] for u in r.json["items"]),
                         ["alice@example.com", "bob@example.com"])

    def test_no_development_admin_once_users_exist(self):
        self.assertFalse(os.path.exists(os.path.join(
            self.data_dir, "initial-admin.txt")))
        self.assertNotIn("initial-admin.txt", self.server.stderr())

    def test_weak_password(self):
        for pw in ("short", "password1234", "aaaaaaaaaaaa",
                   "weakling@example.com"):
            with self.subTest(password=pw):
                res = self.cli(["--email", "weakling@example.com"],
                               pw + "\n")
                self.assertEqual(res.returncode, 1, res)
                self.assertIn("password", res.stderr.lower())
                self.assertEqual(res.stdout, "")
        self.assertUnauthenticated(self.server.login("weakling@example.com",
                                                     "password1234"))

    def test_duplicate(self):
        for email in ("bob@example.com", "BOB@EXAMPLE.COM"):
            with self.subTest(email=email):
                res = self.cli(["--email", email, "--name", "Bob 2"],
                               "Other-Strong-passw0rd\n")
                self.assertEqual(res.returncode, 1, res)
                self.assertTrue(res.stderr.strip(), res)
        # bob keeps his password
        tok = self.login_token("bob@example.com", self.BOB_PW)
        self.assertEqual(self.me(tok).status, 200)

    def test_missing_email(self):
        res = self.cli(["--name", "Nobody"], "Nobody-Strong-passw0rd\n")
        self.assertEqual(res.returncode, 2, res)
        self.assertIn("--email", res.stderr)

    def test_no_password_on_stdin(self):
        res = self.cli(["--email", "nopw@example.com"], "")
        self.assertEqual(res.returncode, 1, res)
        self.assertTrue(res.stderr.strip(), res)

    def test_password_is_not_an_argument(self):
        # by design the password only comes from stdin, never from argv
        res = self.cli(["--email", "argv@example.com", "--password",
                        "Argv-Strong-passw0rd"], "Argv-Strong-passw0rd\n")
        self.assertEqual(res.returncode, 2, res)
        self.assertUnauthenticated(self.server.login(
            "argv@example.com", "Argv-Strong-passw0rd"))


if __name__ == "__main__":
    unittest.main()
