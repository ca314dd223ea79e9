"""erpd_testkit: black-box tests of erpd and of modules written for it.

Starts the real erpd on a free loopback port with a fresh temporary data
directory (and, if asked, extra modules copied into its own
ERP_MODULES_DIR), logs in as the development bootstrap admin, makes
organizations, members (users with a role) and API keys, and makes JSON
requests. Python's standard library only.

Installed with erpd as <prefix>/share/erpd/testkit/erpd_testkit.py; a
module's tests put that folder on sys.path (or PYTHONPATH). The erpd it
runs is $ERPD_BIN, else the erpd installed next to this kit, else erpd on
PATH. One server per TestCase class:

    class NotesTest(erpd_testkit.OrgFixture, erpd_testkit.ServerTestCase):
        modules = ["build/notes.so"]

        def test_list(self):
            r = self.call("viewer", "GET", "/notes")
            self.assertEqual(r.status, 200, repr(r))

ERPD_KEEP_TMP=1 keeps each server's temporary directory (logs, data).
ERPD_RECORD_DIR=DIR records every answer there for erpd's API contract
check (Recorder; erpd's docs/openapi.md).
"""

import base64
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
# <prefix>/share/erpd/testkit -> <prefix>/bin/erpd
INSTALLED_ERPD = os.path.join(HERE, "..", "..", "..", "bin", "erpd")

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
HSTS = "max-age=63072000; includeSubDomains"
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
FRESH_ID_RE = re.compile(r"^[0-9a-f]{32}$")

# Two 32+-byte secrets for production-mode servers (test values only).
PROD_JWT_SECRET = "test-jwt-secret-0123456789abcdefghijklmnop"
PROD_SECRET_KEY = "test-master-key-0123456789abcdefghijklmnop"
PRODUCTION_ENV = {
    "ERP_ENV": "production",
    "ERP_JWT_SECRET": PROD_JWT_SECRET,
    "ERP_SECRET_KEY": PROD_SECRET_KEY,
}

LOGIN_PATH = "/api/v1/auth/token"
DEV_ADMIN_EMAIL = "admin@localhost"


def erpd_bin():
    """The erpd to run: $ERPD_BIN, the one installed with this kit, or
    erpd on PATH."""
    if os.environ.get("ERPD_BIN"):
        return os.environ["ERPD_BIN"]
    if os.access(INSTALLED_ERPD, os.X_OK):
        return os.path.normpath(INSTALLED_ERPD)
    return shutil.which("erpd") or "erpd"


def bearer(token):
    """The Authorization header for an access token."""
    return {"Authorization": "Bearer " + token}


def free_port():
    """A loopback port nobody listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra=None):
    """os.environ without any ERP_* variable, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERP_")}
    env.update(extra or {})
    return env


def run_erpd(args, env=None, timeout=15, input=None, cwd=None):
    """Runs erpd with args to completion; returns CompletedProcess (text).
    Without cwd it runs in a throw-away directory, so a default ./data
    never lands in the source tree."""
    with tempfile.TemporaryDirectory(prefix="erpd-cwd-") as tmp:
        return subprocess.run([erpd_bin()] + list(args), env=clean_env(env),
                              input=input, capture_output=True, text=True,
                              timeout=timeout, cwd=cwd or tmp)


def log_lines(text):
    """Non-empty lines of a log."""
    return [ln for ln in text.splitlines() if ln.strip()]


def json_lines(text):
    """Each line of a JSON-lines log parsed (None for a line that is not)."""
    out = []
    for ln in log_lines(text):
        try:
            out.append(json.loads(ln))
        except ValueError:
            out.append(None)
    return out


class Recorder:
    """Appends each answer a test receives, as one JSON line, to
    DIR/answers-<pid>.jsonl: {"doc", "method", "path", "status",
    "content_type", "body"} (body as text, or "body_base64" when it is
    not UTF-8). "doc" names the API document of the server that answered,
    fetched once per server into DIR, so erpd's
    tests/contract/check_answers.py validates each answer against the
    document of the server (and modules) that gave it."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.path = os.path.join(directory, "answers-%d.jsonl" % os.getpid())

    def fetch_doc(self, host, port):
        """Saves the server's /api/v1/openapi.json; returns its file name,
        or None when the server does not answer it."""
        try:
            c = http.client.HTTPConnection(host, port, timeout=10)
            c.request("GET", "/api/v1/openapi.json")
            r = c.getresponse()
            body = r.read()
            c.close()
        except OSError:
            return None
        if r.status != 200:
            return None
        name = "doc-%d-%d-%d.json" % (os.getpid(), port, time.time_ns())
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(body)
        return name

    def record(self, doc, method, path, response):
        entry = {"doc": doc, "method": method, "path": path,
                 "status": response.status,
                 "content_type": response.headers.get("content-type", "")}
        try:
            entry["body"] = response.body.decode("utf-8")
        except UnicodeDecodeError:
            entry["body_base64"] = base64.b64encode(
                response.body).decode("ascii")
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


RECORDER = Recorder(os.environ["ERPD_RECORD_DIR"]) if os.environ.get(
    "ERPD_RECORD_DIR") else None


def request_line(data):
    """(method, target) of raw request bytes, or None if malformed."""
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return (parts[0], parts[1]) if len(parts) == 3 else None


class Response:
    """One HTTP response: status, headers (lowercased names; repeated
    headers joined with ", "), header_list (as received), body, json."""

    def __init__(self, status, reason, header_list, body, status_line=None):
        self.status = status
        self.reason = reason
        self.header_list = header_list
        self.headers = {}
        for k, v in header_list:
            k = k.lower()
            if k in self.headers:
                self.headers[k] += ", " + v
            else:
                self.headers[k] = v
        self.body = body
        self.status_line = status_line
        self.json = None
        ctype = self.headers.get("content-type", "")
        if body and ctype.startswith("application/json"):
            try:
                self.json = json.loads(body)
            except ValueError:
                pass

    @property
    def request_id(self):
        return self.headers.get("x-request-id")

    def header_names(self):
        return [k.lower() for k, _ in self.header_list]

    def __repr__(self):
        return "<Response %s %r headers=%r body=%r>" % (
            self.status, self.reason, self.header_list, self.body[:300])


def parse_head(head):
    """Parses a status line and headers (bytes, without the blank line)."""
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        status = -1
    reason = parts[2] if len(parts) > 2 else ""
    headers = []
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            headers.append((k.strip(), v.strip()))
    return status_line, status, reason, headers


def read_response(sock, method="GET", allow_reset=False):
    """Reads one complete response from sock (skipping nothing: a 1xx is
    returned as is). Raises ConnectionResetError if the peer resets before
    the response is complete, unless allow_reset (then returns None)."""
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                if not buf:
                    return None
                raise ConnectionError("EOF inside the response head: %r"
                                      % buf)
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        status_line, status, reason, headers = parse_head(head)
        hdr = {k.lower(): v for k, v in headers}
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "chunked" in hdr.get("transfer-encoding", "").lower():
            body, rest = _read_chunked(sock, rest)
        elif "content-length" in hdr:
            n = int(hdr["content-length"])
            while len(rest) < n:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("EOF inside the body")
                rest += chunk
            body = rest[:n]
        else:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            body = rest
        return Response(status, reason, headers, body, status_line)
    except ConnectionResetError:
        if allow_reset:
            return None
        raise


def _read_chunked(sock, rest):
    body = b""
    while True:
        while b"\r\n" not in rest:
            rest += _recv_some(sock)
        size_line, rest = rest.split(b"\r\n", 1)
        size = int(size_line.split(b";")[0], 16)
        while len(rest) < size + 2:
            rest += _recv_some(sock)
        if size == 0:
            # Skip trailers up to the final blank line.
            while not rest.startswith(b"\r\n") and b"\r\n\r\n" not in rest:
                rest += _recv_some(sock)
            return body, rest
        body += rest[:size]
        rest = rest[size + 2:]


def _recv_some(sock):
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("EOF inside a chunked body")
    return chunk


def modules_dir(path, sources):
    """Makes path a module folder holding a copy of each source: a module
    file, or a folder whose *.so are all copied. Returns path."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    for src in sources:
        files = sorted(glob.glob(os.path.join(src, "*.so"))) \
            if os.path.isdir(src) else [src]
        for f in files:
            if not os.path.isfile(f):
                raise AssertionError("module %s: no such file" % f)
            shutil.copy(f, path)
    return path


class Server:
    """One erpd process: `erpd serve` on a free loopback port with a fresh
    temporary ERP_DATA_DIR (ERP_ENV=development unless env says otherwise).
    stdout (access log) and stderr (diagnostics) go to files in the temp
    dir. start() waits until GET /healthz answers; stop() sends a signal and
    returns the exit code. modules: module files (.so) or folders of them,
    copied into the server's own ERP_MODULES_DIR (without it, erpd loads
    its default folder). erpd: the binary (default erpd_bin())."""

    def __init__(self, env=None, args=("serve",), tmp=None, modules=None,
                 erpd=None):
        self.extra_env = dict(env or {})
        self.args = list(args)
        self.erpd = erpd or erpd_bin()
        self.own_tmp = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="erpd-it-")
        self.data_dir = os.path.join(self.tmp, "data")
        os.makedirs(self.data_dir, mode=0o700, exist_ok=True)
        if modules:
            self.extra_env["ERP_MODULES_DIR"] = modules_dir(
                os.path.join(self.tmp, "modules"), modules)
        self.stdout_path = os.path.join(self.tmp, "stdout.log")
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self.doc = None     # the recorded API document's file name

    # -- process ---------------------------------------------------------

    def env(self):
        env = {"ERP_ENV": "development", "ERP_DATA_DIR": self.data_dir,
               "ERP_LISTEN": "%s:%d" % (self.host, self.port)}
        env.update(self.extra_env)
        return clean_env(env)

    def spawn(self):
        """Starts the process without waiting for it to serve."""
        self.port = free_port()
        out = open(self.stdout_path, "ab")
        err = open(self.stderr_path, "ab")
        try:
            self.proc = subprocess.Popen([self.erpd] + self.args,
                                         env=self.env(), stdout=out,
                                         stderr=err, stdin=subprocess.DEVNULL,
                                         cwd=self.tmp)
        finally:
            out.close()
            err.close()
        return self.proc

    def start(self, timeout=START_TIMEOUT):
        """Spawns erpd and waits for GET /healthz to answer 200."""
        for attempt in range(3):
            self.spawn()
            if self.wait_ready(timeout):
                if RECORDER is not None:
                    self.doc = RECORDER.fetch_doc(self.host, self.port)
                return self
            # A port taken between free_port() and bind(): try another.
            if self.proc.poll() is not None and attempt < 2 and re.search(
                    r"(?i)in use|bind", self.stderr()):
                continue
            break
        rc = self.proc.poll()
        if rc is None:
            self.kill()
        raise AssertionError(
            "erpd did not answer GET /healthz within %.0f s (exit code %s)\n"
            "--- stderr ---\n%s" % (timeout, rc, self.stderr()))

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                c = http.client.HTTPConnection(self.host, self.port,
                                               timeout=1)
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=STOP_TIMEOUT):
        """Exit code, or None if still running after timeout."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends sig and waits; kills after timeout. Returns the exit code
        (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(sig)
        rc = self.wait(timeout)
        if rc is None:
            self.kill()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def cleanup(self):
        self.kill()
        if self.own_tmp and not os.environ.get("ERPD_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- logs ------------------------------------------------------------

    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, predicate, timeout=5.0, stream="stdout"):
        """Polls a log until predicate(list of parsed lines) is true;
        returns the lines (the last read, also on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.stdout() if stream == "stdout" else self.stderr()
            lines = json_lines(text)
            if predicate(lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    # -- HTTP ------------------------------------------------------------

    def connection(self, timeout=10):
        return http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)

    def request(self, method, path, headers=None, body=None, timeout=10,
                conn=None):
        """One request (on conn if given, else a fresh connection)."""
        own = conn is None
        c = conn or self.connection(timeout)
        try:
            c.request(method, path, body=body, headers=dict(headers or {}))
            r = c.getresponse()
            data = r.read()
            response = Response(r.status, r.reason, r.getheaders(), data)
            self.record(method, path, response)
            return response
        except OSError as e:
            if not self.running():
                raise AssertionError(
                    "erpd exited (code %s) during %s %s\n--- stderr ---\n%s"
                    % (self.proc.returncode, method, path, self.stderr()))
            raise e
        finally:
            if own:
                c.close()

    def record(self, method, path, response):
        """Records an answer when ERPD_RECORD_DIR is set (Recorder)."""
        if RECORDER is not None and response is not None:
            RECORDER.record(self.doc, method, path, response)

    def get(self, path, headers=None, **kw):
        return self.request("GET", path, headers=headers, **kw)

    def post_json(self, path, body, headers=None, **kw):
        """POST with Content-Type: application/json; body is bytes, str or
        an object to serialise."""
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.request("POST", path, headers=h, body=body, **kw)

    # -- identity ----------------------------------------------------------

    def initial_admin(self):
        """(email, password) from the development initial-admin.txt."""
        vals = {}
        with open(os.path.join(self.data_dir, "initial-admin.txt")) as f:
            for ln in f:
                if ":" in ln:
                    k, v = ln.split(":", 1)
                    vals[k.strip()] = v.strip()
        return vals["email"], vals["password"]

    def api(self, method, path, body=None, token=None, headers=None,
            timeout=30, **kw):
        """A JSON API request: body (an object, or str/bytes sent as is)
        with Content-Type: application/json, token as a bearer token. The
        longer timeout leaves room for password hashing on a busy host."""
        h = {}
        if token is not None:
            h.update(bearer(token))
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode("utf-8")
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return self.request(method, path, headers=h, body=body,
                            timeout=timeout, **kw)

    def login(self, email, password, headers=None):
        """POST /api/v1/auth/token; returns the Response."""
        return self.api("POST", LOGIN_PATH,
                        {"email": email, "password": password},
                        headers=headers)

    def token(self, email, password, headers=None):
        """Logs in and returns the access token (AssertionError if not
        200)."""
        r = self.login(email, password, headers)
        if r.status != 200 or not isinstance(r.json, dict) or \
                not isinstance(r.json.get("access_token"), str):
            raise AssertionError("login as %s failed: %r" % (email, r))
        return r.json["access_token"]

    # -- raw sockets ------------------------------------------------------

    def socket(self, timeout=10):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        return s

    def raw(self, data, timeout=10, method="GET"):
        """Sends raw bytes on a new connection and reads one response."""
        with self.socket(timeout) as s:
            s.sendall(data)
            response = read_response(s, method=method)
        line = request_line(data)
        if line is not None:
            self.record(line[0], line[1], response)
        return response


class IdentityMixin:
    """For a ServerTestCase: logs the development bootstrap admin in
    (cls.admin_email, cls.admin_password, cls.admin_token; override
    setup_identity to do otherwise), remembers every password and token
    the class uses (keep), and checks last that none reached stdout or
    stderr. Not a TestCase itself, so it runs only where mixed in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secrets = []
        cls.setup_identity()

    @classmethod
    def setup_identity(cls):
        cls.admin_email, cls.admin_password = cls.server.initial_admin()
        cls.keep(cls.admin_password)
        cls.admin_token = cls.keep(cls.server.token(cls.admin_email,
                                                    cls.admin_password))

    @classmethod
    def keep(cls, *values):
        """Remembers secrets for the log check; returns the first."""
        cls.secrets.extend(v for v in values if v)
        return values[0] if values else None

    @classmethod
    def create_user(cls, email, password, name="", is_admin=False):
        """Creates a user as the admin; returns its JSON."""
        cls.keep(password)
        r = cls.server.api("POST", "/api/v1/users", {
            "email": email, "name": name, "password": password,
            "is_admin": is_admin}, token=cls.admin_token)
        if r.status != 201:
            raise AssertionError("creating %s: %r" % (email, r))
        cls.emails_by_id()[r.json["id"]] = email
        return r.json

    @classmethod
    def emails_by_id(cls):
        """Emails of the users create_user made, by id."""
        if "_emails" not in cls.__dict__:
            cls._emails = {}
        return cls._emails

    @classmethod
    def add_member(cls, org, uid, role, token=None):
        """Gives user uid (made by create_user) role in org: a PUT changes
        a member's role, a newcomer is added by email (POST). Returns the
        member's JSON."""
        base = "/api/v1/orgs/%s/members" % org
        token = token or cls.admin_token
        r = cls.server.api("PUT", "%s/%s" % (base, uid), {"role": role},
                           token=token)
        if r.status == 404:
            r = cls.server.api("POST", base, {
                "email": cls.emails_by_id()[uid], "role": role},
                token=token)
        if r.status not in (200, 201):
            raise AssertionError("member %s of %s: %r" % (uid, org, r))
        return r.json

    def login_token(self, email, password, headers=None):
        return self.keep(self.server.token(email, password, headers))

    def me(self, token):
        return self.server.api("GET", "/api/v1/users/me", token=token)

    def test_zz_no_password_or_token_in_logs(self):
        # zz: unittest runs a class's tests in name order, so this is last
        self.assertNotLogged(self.secrets)


class ServerTestCase(unittest.TestCase):
    """One erpd per TestCase class: set server_env and modules (see
    Server), and override prepare_class to build fixtures such as a www
    dir before start."""

    server_env = {}
    modules = None
    server = None

    @classmethod
    def prepare_class(cls, tmp):
        """Hook: returns extra env; tmp is the server's temp dir."""
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tmp = tempfile.mkdtemp(prefix="erpd-it-")
        if not os.environ.get("ERPD_KEEP_TMP"):
            cls.addClassCleanup(shutil.rmtree, tmp, True)
        env = dict(cls.server_env)
        env.update(cls.prepare_class(tmp))
        cls.server = Server(env=env, tmp=tmp, modules=cls.modules)
        cls.addClassCleanup(cls.server.kill)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.stop()
        super().tearDownClass()

    # -- assertions shared by the files ------------------------------------

    def assertSecurityHeaders(self, r, production=None):
        if production is None:
            production = self.server_env.get("ERP_ENV") == "production"
        for name, value in SECURITY_HEADERS.items():
            self.assertEqual(r.headers.get(name), value,
                             "%s on %r" % (name, r))
        self.assertIn("content-security-policy", r.headers, repr(r))
        rid = r.headers.get("x-request-id")
        self.assertIsNotNone(rid, "X-Request-ID on %r" % r)
        self.assertRegex(rid, REQUEST_ID_RE)
        self.assertEqual(r.header_names().count("x-request-id"), 1, repr(r))
        if production:
            self.assertEqual(r.headers.get("strict-transport-security"), HSTS,
                             repr(r))
        else:
            self.assertNotIn("strict-transport-security", r.headers, repr(r))

    def assertJsonHeaders(self, r):
        self.assertTrue(
            r.headers.get("content-type", "").startswith("application/json"),
            repr(r))
        self.assertIn("no-store", r.headers.get("cache-control", ""),
                      repr(r))
        self.assertIn("default-src 'none'",
                      r.headers.get("content-security-policy", ""), repr(r))

    def assertError(self, r, status, code):
        """r is the error envelope with this status and code, its
        request_id equal to the X-Request-ID header."""
        self.assertEqual(r.status, status, repr(r))
        self.assertIsInstance(r.json, dict, repr(r))
        err = r.json.get("error")
        self.assertIsInstance(err, dict, repr(r))
        self.assertEqual(err.get("code"), code, repr(r))
        self.assertIsInstance(err.get("message"), str, repr(r))
        self.assertTrue(err["message"], repr(r))
        self.assertEqual(err.get("request_id"), r.headers.get("x-request-id"),
                         repr(r))
        self.assertJsonHeaders(r)
        self.assertSecurityHeaders(r)
        return err

    def assertUnauthenticated(self, r):
        """401 unauthenticated with WWW-Authenticate: Bearer."""
        err = self.assertError(r, 401, "unauthenticated")
        self.assertEqual(r.headers.get("www-authenticate"), "Bearer",
                         repr(r))
        return err

    def assertFields(self, r, expected, status=422, code="validation_failed"):
        """The error lists exactly the fields in expected ({field: code},
        a field code None accepts any code), each once."""
        err = self.assertError(r, status, code)
        fields = err.get("fields")
        self.assertIsInstance(fields, list, repr(r))
        got = {}
        for f in fields:
            self.assertIsInstance(f, dict, repr(r))
            self.assertNotIn(f.get("field"), got, "field twice: %r" % r)
            self.assertIsInstance(f.get("message"), str, repr(r))
            got[f.get("field")] = f.get("code")
        self.assertEqual(set(got), set(expected), repr(r))
        for name, c in expected.items():
            if c is not None:
                self.assertEqual(got[name], c, "%s in %r" % (name, r))
        return err

    def assertNotLogged(self, secrets, server=None):
        """No value of secrets appears in the server's stdout or stderr
        (after a marker request has reached the access log)."""
        server = server or self.server
        rid = "logcheck.%d" % time.monotonic_ns()
        server.get("/healthz", {"X-Request-ID": rid})
        server.wait_log(lambda ls: any(
            isinstance(x, dict) and x.get("request_id") == rid for x in ls))
        out, err = server.stdout(), server.stderr()
        for s in secrets:
            if not s:
                continue
            self.assertFalse(s in out, "secret %r... is in the access log"
                             % s[:4])
            self.assertFalse(s in err, "secret %r... is in stderr" % s[:4])


ORGS = "/api/v1/orgs"
NO_LIMIT = {"ERP_LOGIN_RATE": "1000/minute"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ROLES = ("manager", "clerk", "viewer", "outsider")


class OrgFixture(IdentityMixin):
    """Two organizations: A with a manager, a clerk and a viewer (the
    bootstrap admin created both and is admin of both), and B whose only
    other member, outsider, is a manager there and no member of A. Each
    person is a name in cls.ids and cls.tokens; new_member and api_key make
    more."""

    server_env = NO_LIMIT

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        cls.ids = {"admin": cls.api_as("admin", "GET",
                                       "/api/v1/users/me").json["id"]}
        cls.tokens = {"admin": cls.admin_token}
        tag = uuid.uuid4().hex[:8]
        for role in ROLES:
            pw = "%s-Module-Passw0rd-%s" % (role.capitalize(), tag)
            email = "%s-%s@example.com" % (role, tag)
            cls.ids[role] = cls.create_user(email, pw, role)["id"]
            cls.tokens[role] = cls.keep(cls.server.token(email, pw))
        cls.org_a = cls.make_org("A")
        cls.org_b = cls.make_org("B")
        for role in ("manager", "clerk", "viewer"):
            cls.set_member(cls.org_a, role, role)
        cls.set_member(cls.org_b, "outsider", "manager")

    @classmethod
    def api_as(cls, who, method, path, body=None, headers=None):
        token = cls.tokens[who] if hasattr(cls, "tokens") else \
            cls.admin_token
        return cls.server.api(method, path, body, token=token,
                              headers=headers)

    @classmethod
    def make_org(cls, name):
        slug = "%s-%s" % (name.lower(), uuid.uuid4().hex[:8])
        r = cls.api_as("admin", "POST", ORGS, {"name": name, "slug": slug})
        if r.status != 201:
            raise AssertionError("creating org %s: %r" % (name, r))
        return r.json["id"]

    @classmethod
    def set_member(cls, org, who, role):
        cls.add_member(org, cls.ids[who], role)

    @classmethod
    def new_member(cls, org, who, role):
        """Creates the user who (a new name), makes it a member of org
        with role and logs it in; returns its id."""
        if who in cls.ids:
            raise AssertionError("%s exists already" % who)
        tag = uuid.uuid4().hex[:8]
        pw = "%s-Kit-Passw0rd-%s" % (who.capitalize(), tag)
        email = "%s-%s@example.com" % (who, tag)
        cls.ids[who] = cls.create_user(email, pw, who)["id"]
        cls.tokens[who] = cls.keep(cls.server.token(email, pw))
        cls.set_member(org, who, role)
        return cls.ids[who]

    @classmethod
    def api_key(cls, org, role, name="testkit"):
        """A new API key of org acting with role, made by the admin;
        returns the key (send it as X-API-Key, see call_key)."""
        r = cls.api_as("admin", "POST", "%s/%d/api-keys" % (ORGS, org),
                       {"name": name, "role": role})
        if r.status != 201:
            raise AssertionError("API key for %d: %r" % (org, r))
        return cls.keep(r.json["key"])

    def call(self, who, method, path, body=None, org=None, rid=None):
        """A request under /api/v1/orgs/{org} (org A unless given)."""
        headers = {"X-Request-ID": rid} if rid else None
        return self.api_as(who, method, self.org_path(path, org), body,
                           headers=headers)

    def call_key(self, key, method, path, body=None, org=None):
        """call, authenticated with an API key instead of a token."""
        return self.server.api(method, self.org_path(path, org), body,
                               headers={"X-API-Key": key})

    def org_path(self, path, org=None):
        """/api/v1/orgs/{org}path (org A unless given)."""
        return "%s/%d%s" % (ORGS, self.org_a if org is None else org, path)

    def set_policy(self, org, source):
        """Makes source the organization's own policy."""
        r = self.call("admin", "PUT", "/policy", {"source": source}, org=org)
        self.assertEqual(r.status, 200, repr(r))

    def audit_rows(self, org, action, resource_id=None):
        """The organization's audit rows of action, newest first."""
        r = self.call("admin", "GET", "/audit?limit=500&action=" + action,
                      org=org)
        self.assertEqual(r.status, 200, repr(r))
        rows = r.json["items"]
        if resource_id is not None:
            rows = [e for e in rows if e["resource_id"] == str(resource_id)]
        return rows

    def assertAudited(self, org, action, resource_id, who, rid):
        """Exactly one success row of action on resource_id by who, written
        by the request rid; returns it."""
        rows = [e for e in self.audit_rows(org, action, resource_id)
                if e["request_id"] == rid]
        self.assertEqual(len(rows), 1, rows)
        e = rows[0]
        self.assertEqual(e["org_id"], org, e)
        self.assertEqual(e["actor_type"], "user", e)
        self.assertEqual(e["actor_id"], self.ids[who], e)
        self.assertEqual(e["outcome"], "success", e)
        return e


def new_rid(tag):
    return "%s.%s" % (tag, uuid.uuid4().hex)


_skus = [0]


def new_sku(prefix="SKU"):
    _skus[0] += 1
    return "%s-%d-%s" % (prefix, _skus[0], uuid.uuid4().hex[:6].upper())
