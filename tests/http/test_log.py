"""The access log (JSON lines on stdout, one per request) and that
credentials never reach stdout or stderr."""

import unittest

from harness import ServerTestCase, json_lines

KEYS = {"ts", "request_id", "method", "path", "status", "duration_ms", "ip"}


class AccessLogTest(ServerTestCase):

    def lines_for(self, rid, timeout=5.0):
        lines = self.server.wait_log(
            lambda ls: any(isinstance(x, dict) and x.get("request_id") == rid
                           for x in ls), timeout)
        return [x for x in lines
                if isinstance(x, dict) and x.get("request_id") == rid]

    def test_one_json_line_per_request(self):
        reqs = [("GET", "/healthz", 200), ("GET", "/api/v1/nope", 404),
                ("DELETE", "/healthz", 405), ("GET", "/readyz", 200)]
        for method, path, status in reqs:
            with self.subTest(method=method, path=path):
                r = self.server.request(method, path)
                self.assertEqual(r.status, status)
                got = self.lines_for(r.request_id)
                self.assertEqual(len(got), 1, self.server.stdout())
                line = got[0]
                self.assertLessEqual(KEYS, set(line), line)
                self.assertEqual(line["method"], method)
                self.assertEqual(line["path"], path)
                self.assertEqual(line["status"], status)
                self.assertIsInstance(line["status"], int)
                self.assertIsInstance(line["duration_ms"], (int, float))
                self.assertGreaterEqual(line["duration_ms"], 0)
                self.assertEqual(line["ip"], "127.0.0.1")
                self.assertIsInstance(line["ts"], str)
                self.assertRegex(line["ts"],
                                 r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")

    def test_every_stdout_line_is_json(self):
        self.server.get("/healthz")
        for ln in json_lines(self.server.stdout()):
            self.assertIsInstance(ln, dict, self.server.stdout())

    def test_every_stderr_line_is_json(self):
        for ln in json_lines(self.server.stderr()):
            self.assertIsInstance(ln, dict, self.server.stderr())

    def test_echoed_request_id_is_logged(self):
        r = self.server.get("/healthz", {"X-Request-ID": "log-test.1"})
        self.assertEqual(len(self.lines_for("log-test.1")), 1)
        self.assertEqual(r.request_id, "log-test.1")

    def test_credentials_are_never_logged(self):
        secrets = {"Authorization": "Bearer SECRET123token",
                   "X-API-Key": "keySECRET456"}
        ids = []
        for method, path in (("GET", "/healthz"), ("GET", "/api/v1/nope"),
                             ("DELETE", "/healthz"),
                             ("GET", "/api/v1/users/me")):
            r = self.server.request(method, path, secrets)
            ids.append(r.request_id)
        r = self.server.request("POST", "/api/v1/auth/token", dict(
            secrets, **{"Content-Type": "application/json"}),
            b'{"email":"a@example.com","password":"PASSWORDsecret000"}')
        ids.append(r.request_id)
        for rid in ids:
            self.lines_for(rid)
        out, err = self.server.stdout(), self.server.stderr()
        for needle in ("SECRET123token", "keySECRET456",
                       "PASSWORDsecret000"):
            self.assertNotIn(needle, out)
            self.assertNotIn(needle, err)


if __name__ == "__main__":
    unittest.main()
