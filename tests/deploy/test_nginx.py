"""contrib/nginx/erpd.conf in front of a production erpd, as shipped but
for ports, certificate and upstream: Debian's nginx runs unprivileged on
free high ports with a throw-away self-signed certificate made here, and
clients connect from distinct loopback addresses (127.0.0.x) so erpd can
tell them apart only through X-Forwarded-For and ERP_TRUSTED_PROXIES."""

import http.client
import json
import os
import pwd
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import unittest
import uuid

from erpd_testkit import PRODUCTION_ENV, Server, free_port

SOURCE = os.environ["ERPD_SOURCE_DIR"]
CONF = os.path.join(SOURCE, "contrib", "nginx", "erpd.conf")
ENV_FILE = os.path.join(SOURCE, "contrib", "systemd", "erpd.env")
HOST = "erp.example.com"
ADMIN = ("nginx-admin@example.com", "an admin passphrase 42")
BOUNDARY = "erpdNginxTestBoundary"


def site(text, http_port, https_port, erpd_port, cert, key):
    """erpd.conf for this test: its ports, certificate and upstream;
    IPv6 listeners dropped (loopback v6 may be missing here)."""
    text = re.sub(r"(?m)^\s*listen \[::\]:.*\n", "", text)
    for old, new in ((r"listen 80;", "listen 127.0.0.1:%d;" % http_port),
                     (r"listen 443 ssl", "listen 127.0.0.1:%d ssl"
                      % https_port),
                     (r"server 127\.0\.0\.1:8080;",
                      "server 127.0.0.1:%d;" % erpd_port),
                     (r"ssl_certificate \S+;", "ssl_certificate %s;" % cert),
                     (r"ssl_certificate_key \S+;",
                      "ssl_certificate_key %s;" % key)):
        text, n = re.subn(old, new, text)
        assert n == 1, "erpd.conf no longer has %r" % old
    return text


def multipart(filename, data):
    return (("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
             "filename=\"%s\"\r\n\r\n" % (BOUNDARY, filename)).encode()
            + data + ("\r\n--%s--\r\n" % BOUNDARY).encode())


class NginxTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="erpd-nginx-")
        os.chmod(cls.tmp, 0o755)	# nginx may run as nobody
        # nginx's pid, logs and buffers: its own writable directory
        cls.rundir = os.path.join(cls.tmp, "run")
        os.mkdir(cls.rundir)
        if os.getuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(cls.rundir, nobody.pw_uid, nobody.pw_gid)
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        cls.key = os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-days", "1", "-subj", "/CN=" + HOST,
                        "-addext", "subjectAltName=DNS:%s,IP:127.0.0.1"
                        % HOST, "-keyout", cls.key, "-out", cls.cert],
                       check=True, capture_output=True, timeout=60)
        os.chmod(cls.key, 0o644)	# throw-away, read by nginx's user
        # erpd as packaged: production, behind a proxy at 127.0.0.1 only
        env = dict(PRODUCTION_ENV)
        env.update({"ERP_TRUSTED_PROXIES": "127.0.0.1/32",
                    "ERP_LOGIN_RATE": "3/minute",
                    "ERP_BOOTSTRAP_ADMIN_EMAIL": ADMIN[0],
                    "ERP_BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1]})
        cls.erpd = Server(env=env)
        cls.erpd.start()
        cls.http_port, cls.https_port = free_port(), free_port()
        with open(CONF) as f:
            conf = site(f.read(), cls.http_port, cls.https_port,
                        cls.erpd.port, cls.cert, cls.key)
        with open(os.path.join(cls.tmp, "erpd.conf"), "w") as f:
            f.write(conf)
        with open(os.path.join(cls.tmp, "nginx.conf"), "w") as f:
            f.write("""worker_processes 1;
pid %(r)s/nginx.pid;
error_log %(r)s/error.log;
events { worker_connections 64; }
http {
  access_log %(r)s/access.log;
  client_body_temp_path %(r)s/body;
  proxy_temp_path %(r)s/proxy;
  fastcgi_temp_path %(r)s/fastcgi;
  uwsgi_temp_path %(r)s/uwsgi;
  scgi_temp_path %(r)s/scgi;
  include %(t)s/erpd.conf;
}
""" % {"t": cls.tmp, "r": cls.rundir})
        cmd = ["nginx", "-p", cls.rundir, "-e", os.path.join(cls.rundir, "error.log"),
               "-c", os.path.join(cls.tmp, "nginx.conf"), "-g", "daemon off;"]
        if os.getuid() == 0:	# never as root: as nobody, like a user would
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup",
                   "--clear-groups"] + cmd
        cls.nginx = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while True:
            try:
                if cls.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if cls.nginx.poll() is not None or time.monotonic() > deadline:
                log = cls.nginx_log()
                cls.tearDownClass()
                raise AssertionError("nginx did not come up: %s" % log)
            time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        if cls.nginx.poll() is None:
            cls.nginx.send_signal(signal.SIGQUIT)
            try:
                cls.nginx.wait(10)
            except subprocess.TimeoutExpired:
                cls.nginx.kill()
                cls.nginx.wait()
        cls.nginx.stderr.close()
        cls.erpd.stop()
        cls.erpd.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def nginx_log(cls):
        path = os.path.join(cls.rundir, "error.log")
        if cls.nginx.poll() is not None:
            return cls.nginx.stderr.read().decode(errors="replace")
        with open(path, errors="replace") as f:
            return f.read()

    @classmethod
    def request(cls, method, path, body=None, headers=None, client=2,
                tls=True):
        """One request through nginx from 127.0.0.<client>; (status,
        headers as a dict of lower-case names to lists, body)."""
        addr = ("127.0.0.%d" % client, 0)
        if tls:
            ctx = ssl.create_default_context(cafile=cls.cert)
            c = http.client.HTTPSConnection("127.0.0.1", cls.https_port,
                                            context=ctx, timeout=30,
                                            source_address=addr)
        else:
            c = http.client.HTTPConnection("127.0.0.1", cls.http_port,
                                           timeout=30, source_address=addr)
        h = {"Host": HOST}
        h.update(headers or {})
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hs = {}
            for k, v in r.getheaders():
                hs.setdefault(k.lower(), []).append(v)
            return r.status, hs, data
        finally:
            c.close()

    @classmethod
    def get(cls, path, **kw):
        return cls.request("GET", path, **kw)

    @classmethod
    def login(cls, email, password, client=2):
        return cls.request("POST", "/api/v1/auth/token", json.dumps(
            {"email": email, "password": password}).encode(),
            {"Content-Type": "application/json"}, client=client)

    def token(self, client):
        status, _, body = self.login(*ADMIN, client=client)
        self.assertEqual(status, 200, body)
        return json.loads(body)["access_token"]

    def test_http_redirects_to_https(self):
        status, h, _ = self.get("/api/v1/users/me?x=1", tls=False)
        self.assertEqual(status, 301)
        self.assertEqual(h["location"], ["https://%s/api/v1/users/me?x=1"
                                         % HOST])

    def test_tls_below_1_2_is_refused(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.cert)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        c = http.client.HTTPSConnection("127.0.0.1", self.https_port,
                                        context=ctx, timeout=10)
        with self.assertRaises(ssl.SSLError):
            c.request("GET", "/healthz")
        c.close()

    def test_login_and_authenticated_read(self):
        tok = self.token(client=3)
        status, h, body = self.get("/api/v1/users/me", headers={
            "Authorization": "Bearer " + tok})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["email"], ADMIN[0])
        # erpd's headers, once each, HSTS since ERP_ENV=production
        self.assertEqual(len(h["strict-transport-security"]), 1)
        self.assertRegex(h["strict-transport-security"][0], r"max-age=\d+")
        for name in ("content-security-policy", "x-content-type-options",
                     "x-frame-options", "x-request-id"):
            self.assertEqual(len(h[name]), 1, name)
        for v in h.get("server", []):	# server_tokens off
            self.assertNotRegex(v, r"\d")

    def test_upload_through_nginx(self):
        tok = self.token(client=4)
        auth = {"Authorization": "Bearer " + tok}
        status, _, body = self.request(
            "POST", "/api/v1/orgs", json.dumps(
                {"name": "Nginx", "slug": "nginx-" + uuid.uuid4().hex[:8]}
            ).encode(), dict(auth, **{"Content-Type": "application/json"}))
        self.assertEqual(status, 201, body)
        org = json.loads(body)["id"]
        data = b"sku,qty\n" + b"A-1,2\n" * 20000	# 120 KB: nginx buffers
        status, _, body = self.request(
            "POST", "/api/v1/orgs/%d/files" % org,
            multipart("stock.csv", data), dict(auth, **{
                "Content-Type": "multipart/form-data; boundary=" + BOUNDARY}))
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body)["size"], len(data))
        status, _, body = self.get("/api/v1/orgs/%d/files" % org,
                                   headers=auth)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["total"], 1)

    def test_body_limit_matches_erpd(self):
        with open(CONF) as f:
            limit = int(re.search(r"client_max_body_size (\d+);",
                                  f.read()).group(1))
        with open(ENV_FILE) as f:
            upload = int(re.search(r"(?m)^ERP_UPLOAD_MAX_BYTES=(\d+)$",
                                   f.read()).group(1))
        self.assertEqual(limit, upload + 64 * 1024)	# files' framing
        # a declared length over it is refused by nginx, in erpd's shape
        c = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, timeout=30,
            context=ssl.create_default_context(cafile=self.cert))
        c.putrequest("POST", "/api/v1/orgs/1/files", skip_host=True)
        c.putheader("Host", HOST)
        c.putheader("Content-Type", "multipart/form-data; boundary=x")
        c.putheader("Content-Length", str(limit + 1))
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        c.close()
        self.assertEqual(r.status, 413, body)
        self.assertEqual(json.loads(body)["error"]["code"],
                         "payload_too_large")

    def test_login_limit_counts_the_real_client(self):
        # 3/minute per address: client .5 spends its attempts on unknown
        # accounts (one each, so no account limit is hit) ...
        for i in range(3):
            status, _, body = self.login("nobody%d@example.com" % i,
                                         "wrong password 1", client=5)
            self.assertEqual(status, 401, body)
        status, h, body = self.login("nobody9@example.com",
                                     "wrong password 1", client=5)
        self.assertEqual(status, 429, body)
        self.assertIn("retry-after", h)
        # ... and client .6, through the same nginx, is not limited by it
        status, _, body = self.login("someone@example.com",
                                     "wrong password 1", client=6)
        self.assertEqual(status, 401, body)
        # erpd logged the real addresses (each line follows its reply)
        deadline = time.monotonic() + 10
        while True:
            with open(self.erpd.stdout_path, errors="replace") as f:
                ips = {json.loads(ln)["ip"] for ln in f if ln.strip()}
            if {"127.0.0.5", "127.0.0.6"} <= ips or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertLessEqual({"127.0.0.5", "127.0.0.6"}, ips)


if __name__ == "__main__":
    unittest.main()
