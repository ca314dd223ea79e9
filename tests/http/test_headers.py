"""docs/api.md: the error envelope, 404/405, health endpoints, the
headers every response carries, X-Request-ID, CORS and keep-alive."""

import unittest

from harness import (FRESH_ID_RE, PRODUCTION_ENV, HSTS, ServerTestCase)


def cors_headers(r):
    return [k for k in r.header_names() if k.startswith("access-control-")]


class EnvelopeTest(ServerTestCase):

    def test_healthz(self):
        r = self.server.get("/healthz")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json, {"status": "ok"})
        self.assertJsonHeaders(r)
        self.assertSecurityHeaders(r)

    def test_readyz(self):
        r = self.server.get("/readyz")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json, {"status": "ready"})
        self.assertJsonHeaders(r)
        self.assertSecurityHeaders(r)

    def test_unknown_api_route_is_404_envelope(self):
        r = self.server.get("/api/v1/nope")
        err = self.assertError(r, 404, "not_found")
        self.assertNotIn("fields", err)

    def test_wrong_method_is_405_with_allow(self):
        r = self.server.request("DELETE", "/healthz")
        self.assertError(r, 405, "method_not_allowed")
        allow = [m.strip() for m in r.headers.get("allow", "").split(",")]
        for m in ("GET", "HEAD", "OPTIONS"):
            self.assertIn(m, allow, repr(r))
        self.assertNotIn("DELETE", allow)

    def test_head_healthz(self):
        g = self.server.get("/healthz")
        r = self.server.request("HEAD", "/healthz")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.body, b"")
        self.assertEqual(r.headers.get("content-length"),
                         g.headers.get("content-length"))
        self.assertSecurityHeaders(r)

    def test_malformed_request_line_gets_security_headers(self):
        # Answered by civetweb itself, before any handler runs.
        for raw in (b"GARBAGE\r\n\r\n",
                    b"GET nostar HTTP/1.1\r\nHost: x\r\n\r\n"):
            with self.subTest(raw=raw):
                r = self.server.raw(raw)
                self.assertIsNotNone(r, "no answer to %r" % raw)
                self.assertTrue(400 <= r.status < 500, repr(r))
                self.assertSecurityHeaders(r)

    def test_malformed_request_line_gets_envelope(self):
        r = self.server.raw(b"GARBAGE\r\n\r\n")
        self.assertIsNotNone(r)
        self.assertIsInstance(r.json, dict, repr(r))
        err = r.json.get("error")
        self.assertIsInstance(err, dict, repr(r))
        self.assertIsInstance(err.get("code"), str)
        self.assertEqual(err.get("request_id"), r.request_id)

    def test_bad_protocol_is_not_reflected_into_the_status_line(self):
        # civetweb 1.15 copies the request's protocol field into its error
        # status line, so this request makes it emit "X-Injected: yes" as a
        # response header unless erpd writes its own error responses.
        r = self.server.raw(
            b"GET / HTTP/1.1 x\r\nX-Injected: yes\r\n\r\n")
        self.assertIsNotNone(r)
        self.assertRegex(r.status_line, r"^HTTP/1\.[01] [1-5][0-9][0-9] ")
        self.assertNotIn("x-injected", r.header_names(), repr(r))

    def test_error_has_no_internals(self):
        r = self.server.get("/api/v1/nope")
        text = r.body.decode("utf-8", "replace")
        for needle in ("SELECT", "sqlite", "/work/", ".c:", "Traceback"):
            self.assertNotIn(needle, text)


class SecurityHeadersDevelopmentTest(ServerTestCase):

    def test_on_api_responses(self):
        for path in ("/healthz", "/readyz", "/api/v1/nope"):
            with self.subTest(path=path):
                r = self.server.get(path)
                self.assertSecurityHeaders(r, production=False)
                self.assertJsonHeaders(r)

    def test_on_405(self):
        r = self.server.request("DELETE", "/healthz")
        self.assertSecurityHeaders(r, production=False)

    def test_on_static_404(self):
        r = self.server.get("/no-such-file.html")
        self.assertEqual(r.status, 404)
        self.assertSecurityHeaders(r, production=False)


class SecurityHeadersProductionTest(ServerTestCase):
    server_env = PRODUCTION_ENV

    def test_hsts_on_api_responses(self):
        for path in ("/healthz", "/api/v1/nope"):
            with self.subTest(path=path):
                r = self.server.get(path)
                self.assertEqual(r.headers.get("strict-transport-security"),
                                 HSTS)
                self.assertSecurityHeaders(r, production=True)

    def test_hsts_on_405(self):
        r = self.server.request("DELETE", "/healthz")
        self.assertEqual(r.status, 405)
        self.assertSecurityHeaders(r, production=True)

    def test_hsts_on_civetweb_errors(self):
        r = self.server.raw(b"GARBAGE\r\n\r\n")
        self.assertIsNotNone(r)
        self.assertSecurityHeaders(r, production=True)

    def test_hsts_on_static(self):
        r = self.server.get("/")
        self.assertSecurityHeaders(r, production=True)


class RequestIdTest(ServerTestCase):

    def test_valid_ids_are_echoed(self):
        for rid in ("a", "abc-DEF_012.xyz", "Z" * 128, "...", "-_-"):
            with self.subTest(rid=rid):
                r = self.server.get("/healthz", {"X-Request-ID": rid})
                self.assertEqual(r.headers.get("x-request-id"), rid)

    def test_valid_id_is_echoed_in_the_envelope(self):
        r = self.server.get("/api/v1/nope", {"X-Request-ID": "trace.42"})
        self.assertEqual(r.request_id, "trace.42")
        self.assertEqual(r.json["error"]["request_id"], "trace.42")

    def test_invalid_ids_are_replaced(self):
        for rid in ("a" * 129, "has space", "a/b", "semi;colon", "\u00e9"):
            with self.subTest(rid=rid):
                r = self.server.get("/healthz", {
                    "X-Request-ID": rid.encode("utf-8").decode("latin-1")})
                got = r.headers.get("x-request-id")
                self.assertNotEqual(got, rid)
                self.assertRegex(got, FRESH_ID_RE)

    def test_invalid_id_replaced_in_the_envelope_too(self):
        r = self.server.get("/api/v1/nope", {"X-Request-ID": "a/b"})
        self.assertRegex(r.request_id, FRESH_ID_RE)
        self.assertEqual(r.json["error"]["request_id"], r.request_id)

    def test_empty_id_is_replaced(self):
        r = self.server.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                            b"X-Request-ID:\r\nConnection: close\r\n\r\n")
        self.assertRegex(r.request_id, FRESH_ID_RE)

    def test_fresh_ids_differ(self):
        a = self.server.get("/healthz").request_id
        b = self.server.get("/healthz").request_id
        self.assertRegex(a, FRESH_ID_RE)
        self.assertRegex(b, FRESH_ID_RE)
        self.assertNotEqual(a, b)


class CorsTest(ServerTestCase):
    server_env = {
        "ERP_CORS_ORIGINS": "https://app.example.com,http://localhost:5173"}

    def assertNoWildcard(self, r):
        self.assertNotEqual(r.headers.get("access-control-allow-origin"), "*")
        self.assertNotIn("access-control-allow-credentials", r.headers)

    def test_allowed_origin_is_echoed(self):
        for origin in ("https://app.example.com", "http://localhost:5173"):
            with self.subTest(origin=origin):
                r = self.server.get("/healthz", {"Origin": origin})
                self.assertEqual(r.status, 200)
                self.assertEqual(
                    r.headers.get("access-control-allow-origin"), origin)
                vary = [v.strip().lower()
                        for v in r.headers.get("vary", "").split(",")]
                self.assertIn("origin", vary, repr(r))
                self.assertNoWildcard(r)

    def test_allowed_origin_on_errors(self):
        r = self.server.get("/api/v1/nope",
                            {"Origin": "https://app.example.com"})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.headers.get("access-control-allow-origin"),
                         "https://app.example.com")
        self.assertNoWildcard(r)

    def test_other_origin_gets_no_cors_headers(self):
        for origin in ("https://evil.example.com",
                       "https://app.example.com.evil.com",
                       "http://app.example.com", "null"):
            with self.subTest(origin=origin):
                r = self.server.get("/healthz", {"Origin": origin})
                self.assertEqual(r.status, 200)
                self.assertEqual(cors_headers(r), [], repr(r))

    def test_preflight_from_allowed_origin(self):
        r = self.server.request("OPTIONS", "/healthz", {
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,content-type"})
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(r.body, b"")
        self.assertEqual(r.headers.get("access-control-allow-origin"),
                         "https://app.example.com")
        methods = [m.strip().upper() for m in
                   r.headers.get("access-control-allow-methods", "").split(",")]
        self.assertIn("GET", methods, repr(r))
        allowed = [h.strip().lower() for h in
                   r.headers.get("access-control-allow-headers", "").split(",")]
        self.assertIn("authorization", allowed, repr(r))
        self.assertIn("content-type", allowed, repr(r))
        self.assertRegex(r.headers.get("access-control-max-age", ""),
                         r"^[0-9]+$")
        self.assertNoWildcard(r)
        self.assertSecurityHeaders(r)

    def test_preflight_from_other_origin_is_403(self):
        r = self.server.request("OPTIONS", "/healthz", {
            "Origin": "https://evil.example.com",
            "Access-Control-Request-Method": "GET"})
        self.assertError(r, 403, "forbidden")
        self.assertEqual(cors_headers(r), [], repr(r))

    def test_preflight_to_unknown_path_is_404(self):
        r = self.server.request("OPTIONS", "/api/v1/nope", {
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "GET"})
        self.assertError(r, 404, "not_found")


class NoCorsTest(ServerTestCase):

    def test_no_cors_headers_without_configuration(self):
        r = self.server.get("/healthz", {"Origin": "https://app.example.com"})
        self.assertEqual(r.status, 200)
        self.assertEqual(cors_headers(r), [], repr(r))

    def test_preflight_gets_no_cors_headers(self):
        r = self.server.request("OPTIONS", "/healthz", {
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "GET"})
        self.assertEqual(cors_headers(r), [], repr(r))
        self.assertNotEqual(r.status, 500)


class KeepAliveTest(ServerTestCase):

    def test_two_requests_on_one_connection(self):
        c = self.server.connection()
        try:
            r1 = self.server.request("GET", "/healthz", conn=c)
            sock = c.sock
            self.assertIsNotNone(sock, "the server closed the connection")
            r2 = self.server.request("GET", "/readyz", conn=c)
            self.assertIs(c.sock, sock, "the connection was not reused")
        finally:
            c.close()
        self.assertEqual(r1.status, 200)
        self.assertEqual(r2.status, 200)
        for r in (r1, r2):
            self.assertNotEqual(r.headers.get("connection", "").lower(),
                                "close", repr(r))
        self.assertNotEqual(r1.request_id, r2.request_id)

    def test_keep_alive_after_an_error(self):
        c = self.server.connection()
        try:
            r1 = self.server.request("GET", "/api/v1/nope", conn=c)
            r2 = self.server.request("GET", "/healthz", conn=c)
        finally:
            c.close()
        self.assertEqual(r1.status, 404)
        self.assertEqual(r2.status, 200)


if __name__ == "__main__":
    unittest.main()
