"""docs/configuration.md: configuration from the environment. A bad value stops
start-up with one line naming the variable; secrets are required in
production, generated once in development, and never logged."""

import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from harness import (PROD_JWT_SECRET, PROD_SECRET_KEY, Server, free_port,
                     log_lines, run_erpd)

GOOD_SECRET = "another-secret-value-0123456789-abcdefghij"	# 42 bytes
SHORT_SECRET = "0123456789abcdef"				# 16 bytes


class BadValueTest(unittest.TestCase):
    """erpd serve with one bad variable exits 1 quickly, with one line."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="erpd-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def serve(self, env):
        base = {"ERP_ENV": "development",
                "ERP_DATA_DIR": os.path.join(self.tmp, "data"),
                "ERP_LISTEN": "127.0.0.1:%d" % free_port()}
        base.update(env)
        try:
            return run_erpd(["serve"], env=base, timeout=10)
        except subprocess.TimeoutExpired:
            self.fail("erpd serve with %r was still running after 10 s"
                      % (env,))

    def assertRefused(self, env, name):
        p = self.serve(env)
        self.assertEqual(p.returncode, 1, "%r: %s" % (env, p.stderr))
        lines = log_lines(p.stderr)
        self.assertEqual(len(lines), 1, "%r: %s" % (env, p.stderr))
        self.assertIn(name, lines[0])
        return lines[0]

    def test_bad_values(self):
        cases = [
            ("ERP_DB_SYNC", "sometimes"),
            ("ERP_MAX_BODY_BYTES", "-5"),
            ("ERP_MAX_BODY_BYTES", "abc"),
            ("ERP_LISTEN", ""),
            ("ERP_THREADS", "0"),
            ("ERP_ENV", "staging"),
            ("ERP_LOGIN_RATE", "5/fortnight"),
            ("ERP_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("ERP_CORS_ORIGINS", "not-an-origin"),
        ]
        for name, value in cases:
            with self.subTest(name=name, value=value):
                self.assertRefused({name: value}, name)

    def test_more_bad_values(self):
        cases = [
            ("ERP_MAX_BODY_BYTES", "10x"),
            ("ERP_MAX_BODY_BYTES", "99999999999999999999999"),
            ("ERP_THREADS", "-1"),
            ("ERP_LOGIN_RATE", "five/minute"),
            ("ERP_TRUSTED_PROXIES", "999.0.0.1/8"),
            ("ERP_CORS_ORIGINS", "*"),
        ]
        for name, value in cases:
            with self.subTest(name=name, value=value):
                self.assertRefused({name: value}, name)

    def test_bad_line_does_not_echo_a_secret(self):
        line = self.assertRefused({"ERP_ENV": "production",
                                   "ERP_JWT_SECRET": SHORT_SECRET,
                                   "ERP_SECRET_KEY": PROD_SECRET_KEY},
                                  "ERP_JWT_SECRET")
        self.assertNotIn(SHORT_SECRET, line)
        self.assertNotIn(PROD_SECRET_KEY, line)

    def test_production_requires_jwt_secret(self):
        self.assertRefused({"ERP_ENV": "production",
                            "ERP_SECRET_KEY": PROD_SECRET_KEY},
                           "ERP_JWT_SECRET")

    def test_production_requires_secret_key(self):
        self.assertRefused({"ERP_ENV": "production",
                            "ERP_JWT_SECRET": PROD_JWT_SECRET},
                           "ERP_SECRET_KEY")

    def test_production_refuses_short_jwt_secret(self):
        self.assertRefused({"ERP_ENV": "production",
                            "ERP_JWT_SECRET": SHORT_SECRET,
                            "ERP_SECRET_KEY": PROD_SECRET_KEY},
                           "ERP_JWT_SECRET")

    def test_production_refuses_short_secret_key(self):
        self.assertRefused({"ERP_ENV": "production",
                            "ERP_JWT_SECRET": PROD_JWT_SECRET,
                            "ERP_SECRET_KEY": SHORT_SECRET},
                           "ERP_SECRET_KEY")

    def test_production_refuses_short_secret_file(self):
        path = os.path.join(self.tmp, "jwt")
        with open(path, "w") as f:
            f.write(SHORT_SECRET)
        os.chmod(path, 0o600)
        self.assertRefused({"ERP_ENV": "production",
                            "ERP_JWT_SECRET_FILE": path,
                            "ERP_SECRET_KEY": PROD_SECRET_KEY},
                           "ERP_JWT_SECRET")

    def test_missing_secret_file(self):
        self.assertRefused({"ERP_JWT_SECRET_FILE":
                            os.path.join(self.tmp, "no-such-file")},
                           "ERP_JWT_SECRET_FILE")

    def test_secret_and_secret_file_together(self):
        path = os.path.join(self.tmp, "jwt")
        with open(path, "w") as f:
            f.write(GOOD_SECRET)
        os.chmod(path, 0o600)
        for env_name in ("development", "production"):
            with self.subTest(env=env_name):
                p = self.serve({"ERP_ENV": env_name,
                                "ERP_JWT_SECRET": PROD_JWT_SECRET,
                                "ERP_JWT_SECRET_FILE": path,
                                "ERP_SECRET_KEY": PROD_SECRET_KEY})
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn("ERP_JWT_SECRET", p.stderr)
                self.assertNotIn(PROD_JWT_SECRET, p.stderr)
                self.assertNotIn(GOOD_SECRET, p.stderr)


class GoodValuesTest(unittest.TestCase):

    def test_valid_settings_start(self):
        srv = Server(env={"ERP_DB_SYNC": "normal",
                          "ERP_MAX_BODY_BYTES": "2048",
                          "ERP_THREADS": "8",
                          "ERP_LOGIN_RATE": "10/hour",
                          "ERP_TRUSTED_PROXIES": "10.0.0.0/8,192.168.1.1/32",
                          "ERP_CORS_ORIGINS": "https://a.example.com,"
                                              "http://localhost:5173"})
        self.addCleanup(srv.cleanup)
        srv.start()
        self.assertEqual(srv.get("/healthz").status, 200)
        self.assertEqual(srv.stop(), 0, srv.stderr())

    def test_production_with_secrets_starts(self):
        srv = Server(env={"ERP_ENV": "production",
                          "ERP_JWT_SECRET": PROD_JWT_SECRET,
                          "ERP_SECRET_KEY": PROD_SECRET_KEY})
        self.addCleanup(srv.cleanup)
        srv.start()
        srv.get("/healthz")
        srv.get("/api/v1/nope")
        self.assertEqual(srv.stop(), 0, srv.stderr())
        for text in (srv.stdout(), srv.stderr()):
            self.assertNotIn(PROD_JWT_SECRET, text)
            self.assertNotIn(PROD_SECRET_KEY, text)
        # Production never writes secrets of its own.
        self.assertFalse(os.path.exists(
            os.path.join(srv.data_dir, "jwt.secret")))
        self.assertFalse(os.path.exists(
            os.path.join(srv.data_dir, "secret.key")))


def secret_forms(data):
    """The ways a secret file's value could show up in a log."""
    import base64
    forms = {data.hex(), base64.b64encode(data).decode(),
             base64.urlsafe_b64encode(data).decode().rstrip("=")}
    try:
        text = data.decode("utf-8").strip()
        if len(text) >= 8:
            forms.add(text)
    except UnicodeDecodeError:
        pass
    return [f for f in forms if f]


class GeneratedSecretsTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="erpd-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_development_generates_and_reuses_secrets(self):
        srv = Server(tmp=self.tmp)
        self.addCleanup(srv.kill)
        srv.start()
        contents = {}
        for name in ("jwt.secret", "secret.key"):
            path = os.path.join(srv.data_dir, name)
            self.assertTrue(os.path.isfile(path), "%s missing" % name)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600,
                             name)
            with open(path, "rb") as f:
                contents[name] = f.read()
            self.assertGreaterEqual(len(contents[name]), 32, name)
        self.assertNotEqual(contents["jwt.secret"], contents["secret.key"])
        first_err = srv.stderr()
        self.assertRegex(first_err, r"(?i)generat")
        self.assertIn(srv.data_dir, first_err)
        srv.get("/healthz")
        self.assertEqual(srv.stop(), 0, srv.stderr())

        again = Server(tmp=self.tmp)
        self.addCleanup(again.kill)
        again.start()
        self.assertEqual(again.stop(), 0, again.stderr())
        for name, data in contents.items():
            with open(os.path.join(srv.data_dir, name), "rb") as f:
                self.assertEqual(f.read(), data, "%s changed" % name)
        second_err = again.stderr()[len(first_err):]
        self.assertNotRegex(second_err, r"(?i)generat.*secret|secret.*generat")

        out, err = again.stdout(), again.stderr()
        for data in contents.values():
            for form in secret_forms(data):
                self.assertNotIn(form, out)
                self.assertNotIn(form, err)

    def test_secret_file_is_used(self):
        path = os.path.join(self.tmp, "jwt-from-file")
        with open(path, "w") as f:
            f.write(GOOD_SECRET)
        os.chmod(path, 0o600)
        srv = Server(tmp=self.tmp, env={"ERP_JWT_SECRET_FILE": path})
        self.addCleanup(srv.kill)
        srv.start()
        srv.get("/healthz")
        self.assertEqual(srv.stop(), 0, srv.stderr())
        self.assertFalse(os.path.exists(
            os.path.join(srv.data_dir, "jwt.secret")),
            "a secret was generated although ERP_JWT_SECRET_FILE is set")
        self.assertNotIn(GOOD_SECRET, srv.stdout())
        self.assertNotIn(GOOD_SECRET, srv.stderr())

    def test_secret_file_satisfies_production(self):
        jwt = os.path.join(self.tmp, "jwt")
        key = os.path.join(self.tmp, "key")
        for path, value in ((jwt, GOOD_SECRET), (key, PROD_SECRET_KEY)):
            with open(path, "w") as f:
                f.write(value)
            os.chmod(path, 0o600)
        srv = Server(tmp=self.tmp, env={"ERP_ENV": "production",
                                        "ERP_JWT_SECRET_FILE": jwt,
                                        "ERP_SECRET_KEY_FILE": key})
        self.addCleanup(srv.kill)
        srv.start()
        self.assertEqual(srv.get("/healthz").status, 200)
        self.assertEqual(srv.stop(), 0, srv.stderr())
        for text in (srv.stdout(), srv.stderr()):
            self.assertNotIn(GOOD_SECRET, text)
            self.assertNotIn(PROD_SECRET_KEY, text)


if __name__ == "__main__":
    unittest.main()
