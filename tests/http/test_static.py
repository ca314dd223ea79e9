"""Static files from ERP_WWW_DIR: types, caching, headers, and everything
that must not be served (directories, dot files, CGI, traversal)."""

import os
import unittest

from harness import ServerTestCase

INDEX = b"<!doctype html>\n<title>erp</title>\n<script src=\"/app.js\"></script>\n"
APP_JS = b"console.log('erp');\n"
STYLE = b"body { margin: 0; }\n"
SUB = b"inside sub\n"
HIDDEN = b"HIDDEN-CONTENT\n"
CGI = b"#!/bin/sh\necho pwned\n"


class StaticTest(ServerTestCase):

    @classmethod
    def prepare_class(cls, tmp):
        www = os.path.join(tmp, "www")
        os.makedirs(os.path.join(www, "sub"))
        files = {"index.html": INDEX, "app.js": APP_JS, "style.css": STYLE,
                 "sub/file.txt": SUB, ".hidden": HIDDEN, "run.cgi": CGI}
        for name, data in files.items():
            with open(os.path.join(www, name), "wb") as f:
                f.write(data)
        os.chmod(os.path.join(www, "run.cgi"), 0o755)
        cls.www = www
        return {"ERP_WWW_DIR": www}

    def test_index(self):
        r = self.server.get("/")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.body, INDEX)
        self.assertEqual(r.headers.get("content-type"),
                         "text/html; charset=utf-8")
        self.assertSecurityHeaders(r)
        self.assertIn("default-src 'self'",
                      r.headers.get("content-security-policy", ""))

    def test_index_by_name(self):
        r = self.server.get("/index.html")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.body, INDEX)

    def test_types(self):
        for path, body, ctype in (
                ("/app.js", APP_JS, "text/javascript; charset=utf-8"),
                ("/style.css", STYLE, "text/css; charset=utf-8")):
            with self.subTest(path=path):
                r = self.server.get(path)
                self.assertEqual(r.status, 200, repr(r))
                self.assertEqual(r.body, body)
                self.assertEqual(r.headers.get("content-type"), ctype)
                self.assertSecurityHeaders(r)

    def test_file_in_subdirectory(self):
        r = self.server.get("/sub/file.txt")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.body, SUB)

    def test_etag_and_304(self):
        r = self.server.get("/app.js")
        etag = r.headers.get("etag")
        self.assertTrue(etag, repr(r))
        r2 = self.server.get("/app.js", {"If-None-Match": etag})
        self.assertEqual(r2.status, 304, repr(r2))
        self.assertEqual(r2.body, b"")
        self.assertSecurityHeaders(r2)

    def test_stale_etag_gets_200(self):
        r = self.server.get("/app.js", {"If-None-Match": '"not-the-etag"'})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, APP_JS)

    def test_head(self):
        g = self.server.get("/")
        r = self.server.request("HEAD", "/")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.body, b"")
        self.assertEqual(r.headers.get("content-length"), str(len(INDEX)))
        self.assertEqual(r.headers.get("content-length"),
                         g.headers.get("content-length"))
        self.assertSecurityHeaders(r)

    def test_head_has_no_body_on_the_wire(self):
        with self.server.socket() as s:
            s.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertNotIn(INDEX, data)
        # The second response starts right after the HEAD response's head.
        self.assertEqual(data.count(b"HTTP/1.1 "), 2, data)

    def test_directory_is_404_without_listing(self):
        for path in ("/sub/", "/sub"):
            with self.subTest(path=path):
                r = self.server.get(path)
                self.assertIn(r.status, (404, 301, 302, 308) if
                              path == "/sub" else (404,), repr(r))
                self.assertNotIn(b"file.txt", r.body)
                if r.status == 404:
                    self.assertSecurityHeaders(r)

    def test_dot_file_is_404(self):
        for path in ("/.hidden", "/%2ehidden", "/sub/../.hidden"):
            with self.subTest(path=path):
                r = self.server.raw(b"GET %s HTTP/1.1\r\nHost: x\r\n"
                                    b"Connection: close\r\n\r\n"
                                    % path.encode())
                self.assertEqual(r.status, 404, repr(r))
                self.assertNotIn(b"HIDDEN-CONTENT", r.body)

    def test_cgi_is_never_executed(self):
        r = self.server.get("/run.cgi")
        self.assertIn(r.status, (200, 404), repr(r))
        if r.status == 200:
            self.assertEqual(r.body, CGI)
            self.assertEqual(r.headers.get("content-type"),
                             "application/octet-stream")
        else:
            self.assertNotIn(b"pwned", r.body)
        self.assertNotEqual(r.body.strip(), b"pwned")

    def test_traversal_is_404(self):
        for path in (b"/../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd",
                     b"/sub/..%2f..%2fetc/passwd", b"/sub/../../etc/passwd",
                     b"/..%5c..%5cetc/passwd", b"/%252e%252e/etc/passwd"):
            with self.subTest(path=path):
                r = self.server.raw(b"GET " + path + b" HTTP/1.1\r\n"
                                    b"Host: x\r\nConnection: close\r\n\r\n")
                self.assertIsNotNone(r)
                self.assertEqual(r.status, 404, repr(r))
                self.assertNotIn(b"root:", r.body)
                self.assertSecurityHeaders(r)

    def test_unknown_file_is_404_envelope(self):
        r = self.server.get("/no-such-file.js")
        self.assertError(r, 404, "not_found")

    def test_only_get_and_head(self):
        r = self.server.request("POST", "/index.html",
                                {"Content-Type": "application/json"}, b"{}")
        self.assertIn(r.status, (404, 405), repr(r))
        self.assertSecurityHeaders(r)
        with open(os.path.join(self.www, "index.html"), "rb") as f:
            self.assertEqual(f.read(), INDEX)


class ShippedWwwTest(ServerTestCase):
    """No ERP_WWW_DIR: the build's own www/ is served."""

    def test_root_is_served(self):
        r = self.server.get("/")
        self.assertEqual(r.status, 200, repr(r))
        self.assertTrue(r.headers.get("content-type", "").startswith(
            "text/html"), repr(r))
        self.assertSecurityHeaders(r)
        self.assertIn("default-src 'self'",
                      r.headers.get("content-security-policy", ""))

    def test_ui_csp_stays_strict(self):
        # the web UI runs without inline script or style and without eval
        csp = self.server.get("/").headers["content-security-policy"]
        for word in ("unsafe-inline", "unsafe-eval", "*", "http:", "https:"):
            self.assertNotIn(word, csp)
        for d in ("script-src 'self'", "style-src 'self'",
                  "connect-src 'self'", "object-src 'none'"):
            self.assertIn(d, csp)
        body = self.server.get("/").body.decode()
        self.assertNotRegex(body, r"<script(?![^>]*\bsrc=)")
        self.assertNotIn("<style", body)
        self.assertNotRegex(body, r"\son[a-z]+=")
        r = self.server.get("/js/main.mjs")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.headers.get("content-type"),
                         "text/javascript; charset=utf-8")


if __name__ == "__main__":
    unittest.main()
