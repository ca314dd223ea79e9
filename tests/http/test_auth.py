"""docs/configuration.md and docs/api.md: the bootstrap admin, login, access tokens
(crafted ones included), logout, password change and the login rate
limits. Request bodies on the login endpoint are test_body.py's."""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets as rnd
import stat
import threading
import time
import unittest

from harness import (DEV_ADMIN_EMAIL, LOGIN_PATH, IdentityMixin, Server,
                     ServerTestCase, bearer)

ME = "/api/v1/users/me"
LOGOUT = "/api/v1/auth/logout"
PASSWORD = "/api/v1/users/me/password"
USERS = "/api/v1/users"

# Generous enough that no class but the rate-limit ones is ever limited.
NO_LIMIT = {"ERP_LOGIN_RATE": "1000/minute"}
TOKEN_KEYS = {"access_token", "token_type", "expires_in"}
JTI_RE = re.compile(r"^[0-9a-f]{32}$")


# -- JWT by hand ------------------------------------------------------------

def b64u(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64u_json(obj):
    return b64u(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token):
    """(header, payload) of a token, decoded."""
    h, p, _ = token.split(".")
    return json.loads(unb64u(h)), json.loads(unb64u(p))


def jwt_sign(key, header, payload, digest=hashlib.sha256):
    """header.payload.signature, HMAC'd with key (bytes) and digest."""
    signing = b64u_json(header) + "." + b64u_json(payload)
    mac = hmac.new(key, signing.encode("ascii"), digest).digest()
    return signing + "." + b64u(mac)


def change_char(text, i):
    """text with the base64url character at i replaced by another."""
    c = "A" if text[i] != "A" else "B"
    return text[:i] + c + text[i + 1:]


def strip_rid(obj):
    """A copy of an error body without its request_id."""
    obj = json.loads(json.dumps(obj))
    if isinstance(obj, dict) and isinstance(obj.get("error"), dict):
        obj["error"].pop("request_id", None)
    return obj


def raw_login(server, email, password, header_lines):
    """A login sent on a raw socket, so that a header may appear on more
    than one line (http.client would merge or refuse that)."""
    body = json.dumps({"email": email, "password": password}).encode()
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n"
            % (LOGIN_PATH, len(body)))
    head += "".join(ln + "\r\n" for ln in header_lines) + "\r\n"
    return server.raw(head.encode("latin-1") + body, timeout=30)


def wait_for_window(window=60, margin=8):
    """Fixed rate-limit windows start at multiples of window (Unix time):
    sleeps past the next start if fewer than margin seconds are left, so a
    short burst of attempts lands in one window."""
    left = window - time.time() % window
    if left < margin:
        time.sleep(left + 0.5)


class IdentityCase(IdentityMixin):
    """Mixed into a ServerTestCase: a development server, not rate limited,
    with its bootstrap admin logged in; no password or token it sees may
    reach its logs (IdentityMixin)."""

    server_env = NO_LIMIT


# -- bootstrap ---------------------------------------------------------------

class BootstrapDevelopmentTest(IdentityCase, ServerTestCase):

    def test_initial_admin_file(self):
        path = os.path.join(self.server.data_dir, "initial-admin.txt")
        st = os.lstat(path)
        self.assertTrue(stat.S_ISREG(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, oct(st.st_mode))
        with open(path) as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        self.assertEqual(len(lines), 2, lines)
        self.assertEqual(lines[0], "email: " + DEV_ADMIN_EMAIL)
        self.assertRegex(lines[1], r"^password: [0-9a-f]{12,}$")

    def test_log_names_the_file_but_not_the_password(self):
        err = self.server.stderr()
        self.assertIn("initial-admin.txt", err)
        self.assertNotIn(self.admin_password, err)
        self.assertNotIn(self.admin_password, self.server.stdout())

    def test_bootstrap_admin_is_a_system_admin(self):
        r = self.me(self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["email"], DEV_ADMIN_EMAIL)
        self.assertIs(r.json["is_admin"], True)
        r = self.server.api("GET", USERS, token=self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["total"], 1, repr(r))


class BootstrapFromEnvironmentTest(IdentityCase, ServerTestCase):
    EMAIL = "root@example.com"
    PASSWORD = "Bootstrap-Passw0rd-7x"
    server_env = dict(NO_LIMIT, ERP_BOOTSTRAP_ADMIN_EMAIL=EMAIL,
                      ERP_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD)

    @classmethod
    def setup_identity(cls):
        cls.admin_email, cls.admin_password = cls.EMAIL, cls.PASSWORD
        cls.keep(cls.PASSWORD)
        cls.admin_token = cls.keep(cls.server.token(cls.EMAIL, cls.PASSWORD))

    def test_admin_from_environment(self):
        r = self.me(self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["email"], self.EMAIL)
        self.assertIs(r.json["is_admin"], True)

    def test_no_generated_admin(self):
        self.assertFalse(os.path.exists(os.path.join(
            self.server.data_dir, "initial-admin.txt")))
        r = self.server.api("GET", USERS, token=self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual([u["email"] for u in r.json["items"]], [self.EMAIL])
        r = self.server.login(DEV_ADMIN_EMAIL, self.PASSWORD)
        self.assertUnauthenticated(r)


class BootstrapRefusedTest(unittest.TestCase):
    """A bad bootstrap configuration stops `erpd serve` with exit code 1
    and one line naming the variable, and creates nobody."""

    def refused(self, env):
        server = Server(env=env)
        self.addCleanup(server.cleanup)
        server.spawn()
        rc = server.wait(30)
        self.assertIsNotNone(rc, "erpd kept running with %r" % env)
        self.assertEqual(rc, 1, server.stderr())
        self.assertFalse(os.path.exists(os.path.join(
            server.data_dir, "initial-admin.txt")))
        return server.stderr()

    def test_weak_password(self):
        for pw in ("short", "password1234", "aaaaaaaaaaaa"):
            with self.subTest(password=pw):
                err = self.refused({
                    "ERP_BOOTSTRAP_ADMIN_EMAIL": "root@example.com",
                    "ERP_BOOTSTRAP_ADMIN_PASSWORD": pw})
                self.assertIn("ERP_BOOTSTRAP_ADMIN_PASSWORD", err)
                if pw != "short":
                    self.assertNotIn(pw, err)

    def test_password_equal_to_the_email(self):
        err = self.refused({
            "ERP_BOOTSTRAP_ADMIN_EMAIL": "rootadmin@example.com",
            "ERP_BOOTSTRAP_ADMIN_PASSWORD": "rootadmin@example.com"})
        self.assertIn("ERP_BOOTSTRAP_ADMIN_PASSWORD", err)

    def test_bad_email(self):
        err = self.refused({
            "ERP_BOOTSTRAP_ADMIN_EMAIL": "not-an-email",
            "ERP_BOOTSTRAP_ADMIN_PASSWORD": "Bootstrap-Passw0rd-7x"})
        self.assertIn("ERP_BOOTSTRAP_ADMIN_EMAIL", err)
        self.assertNotIn("Bootstrap-Passw0rd-7x", err)

    def test_only_email(self):
        err = self.refused({"ERP_BOOTSTRAP_ADMIN_EMAIL": "root@example.com"})
        self.assertIn("ERP_BOOTSTRAP_ADMIN_PASSWORD", err)

    def test_only_password(self):
        pw = "Only-The-Passw0rd-9"
        err = self.refused({"ERP_BOOTSTRAP_ADMIN_PASSWORD": pw})
        self.assertIn("ERP_BOOTSTRAP_ADMIN_EMAIL", err)
        self.assertNotIn(pw, err)


# -- login -------------------------------------------------------------------

class LoginTest(IdentityCase, ServerTestCase):

    def test_token_shape(self):
        r = self.server.login(self.admin_email, self.admin_password)
        self.assertEqual(r.status, 200, repr(r))
        self.keep(r.json["access_token"])
        self.assertJsonHeaders(r)
        self.assertSecurityHeaders(r)
        self.assertEqual(set(r.json), TOKEN_KEYS, repr(r))
        self.assertEqual(r.json["token_type"], "bearer")
        self.assertEqual(r.json["expires_in"], 1800)
        self.assertIsInstance(r.json["expires_in"], int)
        header, claims = jwt_parts(r.json["access_token"])
        self.assertEqual(header.get("alg"), "HS256")
        self.assertIsInstance(claims["sub"], str)
        self.assertEqual(claims["exp"] - claims["iat"], 1800)
        self.assertEqual(claims["iss"], "erpd")
        self.assertRegex(claims["jti"], JTI_RE)

    def test_email_is_case_insensitive_and_trimmed(self):
        for email in ("ADMIN@LocalHost", "  admin@localhost ",
                      "\tAdmin@LOCALHOST"):
            with self.subTest(email=email):
                tok = self.login_token(email, self.admin_password)
                r = self.me(tok)
                self.assertEqual(r.status, 200, repr(r))
                self.assertEqual(r.json["email"], DEV_ADMIN_EMAIL)

    def test_password_is_case_sensitive(self):
        self.assertUnauthenticated(self.server.login(
            self.admin_email, self.admin_password.upper()))

    def test_wrong_password_and_unknown_email_look_the_same(self):
        wrong = self.server.login(self.admin_email, "Wrong-passw0rd-123")
        unknown = self.server.login("nobody@example.com",
                                    "Wrong-passw0rd-123")
        self.assertUnauthenticated(wrong)
        self.assertUnauthenticated(unknown)
        self.assertEqual(strip_rid(wrong.json), strip_rid(unknown.json))
        self.assertEqual(sorted(wrong.header_names()),
                         sorted(unknown.header_names()))
        self.assertNotIn("fields", wrong.json["error"])

    def test_not_an_email_is_401_too(self):
        # Not a validation error: that would tell which inputs are users.
        r = self.server.login("not-an-email", "Wrong-passw0rd-123")
        self.assertUnauthenticated(r)

    def test_validation_lists_every_broken_field(self):
        cases = [
            ({}, {"email": "required", "password": "required"}),
            ({"email": "admin@localhost"}, {"password": "required"}),
            ({"email": 5, "password": ["x"]},
             {"email": "type", "password": "type"}),
            ({"email": "admin@localhost", "password": "x", "remember": True},
             {"remember": "unknown"}),
            ({"email": None, "pw": "x"},
             {"email": None, "password": "required", "pw": "unknown"}),
            ({"password": self.admin_password, "user": DEV_ADMIN_EMAIL},
             {"email": "required", "user": "unknown"}),
        ]
        for body, fields in cases:
            with self.subTest(body=body):
                r = self.server.api("POST", LOGIN_PATH, body)
                self.assertFields(r, fields)

    def test_login_needs_no_credentials(self):
        # A public endpoint: a bad bearer token does not stop it.
        r = self.server.login(self.admin_email, self.admin_password,
                              headers=bearer("garbage"))
        self.assertEqual(r.status, 200, repr(r))
        self.keep(r.json["access_token"])

    def test_get_is_405(self):
        r = self.server.get(LOGIN_PATH)
        self.assertError(r, 405, "method_not_allowed")


# -- access tokens -----------------------------------------------------------

class TokenTest(IdentityCase, ServerTestCase):

    def test_me(self):
        r = self.me(self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        self.assertJsonHeaders(r)
        self.assertEqual(set(r.json), {"id", "email", "name", "is_admin",
                                       "organizations"}, repr(r))
        self.assertIsInstance(r.json["id"], int)
        self.assertEqual(r.json["email"], DEV_ADMIN_EMAIL)
        self.assertIsInstance(r.json["name"], str)
        self.assertIs(r.json["is_admin"], True)
        self.assertEqual(r.json["organizations"], [])
        _, claims = jwt_parts(self.admin_token)
        self.assertEqual(claims["sub"], str(r.json["id"]))

    def test_refused_authorization_headers(self):
        tok = self.admin_token
        h, p, s = tok.split(".")
        cases = {
            "none": {},
            "empty bearer": {"Authorization": "Bearer "},
            "bare scheme": {"Authorization": "Bearer"},
            "basic": {"Authorization": "Basic YWRtaW46c2VjcmV0"},
            "other scheme, valid token": {"Authorization": "Token " + tok},
            "no scheme, valid token": {"Authorization": tok},
            "garbage": {"Authorization": "Bearer garbage"},
            "three dots": {"Authorization": "Bearer a.b.c"},
            "signature changed": bearer(
                h + "." + p + "." + change_char(s, len(s) // 2)),
            "payload changed": bearer(
                h + "." + change_char(p, len(p) // 2) + "." + s),
            "header changed": bearer(
                change_char(h, len(h) // 2) + "." + p + "." + s),
            "signature dropped": bearer(h + "." + p + "."),
            "signature of another token": bearer(
                h + "." + p + "." + self.other_token().split(".")[2]),
            "trailing garbage": bearer(tok + "x"),
            "extra part": bearer(tok + ".e30"),
        }
        for name, headers in cases.items():
            with self.subTest(name):
                self.assertUnauthenticated(
                    self.server.request("GET", ME, headers))
        # ... and the token itself is fine
        self.assertEqual(self.me(tok).status, 200)

    def other_token(self):
        return self.login_token(self.admin_email, self.admin_password)

    def test_token_of_another_server(self):
        other = Server(env=NO_LIMIT)
        self.addCleanup(other.cleanup)
        other.start()
        email, pw = other.initial_admin()
        tok = other.token(email, pw)
        self.addCleanup(other.stop)
        # valid there (same user id, same version: only the key differs)
        self.assertEqual(other.api("GET", ME, token=tok).status, 200)
        self.assertEqual(jwt_parts(tok)[1]["sub"],
                         jwt_parts(self.admin_token)[1]["sub"])
        self.assertUnauthenticated(self.me(tok))

    def test_alg_none(self):
        header, claims = jwt_parts(self.admin_token)
        sig = self.admin_token.split(".")[2]
        for alg in ("none", "None", "NONE", "nOnE"):
            for typ in (True, False):
                h = {"alg": alg, "typ": "JWT"} if typ else {"alg": alg}
                unsigned = b64u_json(h) + "." + b64u_json(claims)
                for tok in (unsigned + ".", unsigned,
                            unsigned + "." + sig):
                    with self.subTest(alg=alg, typ=typ, token=tok[-12:]):
                        self.assertUnauthenticated(self.me(tok))

    def test_two_authorization_lines(self):
        # Authorization is not a list: a second line makes the credentials
        # ambiguous (which one did a proxy or the log look at?).
        for lines in ((self.admin_token, "garbage"),
                      ("garbage", self.admin_token)):
            with self.subTest(order=[ln[:8] for ln in lines]):
                req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Connection: close\r\n" % ME)
                req += "".join("Authorization: Bearer %s\r\n" % t
                               for t in lines) + "\r\n"
                self.assertUnauthenticated(self.server.raw(req.encode()))

    def test_bearer_and_api_key_together(self):
        r = self.server.request("GET", ME, dict(
            bearer(self.admin_token), **{"X-API-Key": "erp_something"}))
        self.assertUnauthenticated(r)

    def test_api_key_alone(self):
        r = self.server.request("GET", ME, {"X-API-Key": "erp_something"})
        self.assertUnauthenticated(r)

    def test_401_comes_before_the_body(self):
        # credentials (401) are checked before content type and JSON
        r = self.server.request("PUT", PASSWORD,
                                {"Content-Type": "text/plain"}, b"{")
        self.assertUnauthenticated(r)


class CraftedTokenTest(IdentityCase, ServerTestCase):
    """Tokens signed here with the server's own development key
    ($ERP_DATA_DIR/jwt.secret), so that each claim check is reached."""

    server_env = dict(NO_LIMIT, ERP_JWT_TTL_MINUTES="1")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(os.path.join(cls.server.data_dir, "jwt.secret"),
                  "rb") as f:
            cls.key = f.read()
        cls.keep(cls.key.decode("latin-1"))
        r = cls.server.api("GET", ME, token=cls.admin_token)
        cls.admin_id = r.json["id"]

    def claims(self, **changes):
        """Claims of a fresh token for the admin, with changes (a value of
        None drops the claim)."""
        now = int(time.time())
        c = {"sub": str(self.admin_id), "iat": now, "exp": now + 60,
             "iss": "erpd", "jti": rnd.token_hex(16), "ver": 0}
        for k, v in changes.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        return c

    def craft(self, header=None, digest=hashlib.sha256, **changes):
        return self.keep(jwt_sign(self.key, header or {"alg": "HS256",
                                                       "typ": "JWT"},
                                  self.claims(**changes), digest))

    def test_login_token_with_short_ttl(self):
        r = self.server.login(self.admin_email, self.admin_password)
        self.assertEqual(r.status, 200, repr(r))
        tok = self.keep(r.json["access_token"])
        self.assertEqual(r.json["expires_in"], 60)
        header, c = jwt_parts(tok)
        self.assertEqual(header["alg"], "HS256")
        self.assertEqual(c["exp"] - c["iat"], 60)
        self.assertLessEqual(abs(c["iat"] - time.time()), 30)
        self.assertEqual(c["sub"], str(self.admin_id))
        self.assertEqual(c["iss"], "erpd")
        self.assertRegex(c["jti"], JTI_RE)
        self.assertEqual(c["ver"], 0)
        self.assertEqual(self.me(tok).status, 200)

    def test_crafted_token_is_accepted(self):
        # proves the crafting: everything refused below differs in one way
        for header in ({"alg": "HS256", "typ": "JWT"}, {"alg": "HS256"}):
            with self.subTest(header=header):
                r = self.me(self.craft(header))
                self.assertEqual(r.status, 200, repr(r))
                self.assertEqual(r.json["id"], self.admin_id)

    def test_refused_claims(self):
        now = int(time.time())
        cases = {
            "expired (beyond the skew)": {"exp": now - 60},
            "expired long ago": {"exp": now - 86400, "iat": now - 90000},
            "exp a string": {"exp": str(now + 60)},
            "exp a float": {"exp": now + 60.5},
            "exp missing": {"exp": None},
            "exp zero": {"exp": 0},
            "wrong iss": {"iss": "evil"},
            "iss missing": {"iss": None},
            "ver wrong": {"ver": 1},
            "ver a string": {"ver": "0"},
            "ver missing": {"ver": None},
            "sub unknown user": {"sub": "999999"},
            "sub an integer": {"sub": self.admin_id},
            "sub missing": {"sub": None},
        }
        for name, changes in cases.items():
            with self.subTest(name):
                self.assertUnauthenticated(self.me(self.craft(**changes)))

    def test_other_alg_with_the_same_key(self):
        for alg, digest in (("HS512", hashlib.sha512),
                            ("HS384", hashlib.sha384)):
            with self.subTest(alg=alg):
                tok = self.craft({"alg": alg, "typ": "JWT"}, digest)
                self.assertUnauthenticated(self.me(tok))

    def test_hs256_header_with_another_key(self):
        tok = self.keep(jwt_sign(b"x" * 64, {"alg": "HS256", "typ": "JWT"},
                                 self.claims()))
        self.assertUnauthenticated(self.me(tok))


# -- logout ------------------------------------------------------------------

class LogoutTest(IdentityCase, ServerTestCase):

    def test_logout_kills_only_that_token(self):
        t1 = self.login_token(self.admin_email, self.admin_password)
        t2 = self.login_token(self.admin_email, self.admin_password)
        self.assertEqual(self.me(t1).status, 200)
        r = self.server.api("POST", LOGOUT, token=t1)
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(r.body, b"")
        self.assertSecurityHeaders(r)
        self.assertUnauthenticated(self.me(t1))
        self.assertUnauthenticated(self.server.api("POST", LOGOUT, token=t1))
        r = self.me(t2)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(self.me(self.admin_token).status, 200)
        # the revocation outlives a restart
        self.assertEqual(self.server.stop(), 0)
        self.server.start()
        self.assertUnauthenticated(self.me(t1))
        self.assertEqual(self.me(t2).status, 200)

    def test_logout_without_token(self):
        self.assertUnauthenticated(self.server.api("POST", LOGOUT))


# -- password change ---------------------------------------------------------

class PasswordChangeTest(IdentityCase, ServerTestCase):
    REJECT_EMAIL = "keeper@example.com"
    REJECT_PW = "Keeper-Passw0rd-1"
    CHANGE_EMAIL = "changer@example.com"
    OLD_PW = "Changer-Old-Passw0rd"
    NEW_PW = "Changer-New-Passw0rd"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keep(cls.NEW_PW)
        cls.create_user(cls.REJECT_EMAIL, cls.REJECT_PW, "Keeper")
        cls.create_user(cls.CHANGE_EMAIL, cls.OLD_PW, "Changer")
        cls.reject_token = cls.keep(cls.server.token(cls.REJECT_EMAIL,
                                                     cls.REJECT_PW))

    def put(self, body, token):
        return self.server.api("PUT", PASSWORD, body, token=token)

    def test_wrong_current_password(self):
        r = self.put({"current_password": "Not-The-Passw0rd",
                      "new_password": "Fine-New-Passw0rd-2"},
                     self.reject_token)
        self.assertFields(r, {"current_password": None})
        self.assertEqual(self.me(self.reject_token).status, 200)

    def test_weak_new_password(self):
        for pw in ("Short-1x", "Elevenchars", self.REJECT_EMAIL,
                   "password1234", "aaaaaaaaaaaa"):
            with self.subTest(new_password=pw):
                r = self.put({"current_password": self.REJECT_PW,
                              "new_password": pw}, self.reject_token)
                self.assertFields(r, {"new_password": None})
        # nothing changed
        self.assertEqual(self.me(self.reject_token).status, 200)

    def test_body_validation(self):
        cases = [
            ({}, {"current_password": "required",
                  "new_password": "required"}),
            ({"current_password": 1, "new_password": "Fine-New-Passw0rd-2",
              "confirm": "x"}, {"current_password": "type",
                                "confirm": "unknown"}),
        ]
        for body, fields in cases:
            with self.subTest(body=body):
                self.assertFields(self.put(body, self.reject_token), fields)

    def test_needs_a_token(self):
        self.assertUnauthenticated(self.put(
            {"current_password": self.REJECT_PW,
             "new_password": "Fine-New-Passw0rd-2"}, None))

    def test_change_kills_every_earlier_token(self):
        t1 = self.login_token(self.CHANGE_EMAIL, self.OLD_PW)
        t2 = self.login_token(self.CHANGE_EMAIL, self.OLD_PW)
        r = self.put({"current_password": self.OLD_PW,
                      "new_password": self.NEW_PW}, t1)
        self.assertEqual(r.status, 200, repr(r))
        self.assertJsonHeaders(r)
        self.assertEqual(set(r.json), TOKEN_KEYS, repr(r))
        self.assertEqual(r.json["token_type"], "bearer")
        self.assertEqual(r.json["expires_in"], 1800)
        fresh = self.keep(r.json["access_token"])
        self.assertNotIn(fresh, (t1, t2))
        self.assertUnauthenticated(self.me(t1))
        self.assertUnauthenticated(self.me(t2))
        r = self.me(fresh)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["email"], self.CHANGE_EMAIL)
        self.assertUnauthenticated(self.server.login(self.CHANGE_EMAIL,
                                                     self.OLD_PW))
        later = self.login_token(self.CHANGE_EMAIL, self.NEW_PW)
        self.assertEqual(self.me(later).status, 200)
        self.assertEqual(self.me(fresh).status, 200)
        # the used token cannot change it again
        self.assertUnauthenticated(self.put(
            {"current_password": self.NEW_PW,
             "new_password": "Third-Passw0rd-xyz"}, t1))


# -- login rate limits -------------------------------------------------------

RATE = 3


class RateLimitTest(IdentityCase, ServerTestCase):
    """ERP_LOGIN_RATE=3/minute behind a trusted proxy: X-Forwarded-For
    chooses the client address, so the two limits can be told apart."""

    server_env = {"ERP_LOGIN_RATE": "%d/minute" % RATE,
                  "ERP_TRUSTED_PROXIES": "127.0.0.1/32"}
    VICTIM = "victim@example.com"
    VICTIM_PW = "Victim-Passw0rd-42"
    IPUSER = "ipuser@example.com"
    IPUSER_PW = "Ipuser-Passw0rd-42"

    @classmethod
    def setup_identity(cls):
        cls.admin_email, cls.admin_password = cls.server.initial_admin()
        cls.keep(cls.admin_password)
        cls.admin_token = cls.keep(cls.server.token(
            cls.admin_email, cls.admin_password,
            {"X-Forwarded-For": "10.0.255.1"}))
        cls.create_user(cls.VICTIM, cls.VICTIM_PW)
        cls.create_user(cls.IPUSER, cls.IPUSER_PW)

    def attempt(self, email, password, ip):
        r = self.server.login(email, password, {"X-Forwarded-For": ip})
        if r.status == 200:
            self.keep(r.json["access_token"])
        return r

    def assertLimited(self, r):
        err = self.assertError(r, 429, "rate_limited")
        ra = r.headers.get("retry-after", "")
        self.assertRegex(ra, r"^[0-9]+$", repr(r))
        self.assertGreaterEqual(int(ra), 1)
        self.assertLessEqual(int(ra), 60)
        return err

    def test_per_account_failures(self):
        # Each attempt from its own address: only the account limit bites.
        seqs = {}
        for email, right in ((self.VICTIM, self.VICTIM_PW),
                             ("ghost@example.com", "Ghost-Passw0rd-42")):
            ips = ["10.0.1.%d" % (len(seqs) * 10 + i + 1) for i in range(9)]
            wait_for_window()
            rs = [self.attempt(email, "Wrong-passw0rd-%d" % i, ips[i])
                  for i in range(RATE)]
            # the fourth, even with the right password
            rs.append(self.attempt(email, right, ips[7]))
            # the account key is the normalised email
            rs.append(self.attempt("  " + email.upper() + " ", right,
                                   ips[8]))
            seqs[email] = rs
        victim, ghost = seqs[self.VICTIM], seqs["ghost@example.com"]
        self.assertEqual([r.status for r in victim],
                         [401] * RATE + [429, 429], victim)
        self.assertEqual([r.status for r in ghost],
                         [r.status for r in victim], ghost)
        for a, b in zip(victim[:RATE], ghost[:RATE]):
            self.assertUnauthenticated(a)
            self.assertUnauthenticated(b)
            self.assertNotIn("retry-after", a.headers)
            self.assertEqual(strip_rid(a.json), strip_rid(b.json))
            self.assertEqual(sorted(a.header_names()),
                             sorted(b.header_names()))
        self.assertLimited(victim[RATE])
        self.assertLimited(ghost[RATE])
        self.assertEqual(strip_rid(victim[RATE].json),
                         strip_rid(ghost[RATE].json))
        self.assertEqual(sorted(victim[RATE].header_names()),
                         sorted(ghost[RATE].header_names()))
        self.assertLimited(victim[RATE + 1])
        # the addresses were not limited, only the accounts
        r = self.attempt(self.IPUSER, self.IPUSER_PW, "10.0.1.8")
        self.assertEqual(r.status, 200, repr(r))

    def test_concurrent_failures_respect_the_account_limit(self):
        # Guesses sent at once, each from its own address, must not get
        # past the account limit: at most RATE are checked, the rest 429.
        email, n = "racer@example.com", 8
        self.create_user(email, "Racer-Passw0rd-42")
        out = [None] * n

        def guess(i):
            out[i] = self.attempt(email, "Wrong-passw0rd-%d" % i,
                                  "10.0.5.%d" % (i + 1))

        wait_for_window()
        threads = [threading.Thread(target=guess, args=(i,))
                   for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(r.status for r in out)
        self.assertLessEqual(statuses.count(401), RATE,
                             "%d wrong passwords were checked for one "
                             "account with the limit at %d: %r"
                             % (statuses.count(401), RATE, statuses))
        self.assertEqual(statuses, [401] * RATE + [429] * (n - RATE))

    def test_per_ip_every_attempt_counts(self):
        ip = "10.0.2.1"
        wait_for_window()
        statuses = [
            self.attempt(self.IPUSER, self.IPUSER_PW, ip).status,
            self.attempt("ip-a@example.com", "Wrong-passw0rd-1", ip).status,
            self.attempt("ip-b@example.com", "Wrong-passw0rd-1", ip).status,
        ]
        self.assertEqual(statuses, [200, 401, 401])
        # a fourth account, never seen before, from the same address
        self.assertLimited(self.attempt("ip-c@example.com",
                                        "Wrong-passw0rd-1", ip))
        self.assertLimited(self.attempt(self.IPUSER, self.IPUSER_PW, ip))
        # the account itself is not limited: one failure only
        r = self.attempt(self.IPUSER, self.IPUSER_PW, "10.0.2.2")
        self.assertEqual(r.status, 200, repr(r))

    def test_successes_count_per_ip(self):
        ip = "10.0.4.1"
        wait_for_window()
        for _ in range(RATE):
            r = self.attempt(self.IPUSER, self.IPUSER_PW, ip)
            self.assertEqual(r.status, 200, repr(r))
        self.assertLimited(self.attempt(self.IPUSER, self.IPUSER_PW, ip))

    def test_forwarded_for_over_two_header_lines(self):
        # A proxy may add its own X-Forwarded-For line after the client's
        # (HAProxy's "option forwardfor" does); the lines form one list
        # (RFC 9110 section 5.3), whose right-most entry is the proxy's.
        wait_for_window()
        rs = [raw_login(self.server, "lines-%d@example.com" % i,
                        "Wrong-passw0rd-1",
                        ["X-Forwarded-For: 10.0.6.%d" % (i + 1),
                         "X-Forwarded-For: 10.0.7.1"])
              for i in range(RATE + 1)]
        self.assertEqual([r.status for r in rs], [401] * RATE + [429],
                         "the client chose its address with its own "
                         "X-Forwarded-For line")

    def test_right_most_untrusted_forwarded_entry_is_the_client(self):
        wait_for_window()
        rs = [self.attempt("xff-%d@example.com" % i, "Wrong-passw0rd-1",
                           "203.0.113.%d, 10.0.3.1, 127.0.0.1" % i)
              for i in range(RATE + 1)]
        self.assertEqual([r.status for r in rs], [401] * RATE + [429], rs)
        self.assertLimited(rs[RATE])


class RateLimitWithoutTrustedProxyTest(IdentityCase, ServerTestCase):
    """With no ERP_TRUSTED_PROXIES, X-Forwarded-For is ignored."""

    server_env = {"ERP_LOGIN_RATE": "%d/minute" % RATE}

    @classmethod
    def setup_identity(cls):
        # no login here: it would count against the only client address
        cls.admin_email, cls.admin_password = cls.server.initial_admin()
        cls.keep(cls.admin_password)

    def test_forwarded_for_is_ignored(self):
        wait_for_window()
        rs = [self.server.login("nx-%d@example.com" % i, "Wrong-passw0rd-1",
                                {"X-Forwarded-For": "10.0.0.%d" % (i + 1)})
              for i in range(RATE + 1)]
        self.assertEqual([r.status for r in rs], [401] * RATE + [429], rs)
        self.assertError(rs[RATE], 429, "rate_limited")
        # the right password of an account never tried is limited as well
        r = self.server.login(self.admin_email, self.admin_password,
                              {"X-Forwarded-For": "10.0.0.200"})
        self.assertError(r, 429, "rate_limited")
        self.assertRegex(r.headers.get("retry-after", ""), r"^[0-9]+$")


if __name__ == "__main__":
    unittest.main()
