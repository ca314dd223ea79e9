"""docs/api.md: the audit log as clients and admins see it. Every
event type that exists so far is recorded with its actor, organization,
request id, address and outcome; floods of refusals and denials are
recorded once per key and window (and denial bursts raise an alert);
GET /api/v1/audit filters and pages; `erpd audit verify` passes on an
intact log, also while the server runs, and names the first broken entry
or the missing tail after tampering; a checkpoint is written every 100
entries and at shutdown."""

import base64
import calendar
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import unittest
import urllib.parse

from harness import IdentityMixin, Server, ServerTestCase, run_erpd

AUDIT = "/api/v1/audit"
USERS = "/api/v1/users"
LOGOUT = "/api/v1/auth/logout"
PASSWORD = "/api/v1/users/me/password"
NO_LIMIT = {"ERP_LOGIN_RATE": "1000/minute"}
ENTRY_KEYS = {"id", "ts", "actor_type", "actor_id", "org_id", "action",
              "resource_type", "resource_id", "outcome", "ip", "request_id",
              "details", "prev_hash", "hash"}
ACTOR_TYPES = {"user", "api_key", "system", "anonymous"}
OUTCOMES = {"success", "denied", "failure"}
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
ZERO_HASH = "0" * 64
CHECKPOINTS = "audit.checkpoints"


def wait_for_window(window=60, margin=8):
    """Fixed windows (rate limits, dedupe, bursts) start at multiples of
    window in Unix time: sleeps past the next start if fewer than margin
    seconds are left, so a short burst lands in one window."""
    left = window - time.time() % window
    if left < margin:
        time.sleep(left + 0.5)


_seq = [0]


def new_rid(tag):
    """A unique, valid X-Request-ID."""
    _seq[0] += 1
    return "t-%s-%d-%d" % (tag, os.getpid(), _seq[0])


def rfc3339(t, offset_minutes=0):
    """Unix time t as RFC 3339 in the given UTC offset."""
    if offset_minutes == 0:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    local = time.gmtime(t + offset_minutes * 60)
    sign = "+" if offset_minutes > 0 else "-"
    m = abs(offset_minutes)
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + \
        "%s%02d:%02d" % (sign, m // 60, m % 60)


def parse_ts(ts):
    return calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ"))


def metric_value(text, name):
    """The value of an unlabelled sample in a /metrics body (None if
    absent)."""
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


# -- the chain, recomputed the way core/audit/audit.c defines it ------------

TEXT_COLUMNS = ("ts", "actor_type", "action", "resource_type",
                "resource_id", "outcome", "ip", "request_id", "details",
                "prev_hash")


def entry_hash(row):
    """BLAKE2b-256 of the canonical, length-prefixed encoding of a row."""
    out = b"erpd-audit-v1\n%d\n" % row["id"]
    for col in ("actor_id", "org_id"):
        # SQL NULL is "~"; a stored 0 (never written) hashes as -1
        v = row[col]
        out += b"~\n" if v is None else b"%d\n" % (v if v != 0 else -1)
    for col in TEXT_COLUMNS:
        v = row[col]
        if v is None:
            out += b"~\n"
        else:
            raw = v.encode("utf-8")
            out += b"%d:" % len(raw) + raw + b"\n"
    return hashlib.blake2b(out, digest_size=32).hexdigest()


def db_connect(data_dir):
    con = sqlite3.connect(os.path.join(data_dir, "erp.db"))
    con.row_factory = sqlite3.Row
    return con


def drop_triggers(con):
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("DROP TRIGGER audit_log_no_delete")


def newest_id(data_dir):
    con = db_connect(data_dir)
    try:
        return con.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    finally:
        con.close()


def read_checkpoints(data_dir):
    """The checkpoint file's lines, parsed ([] if there is none)."""
    path = os.path.join(data_dir, CHECKPOINTS)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(ln) for ln in f.read().splitlines() if ln]


def verify(data_dir, env=None):
    """Runs `erpd audit verify` on a data dir; (exit code, all output)."""
    e = {"ERP_ENV": "development", "ERP_DATA_DIR": data_dir}
    e.update(env or {})
    r = run_erpd(["audit", "verify"], env=e, timeout=60)
    return r.returncode, r.stdout + r.stderr


class AuditCase(IdentityMixin):
    """Helpers to find one's own entries by the X-Request-ID sent."""

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        r = cls.server.api("GET", "/api/v1/users/me", token=cls.admin_token)
        cls.admin_id = r.json["id"]

    def audit(self, query="", token=None, **params):
        """GET /api/v1/audit with the admin token; params are encoded."""
        q = query
        if params:
            q = "?" + urllib.parse.urlencode(params)
        return self.server.api("GET", AUDIT + q,
                               token=token or self.admin_token)

    def entries(self, **params):
        """Every entry matching the filters (newest first)."""
        params.setdefault("limit", 500)
        r = self.audit(**params)
        self.assertEqual(r.status, 200, repr(r))
        self.assertLessEqual(r.json["total"], 500, "test log too long")
        return r.json["items"]

    def rows(self, action, rid):
        """The entries of action caused by the request with id rid."""
        return [e for e in self.entries(action=action)
                if e["request_id"] == rid]

    def row(self, action, rid):
        rows = self.rows(action, rid)
        self.assertEqual(len(rows), 1, "%s entries for %s: %r"
                         % (action, rid, rows))
        self.assertEntry(rows[0])
        return rows[0]

    def assertEntry(self, e):
        self.assertIsInstance(e, dict)
        self.assertEqual(set(e), ENTRY_KEYS, e)
        self.assertIsInstance(e["id"], int)
        self.assertGreater(e["id"], 0)
        self.assertRegex(e["ts"], TS_RE)
        self.assertIn(e["actor_type"], ACTOR_TYPES, e)
        self.assertIn(e["outcome"], OUTCOMES, e)
        self.assertIsInstance(e["action"], str)
        for k in ("actor_id", "org_id"):
            self.assertTrue(e[k] is None or isinstance(e[k], int), e)
        for k in ("resource_type", "resource_id", "ip", "request_id"):
            self.assertTrue(e[k] is None or isinstance(e[k], str), e)
        self.assertTrue(e["details"] is None or
                        isinstance(e["details"], dict), e)
        self.assertRegex(e["hash"], HASH_RE)
        self.assertRegex(e["prev_hash"], HASH_RE)

    def assertActor(self, e, actor_type, actor_id, outcome, ip="127.0.0.1"):
        self.assertEqual(e["actor_type"], actor_type, e)
        self.assertEqual(e["actor_id"], actor_id, e)
        self.assertEqual(e["outcome"], outcome, e)
        self.assertIsNone(e["org_id"], e)
        self.assertEqual(e["ip"], ip, e)

    def assertNoSecret(self, e, *secrets):
        text = json.dumps(e)
        for s in secrets:
            self.assertNotIn(s, text)
        for needle in ("$argon2", "password\"", "hash\":\"$"):
            self.assertNotIn(needle, json.dumps(e["details"]))


# -- the events ----------------------------------------------------------------

class AuditEventsTest(AuditCase, ServerTestCase):
    server_env = NO_LIMIT

    def test_bootstrap_admin_created_by_system(self):
        rows = [e for e in self.entries(action="user.create")
                if e["actor_type"] == "system"]
        self.assertEqual(len(rows), 1, rows)
        e = rows[0]
        self.assertEntry(e)
        # the first thing the server ever did
        self.assertEqual(e["id"], 1, e)
        self.assertEqual(e["prev_hash"], ZERO_HASH, e)
        self.assertIsNone(e["actor_id"], e)
        self.assertIsNone(e["org_id"], e)
        self.assertEqual(e["outcome"], "success", e)
        self.assertEqual(e["resource_type"], "user", e)
        self.assertEqual(e["resource_id"], str(self.admin_id), e)
        self.assertEqual(e["details"], {"via": "bootstrap"}, e)
        # no request caused it
        self.assertIsNone(e["request_id"], e)
        self.assertIsNone(e["ip"], e)
        self.assertNoSecret(e, self.admin_password)

    def test_login_success(self):
        rid = new_rid("login-ok")
        tok = self.login_token(self.admin_email, self.admin_password,
                               {"X-Request-ID": rid})
        self.assertTrue(tok)
        e = self.row("auth.login", rid)
        self.assertActor(e, "user", self.admin_id, "success")
        self.assertEqual(e["resource_type"], "user", e)
        self.assertEqual(e["resource_id"], str(self.admin_id), e)
        self.assertNoSecret(e, self.admin_password, tok)

    def test_login_failure(self):
        wrong = self.keep("Wrong-Admin-Passw0rd")
        rid = new_rid("login-bad")
        r = self.server.login(self.admin_email, wrong, {"X-Request-ID": rid})
        self.assertEqual(r.status, 401, repr(r))
        e = self.row("auth.login", rid)
        self.assertActor(e, "anonymous", None, "failure")
        self.assertEqual(e["details"], {"email": self.admin_email}, e)
        self.assertNoSecret(e, wrong, self.admin_password)
        # an unknown account the same way
        ghost_pw = self.keep("Ghost-Passw0rd-77")
        rid = new_rid("login-ghost")
        r = self.server.login("ghost@example.com", ghost_pw,
                              {"X-Request-ID": rid})
        self.assertEqual(r.status, 401, repr(r))
        e = self.row("auth.login", rid)
        self.assertActor(e, "anonymous", None, "failure")
        self.assertEqual(e["details"], {"email": "ghost@example.com"}, e)
        self.assertNoSecret(e, ghost_pw)

    def test_logout(self):
        tok = self.login_token(self.admin_email, self.admin_password)
        rid = new_rid("logout")
        r = self.server.api("POST", LOGOUT, token=tok,
                            headers={"X-Request-ID": rid})
        self.assertEqual(r.status, 204, repr(r))
        e = self.row("auth.logout", rid)
        self.assertActor(e, "user", self.admin_id, "success")
        self.assertNoSecret(e, tok)

    def test_user_create(self):
        for email, is_admin in (("made@example.com", False),
                                ("made-admin@example.com", True)):
            with self.subTest(email=email):
                pw = self.keep("Made-User-Passw0rd-%d" % is_admin)
                rid = new_rid("create")
                r = self.server.api("POST", USERS, {
                    "email": email, "name": "Made", "password": pw,
                    "is_admin": is_admin}, token=self.admin_token,
                    headers={"X-Request-ID": rid})
                self.assertEqual(r.status, 201, repr(r))
                e = self.row("user.create", rid)
                self.assertActor(e, "user", self.admin_id, "success")
                self.assertEqual(e["resource_type"], "user", e)
                self.assertEqual(e["resource_id"], str(r.json["id"]), e)
                self.assertEqual(e["details"],
                                 {"email": email, "is_admin": is_admin}, e)
                self.assertNoSecret(e, pw)

    def test_user_update_records_old_and_new_of_changed_fields(self):
        u = self.create_user("patched@example.com", "Patched-Passw0rd-1",
                             "Before")
        rid = new_rid("patch")
        # is_admin is sent but does not change: it must not be listed
        r = self.server.api("PATCH", "%s/%d" % (USERS, u["id"]),
                            {"name": "After", "is_active": False,
                             "is_admin": False}, token=self.admin_token,
                            headers={"X-Request-ID": rid})
        self.assertEqual(r.status, 200, repr(r))
        e = self.row("user.update", rid)
        self.assertActor(e, "user", self.admin_id, "success")
        self.assertEqual(e["resource_type"], "user", e)
        self.assertEqual(e["resource_id"], str(u["id"]), e)
        self.assertEqual(e["details"], {
            "name": {"old": "Before", "new": "After"},
            "is_active": {"old": True, "new": False}}, e)
        self.assertNoSecret(e, "Patched-Passw0rd-1")
        # the same values again: nothing changed, nothing listed
        rid = new_rid("patch-same")
        r = self.server.api("PATCH", "%s/%d" % (USERS, u["id"]),
                            {"name": "After", "is_active": False},
                            token=self.admin_token,
                            headers={"X-Request-ID": rid})
        self.assertEqual(r.status, 200, repr(r))
        e = self.row("user.update", rid)
        self.assertIn(e["details"], ({}, None), e)

    def test_password_change(self):
        old = "Changer-Old-Passw0rd"
        new = self.keep("Changer-New-Passw0rd")
        wrong = self.keep("Not-The-Old-Passw0rd")
        u = self.create_user("changer@example.com", old, "Changer")
        tok = self.login_token("changer@example.com", old)
        rid = new_rid("pw-bad")
        r = self.server.api("PUT", PASSWORD, {"current_password": wrong,
                                              "new_password": new},
                            token=tok, headers={"X-Request-ID": rid})
        self.assertEqual(r.status, 422, repr(r))
        e = self.row("user.password_change", rid)
        self.assertActor(e, "user", u["id"], "failure")
        self.assertEqual(e["resource_id"], str(u["id"]), e)
        self.assertNoSecret(e, old, new, wrong, tok)
        rid = new_rid("pw-ok")
        r = self.server.api("PUT", PASSWORD, {"current_password": old,
                                              "new_password": new},
                            token=tok, headers={"X-Request-ID": rid})
        self.assertEqual(r.status, 200, repr(r))
        self.keep(r.json["access_token"])
        e = self.row("user.password_change", rid)
        self.assertActor(e, "user", u["id"], "success")
        self.assertEqual(e["resource_type"], "user", e)
        self.assertEqual(e["resource_id"], str(u["id"]), e)
        self.assertNoSecret(e, old, new, tok, r.json["access_token"])

    def test_each_denial_recorded_and_bursts_alerted(self):
        pw = "Denied-User-Passw0rd"
        u = self.create_user("denied@example.com", pw, "Denied")
        tok = self.login_token("denied@example.com", pw)
        before = metric_value(self.server.get("/metrics").body.decode(),
                              "erp_alert_denial_bursts_total")
        self.assertIsNotNone(before, "no erp_alert_denial_bursts_total")
        wait_for_window()
        rids = [new_rid("deny") for _ in range(20)]
        for rid in rids:
            r = self.server.api("GET", USERS, token=tok,
                                headers={"X-Request-ID": rid})
            self.assertError(r, 403, "forbidden")
            self.assertEqual(r.request_id, rid)
        # v4: every denial is its own entry, never folded
        rows = [e for e in self.entries(action="user.list")
                if e["actor_id"] == u["id"]]
        self.assertEqual([e["request_id"] for e in rows], rids[::-1], rows)
        for e in rows:
            self.assertEntry(e)
            self.assertActor(e, "user", u["id"], "denied")
            self.assertEqual(e["details"]["reason"], "system admins only")
            self.assertIsNone(e["details"]["version"], e)
        # the alert: one WARN line naming a request of the burst
        lines = self.server.wait_log(lambda ls: any(
            isinstance(x, dict) and x.get("request_id") in rids and
            "alert: burst of denials" in x.get("msg", "") for x in ls),
            stream="stderr")
        alerts = [x for x in lines if isinstance(x, dict) and
                  "alert: burst of denials" in x.get("msg", "") and
                  x.get("request_id") in rids]
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0].get("level"), "warn", alerts)
        self.assertIn("user:%d" % u["id"], alerts[0]["msg"])
        self.assertNotIn(tok, alerts[0]["msg"])
        after = metric_value(self.server.get("/metrics").body.decode(),
                             "erp_alert_denial_bursts_total")
        self.assertGreaterEqual(after, 1)
        self.assertEqual(after, before + 1)

    # -- GET /api/v1/audit ---------------------------------------------------

    def test_audit_needs_a_system_admin(self):
        self.assertUnauthenticated(self.server.api("GET", AUDIT))
        pw = "Viewer-Only-Passw0rd"
        u = self.create_user("viewer@example.com", pw, "Viewer")
        tok = self.login_token("viewer@example.com", pw)
        rid = new_rid("audit-denied")
        r = self.server.api("GET", AUDIT, token=tok,
                            headers={"X-Request-ID": rid})
        self.assertError(r, 403, "forbidden")
        # and the denial is itself recorded
        rows = [e for e in self.entries() if e["request_id"] == rid]
        self.assertEqual(len(rows), 1, rows)
        self.assertActor(rows[0], "user", u["id"], "denied")
        self.assertEqual(rows[0]["action"], "audit.read", rows[0])

    def test_items_shape_and_chain(self):
        r = self.audit(limit=500)
        self.assertEqual(r.status, 200, repr(r))
        self.assertJsonHeaders(r)
        self.assertEqual(set(r.json), {"items", "total", "limit", "offset"})
        items = r.json["items"]
        self.assertEqual(r.json["total"], len(items))
        self.assertEqual((r.json["limit"], r.json["offset"]), (500, 0))
        self.assertGreater(len(items), 1)
        ids = [e["id"] for e in items]
        self.assertEqual(ids, sorted(ids, reverse=True), "newest first")
        for e in items:
            self.assertEntry(e)
        # no organization exists: every entry is in this list
        self.assertEqual(ids, list(range(ids[0], 0, -1)))
        by_id = {e["id"]: e for e in items}
        self.assertEqual(by_id[1]["prev_hash"], ZERO_HASH)
        for i in range(2, ids[0] + 1):
            self.assertEqual(by_id[i]["prev_hash"], by_id[i - 1]["hash"], i)

    def test_filter_by_action(self):
        items = self.entries(action="auth.login")
        self.assertTrue(items)
        self.assertEqual({e["action"] for e in items}, {"auth.login"})
        r = self.audit(action="no.such.action")
        self.assertEqual((r.json["total"], r.json["items"]), (0, []))

    def test_filter_by_actor(self):
        items = self.entries(actor_id=self.admin_id)
        self.assertTrue(items)
        self.assertEqual({e["actor_id"] for e in items}, {self.admin_id})
        everything = self.entries()
        self.assertEqual(len(items), len([e for e in everything if
                                          e["actor_id"] == self.admin_id]))
        # with action: both apply
        both = self.entries(actor_id=self.admin_id, action="auth.login")
        self.assertTrue(both)
        self.assertEqual({(e["actor_id"], e["action"]) for e in both},
                         {(self.admin_id, "auth.login")})
        for bad in ("abc", "0", "-1", "1x"):
            with self.subTest(actor_id=bad):
                self.assertFields(self.audit(actor_id=bad),
                                  {"actor_id": None})

    def test_filter_by_since(self):
        everything = self.entries()
        total = len(everything)
        # the future: nothing
        r = self.audit(since=rfc3339(time.time() + 3600))
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual((r.json["total"], r.json["items"]), (0, []))
        # the distant past, in an offset form and with a fraction
        for since in ("2000-01-01T00:00:00+02:00", "2000-01-01T00:00:00Z",
                      "2000-01-01T00:00:00.250Z",
                      "2000-01-01T00:00:00-05:30"):
            with self.subTest(since=since):
                r = self.audit(since=since)
                self.assertEqual(r.status, 200, repr(r))
                self.assertEqual(r.json["total"], total, repr(r))
        # the newest entry's second, in UTC and in two offsets
        t = parse_ts(everything[0]["ts"])
        expect = len([e for e in everything if parse_ts(e["ts"]) >= t])
        for off in (0, 120, -330):
            since = rfc3339(t, off)
            with self.subTest(since=since):
                r = self.audit(since=since)
                self.assertEqual(r.status, 200, repr(r))
                self.assertEqual(r.json["total"], expect, repr(r))
                self.assertTrue(all(parse_ts(e["ts"]) >= t
                                    for e in r.json["items"]))
        # the same clock time at +02:00 is two hours earlier in UTC, at
        # -02:00 two hours later (the future)
        naive = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
        r = self.audit(since=naive + "-02:00")
        self.assertEqual(r.json["total"], 0, repr(r))
        r = self.audit(since=naive + "+02:00")
        self.assertEqual(r.json["total"], len(
            [e for e in everything if parse_ts(e["ts"]) >= t - 7200]))
        for bad in ("garbage", "2020-01-01", "2020-01-01T00:00:00",
                    "2020-13-01T00:00:00Z", "2020-01-01T00:00:00+2",
                    "2020-01-01 00:00:00Z", "2020-01-01T00:00:00+ 2:00",
                    "2020-01-01T00:00:00+-1:00", "2020-01-01T00:00:00+02:0x"):
            with self.subTest(since=bad):
                self.assertFields(self.audit(since=bad), {"since": None})

    def test_paging(self):
        full = self.audit(limit=500).json
        self.assertGreaterEqual(full["total"], 3)
        r = self.audit(limit=2, offset=1)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["total"], full["total"])
        self.assertEqual((r.json["limit"], r.json["offset"]), (2, 1))
        self.assertEqual([e["id"] for e in r.json["items"]],
                         [e["id"] for e in full["items"][1:3]])
        self.assertEqual(r.json["items"], full["items"][1:3])
        # past the end
        r = self.audit(limit=2, offset=full["total"])
        self.assertEqual((r.json["total"], r.json["items"]),
                         (full["total"], []))
        # default and bounds
        r = self.audit()
        self.assertEqual(r.json["limit"], 50)
        self.assertEqual(len(r.json["items"]), min(50, full["total"]))
        self.assertFields(self.audit(limit=501), {"limit": None})


class RateLimitedAuditTest(AuditCase, ServerTestCase):
    """ERP_LOGIN_RATE=2/minute behind a trusted proxy, so each burst has
    its own client address: a flood of refusals is recorded once per
    limited key and window."""

    server_env = {"ERP_LOGIN_RATE": "2/minute",
                  "ERP_TRUSTED_PROXIES": "127.0.0.1/32"}
    ADMIN_IP = "10.20.0.1"

    @classmethod
    def setup_identity(cls):
        cls.admin_email, cls.admin_password = cls.server.initial_admin()
        cls.keep(cls.admin_password)
        cls.admin_token = cls.keep(cls.server.token(
            cls.admin_email, cls.admin_password,
            {"X-Forwarded-For": cls.ADMIN_IP}))
        r = cls.server.api("GET", "/api/v1/users/me", token=cls.admin_token)
        cls.admin_id = r.json["id"]

    def attempt(self, email, ip, rid):
        pw = self.keep("Flood-Passw0rd-%s" % rid)
        return self.server.login(email, pw, {"X-Forwarded-For": ip,
                                             "X-Request-ID": rid})

    def test_login_records_the_client_address(self):
        rows = [e for e in self.entries(action="auth.login")
                if e["actor_id"] == self.admin_id]
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0]["ip"], self.ADMIN_IP)

    def test_address_flood_recorded_once(self):
        ip = "10.20.1.1"
        wait_for_window()
        rids = [new_rid("flood-ip") for _ in range(12)]
        rs = [self.attempt("flood-%d@example.com" % i, ip, rid)
              for i, rid in enumerate(rids)]
        self.assertEqual([r.status for r in rs], [401] * 2 + [429] * 10, rs)
        rows = [e for e in self.entries(action="auth.rate_limited")
                if e["request_id"] in rids]
        self.assertEqual(len(rows), 1, rows)
        e = rows[0]
        self.assertEntry(e)
        self.assertActor(e, "anonymous", None, "denied", ip=ip)
        self.assertEqual(e["request_id"], rids[2], e)
        self.assertEqual(e["details"], {"limit": "address"}, e)
        # the attempts that were answered are each recorded
        for rid in rids[:2]:
            self.assertActor(self.row("auth.login", rid), "anonymous",
                             None, "failure", ip=ip)
        for rid in rids[3:]:
            self.assertEqual(self.rows("auth.login", rid), [])

    def test_account_flood_recorded_once(self):
        email = "flood-account@example.com"
        wait_for_window()
        rids = [new_rid("flood-acct") for _ in range(10)]
        rs = [self.attempt(email, "10.20.2.%d" % (i + 1), rid)
              for i, rid in enumerate(rids)]
        self.assertEqual([r.status for r in rs], [401] * 2 + [429] * 8, rs)
        rows = [e for e in self.entries(action="auth.rate_limited")
                if e["request_id"] in rids]
        self.assertEqual(len(rows), 1, rows)
        e = rows[0]
        self.assertEntry(e)
        self.assertActor(e, "anonymous", None, "denied", ip="10.20.2.3")
        self.assertEqual(e["request_id"], rids[2], e)
        self.assertEqual(e["details"], {"limit": "account"}, e)


# -- erpd audit verify and the checkpoints -------------------------------------

class AuditVerifyTest(unittest.TestCase):
    """Servers of its own, stopped and tampered with."""

    def server(self, tmp=None):
        s = Server(env=NO_LIMIT, tmp=tmp)
        if tmp is None:
            self.addCleanup(s.cleanup)
        else:
            self.addCleanup(s.kill)
        return s.start()

    def copy(self, data_dir):
        """A copy of a stopped server's data dir."""
        tmp = tempfile.mkdtemp(prefix="erpd-audit-copy-")
        self.addCleanup(shutil.rmtree, tmp, True)
        dst = os.path.join(tmp, "data")
        shutil.copytree(data_dir, dst)
        return dst

    def assertIntact(self, data_dir):
        rc, out = verify(data_dir)
        self.assertEqual(rc, 0, out)
        self.assertIn("intact", out)

    def assertBroken(self, data_dir, needle):
        rc, out = verify(data_dir)
        self.assertEqual(rc, 1, out)
        self.assertIn(needle, out)
        self.assertNotIn("intact", out)

    def assertShutdownCheckpoint(self, data_dir):
        cps = read_checkpoints(data_dir)
        self.assertTrue(cps, "no checkpoint after SIGTERM")
        head = newest_id(data_dir)
        self.assertEqual(cps[-1]["id"], head, cps)
        con = db_connect(data_dir)
        try:
            h = con.execute("SELECT hash FROM audit_log WHERE id = ?",
                            (head,)).fetchone()[0]
        finally:
            con.close()
        self.assertEqual(cps[-1]["head"], h)

    def test_verify_then_tamper(self):
        s = self.server()
        email, pw = s.initial_admin()
        tok = s.token(email, pw)
        r = s.api("POST", USERS, {"email": "v@example.com", "name": "V",
                                  "password": "Verify-User-Passw0rd"},
                  token=tok)
        self.assertEqual(r.status, 201, repr(r))
        wrong = ["Wrong-Verify-Passw0rd-%d" % i for i in range(2)]
        for w in wrong:
            self.assertEqual(s.login("v@example.com", w).status, 401)
        self.assertEqual(s.api("POST", LOGOUT, token=tok).status, 204)
        # while the server runs
        self.assertIntact(s.data_dir)
        self.assertEqual(s.stop(), 0)
        head = newest_id(s.data_dir)
        self.assertGreaterEqual(head, 6)
        self.assertShutdownCheckpoint(s.data_dir)
        self.assertIntact(s.data_dir)
        # no password reached the database or the checkpoint file
        for name in os.listdir(s.data_dir):
            if name.startswith("erp.db") or name == CHECKPOINTS:
                with open(os.path.join(s.data_dir, name), "rb") as f:
                    data = f.read()
                for secret in wrong + [pw, "Verify-User-Passw0rd"]:
                    self.assertNotIn(secret.encode(), data, name)

        # the triggers refuse changes through SQL
        d = self.copy(s.data_dir)
        con = db_connect(d)
        with self.assertRaises(sqlite3.DatabaseError):
            con.execute("UPDATE audit_log SET outcome = 'failure' "
                        "WHERE id = 3")
        with self.assertRaises(sqlite3.DatabaseError):
            con.execute("DELETE FROM audit_log WHERE id = ?", (head,))
        con.rollback()
        # around them: one row's outcome
        drop_triggers(con)
        con.execute("UPDATE audit_log SET outcome = CASE outcome WHEN "
                    "'success' THEN 'failure' ELSE 'success' END "
                    "WHERE id = 3")
        con.commit()
        con.close()
        self.assertBroken(d, "entry 3:")

        # the newest rows deleted
        d = self.copy(s.data_dir)
        con = db_connect(d)
        drop_triggers(con)
        con.execute("DELETE FROM audit_log WHERE id > ?", (head - 2,))
        con.commit()
        con.close()
        self.assertBroken(d, "tail missing")

        # a middle row deleted
        d = self.copy(s.data_dir)
        con = db_connect(d)
        drop_triggers(con)
        con.execute("DELETE FROM audit_log WHERE id = 2")
        con.commit()
        con.close()
        self.assertBroken(d, "entry 2:")

        # the original is untouched; a restart adds to the same file
        s2 = self.server(tmp=s.tmp)
        self.assertEqual(s2.login("v@example.com", "Wrong-Again-Passw0rd-1")
                         .status, 401)
        self.assertEqual(s2.stop(), 0)
        self.assertEqual(newest_id(s.data_dir), head + 1)
        self.assertShutdownCheckpoint(s.data_dir)
        self.assertEqual([c["id"] for c in read_checkpoints(s.data_dir)],
                         [head, head + 1])
        self.assertIntact(s.data_dir)

    def test_checkpoint_every_100_entries(self):
        s = self.server()
        email, pw = s.initial_admin()
        tok = s.token(email, pw)
        r = s.api("POST", USERS, {"email": "p@example.com", "name": "P0",
                                  "password": "Patched-User-Passw0rd"},
                  token=tok)
        self.assertEqual(r.status, 201, repr(r))
        uid = r.json["id"]
        # three entries so far; updates are cheap entries
        for i in range(1, 108):
            r = s.api("PATCH", "%s/%d" % (USERS, uid), {"name": "P%d" % i},
                      token=tok)
            self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(newest_id(s.data_dir), 110)
        cps = read_checkpoints(s.data_dir)
        self.assertEqual([c["id"] for c in cps], [100], cps)
        self.assertEqual(set(cps[0]), {"id", "head", "ts", "sig"})
        self.assertIntact(s.data_dir)
        # a crash: no shutdown checkpoint, the one of entry 100 stays
        s.kill()
        self.assertEqual([c["id"] for c in read_checkpoints(s.data_dir)],
                         [100])
        self.assertIntact(s.data_dir)

        # the recomputation below is the server's own
        con = db_connect(s.data_dir)
        rows = [dict(r) for r in con.execute(
            "SELECT * FROM audit_log ORDER BY id")]
        con.close()
        for row in rows:
            self.assertEqual(entry_hash(row), row["hash"], row["id"])

        # the tail cut back to 95, before the checkpoint
        d = self.copy(s.data_dir)
        con = db_connect(d)
        drop_triggers(con)
        con.execute("DELETE FROM audit_log WHERE id > 95")
        con.commit()
        con.close()
        self.assertBroken(d, "tail missing")

        # the checkpoint file removed as well
        d = self.copy(s.data_dir)
        os.unlink(os.path.join(d, CHECKPOINTS))
        self.assertBroken(d, "tail missing")

        # a rewritten chain: only the signed checkpoint can tell
        d = self.copy(s.data_dir)
        con = db_connect(d)
        drop_triggers(con)
        con.execute("UPDATE audit_log SET details = '{\"name\":{\"old\":"
                    "\"x\",\"new\":\"y\"}}' WHERE id = 50")
        prev = None
        for row in con.execute("SELECT * FROM audit_log ORDER BY id")\
                .fetchall():
            row = dict(row)
            if row["id"] >= 50:
                row["prev_hash"] = prev
                row["hash"] = entry_hash(row)
                con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? "
                            "WHERE id = ?", (row["prev_hash"], row["hash"],
                                             row["id"]))
            prev = row["hash"]
        con.commit()
        con.close()
        self.assertBroken(d, "entry 100:")

        # a flipped signature byte
        d = self.copy(s.data_dir)
        path = os.path.join(d, CHECKPOINTS)
        with open(path) as f:
            cp = json.loads(f.read())
        sig = bytearray(base64.b64decode(cp["sig"]))
        sig[10] ^= 1
        cp["sig"] = base64.b64encode(bytes(sig)).decode()
        with open(path, "w") as f:
            f.write(json.dumps(cp, separators=(",", ":")) + "\n")
        self.assertBroken(d, "line 1")

        # another ERP_SECRET_KEY cannot vouch for this log
        rc, out = verify(s.data_dir, {"ERP_SECRET_KEY": "k" * 48})
        self.assertEqual(rc, 1, out)
        self.assertIn("line 1", out)
        self.assertIntact(s.data_dir)

if __name__ == "__main__":
    unittest.main()
