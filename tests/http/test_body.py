"""docs/api.md: the request body pipeline (content type, size limit,
JSON), exercised on POST /api/v1/auth/token with ERP_MAX_BODY_BYTES=1024."""

import unittest

from harness import ServerTestCase, read_response

LOGIN = "/api/v1/auth/token"
LIMIT = 1024


class BodyTest(ServerTestCase):
    server_env = {"ERP_MAX_BODY_BYTES": str(LIMIT)}

    def post(self, body, ctype="application/json", headers=None):
        h = {"Content-Type": ctype} if ctype is not None else {}
        h.update(headers or {})
        return self.server.request("POST", LOGIN, headers=h, body=body)

    # -- content type ------------------------------------------------------

    def test_text_plain_is_415(self):
        r = self.post(b'{"email":"a@b.c","password":"x"}', "text/plain")
        self.assertError(r, 415, "unsupported_media_type")

    def test_missing_content_type_is_415(self):
        r = self.post(b'{"email":"a@b.c","password":"x"}', None)
        self.assertError(r, 415, "unsupported_media_type")

    def test_lookalike_content_type_is_415(self):
        r = self.post(b'{"email":"a@b.c","password":"x"}',
                      "application/jsonx")
        self.assertError(r, 415, "unsupported_media_type")

    def test_json_with_charset_is_accepted(self):
        r = self.post(b'{"email":"nobody@example.com","password":"x"}',
                      "application/json; charset=utf-8")
        self.assertNotIn(r.status, (400, 404, 405, 413, 415), repr(r))
        self.assertSecurityHeaders(r)

    # -- size ----------------------------------------------------------------

    def test_content_length_over_limit_is_413(self):
        body = b'{"email":"' + b"a" * (2 * LIMIT - 12) + b'"}'
        self.assertEqual(len(body), 2 * LIMIT)
        r = self.post(body)
        self.assertError(r, 413, "payload_too_large")

    def test_content_type_is_checked_before_size(self):
        # docs/api.md: content type, size, JSON: the first failing check answers.
        r = self.post(b"a" * (2 * LIMIT), "text/plain")
        self.assertError(r, 415, "unsupported_media_type")

    def test_size_is_checked_before_json(self):
        r = self.post(b"{" * (2 * LIMIT))
        self.assertError(r, 413, "payload_too_large")

    def test_body_at_limit_is_not_413(self):
        pad = LIMIT - len(b'{"email":"","password":"x"}')
        body = b'{"email":"' + b"a" * pad + b'","password":"x"}'
        self.assertEqual(len(body), LIMIT)
        r = self.post(body)
        self.assertNotIn(r.status, (404, 413), repr(r))

    def test_large_body_gets_a_complete_413_not_a_reset(self):
        total = 1 << 20
        with self.server.socket(timeout=10) as s:
            s.sendall(b"POST " + LOGIN.encode() + b" HTTP/1.1\r\n"
                      b"Host: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % total)
            chunk = b"a" * 16384
            sent = 0
            while sent < total:
                try:
                    s.sendall(chunk)
                except OSError:
                    break		# the server has answered and stopped reading
                sent += len(chunk)
            try:
                r = read_response(s, method="POST")
            except ConnectionResetError:
                self.fail("connection reset before a complete response "
                          "(after sending %d bytes)" % sent)
        self.assertIsNotNone(r, "connection closed without a response")
        self.assertError(r, 413, "payload_too_large")

    def test_chunked_body_over_limit_is_413(self):
        with self.server.socket(timeout=10) as s:
            s.sendall(b"POST " + LOGIN.encode() + b" HTTP/1.1\r\n"
                      b"Host: x\r\nContent-Type: application/json\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            piece = b"a" * 512
            try:
                s.sendall(b'a\r\n{"email":"\r\n')
                for _ in range(8):		# 4 KiB in all
                    s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                s.sendall(b'2\r\n"}\r\n0\r\n\r\n')
            except OSError:
                pass
            r = read_response(s, method="POST")
        self.assertIsNotNone(r, "connection closed without a response")
        self.assertError(r, 413, "payload_too_large")

    def test_chunked_body_under_limit_is_accepted(self):
        with self.server.socket(timeout=10) as s:
            body = b'{"email":"nobody@example.com","password":"x"}'
            s.sendall(b"POST " + LOGIN.encode() + b" HTTP/1.1\r\n"
                      b"Host: x\r\nContent-Type: application/json\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n"
                      b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
            r = read_response(s, method="POST")
        self.assertIsNotNone(r)
        self.assertNotIn(r.status, (400, 404, 411, 413, 415), repr(r))

    def test_expect_continue_with_oversize_length_is_413_without_body(self):
        with self.server.socket(timeout=10) as s:
            s.sendall(b"POST " + LOGIN.encode() + b" HTTP/1.1\r\n"
                      b"Host: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1048576\r\n"
                      b"Expect: 100-continue\r\n\r\n")
            # The body is never sent: the answer must come on its own.
            r = read_response(s, method="POST")
        self.assertIsNotNone(r, "connection closed without a response")
        self.assertNotEqual(r.status, 100,
                            "the server asked for an oversize body")
        self.assertError(r, 413, "payload_too_large")

    # -- JSON ----------------------------------------------------------------

    def test_malformed_json_is_400(self):
        cases = {
            "invalid": b'{"email":',
            "not an object start": b"email=a&password=b",
            "invalid utf-8": b'{"email":"\xc0\xaf"}',
            "invalid utf-8 in a key": b'{"\xff":"a"}',
            "duplicate key": b'{"email":"a","email":"b"}',
            "trailing garbage": b'{"email":"a","password":"x"} x',
            "two documents": b'{"email":"a"}{"password":"x"}',
        }
        for name, body in cases.items():
            with self.subTest(name):
                r = self.post(body)
                self.assertError(r, 400, "malformed_json")

    def test_nul_in_string_is_422_on_its_field(self):
        r = self.post(b'{"email":"a\\u0000b","password":"x"}')
        err = self.assertError(r, 422, "validation_failed")
        self.assertIsInstance(err.get("fields"), list, repr(r))
        self.assertEqual(err["fields"][0].get("field"), "email", repr(r))

    def test_integer_beyond_2_53_is_422_max(self):
        r = self.post(b'{"n": 9007199254740993}')
        err = self.assertError(r, 422, "validation_failed")
        fields = err.get("fields")
        self.assertIsInstance(fields, list, repr(r))
        n = [f for f in fields if f.get("field") == "n"]
        self.assertTrue(n, repr(r))
        self.assertEqual(n[0].get("code"), "max", repr(r))
        for f in fields:
            self.assertEqual(set(f) >= {"field", "code", "message"}, True,
                             repr(f))

    def test_body_errors_keep_the_server_healthy(self):
        self.post(b'{"email":')
        r = self.server.get("/healthz")
        self.assertEqual(r.status, 200)


if __name__ == "__main__":
    unittest.main()
