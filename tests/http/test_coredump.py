"""Core dumps (README, Identity): the running server
has a core size limit of 0 unless ERP_CORE_DUMPS=1, and a bad value stops
start-up naming the variable; the secrets given in the environment are
wiped from it once kept (/proc/PID/environ no longer shows them). (That it is also not dumpable is checked on
core_dumps_set itself by tests/unit/base/test_coredump.c: /proc does not
show the flag.)"""

import resource
import unittest

from harness import PROD_JWT_SECRET, PROD_SECRET_KEY, Server, run_erpd


def core_limits(pid):
    """The 'Max core file size' soft and hard limits of pid, as text."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max core file size"):
                return line.split()[4:6]
    raise AssertionError("no core limit for %d" % pid)


class CoreDumpTest(unittest.TestCase):

    def serve(self, env):
        server = Server(env=env)
        self.addCleanup(server.cleanup)
        self.addCleanup(server.stop)
        server.start()
        return server

    def setUp(self):
        # a core limit the server would inherit, if the hard limit allows
        soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
        self.addCleanup(resource.setrlimit, resource.RLIMIT_CORE,
                        (soft, hard))
        if hard != 0:
            resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
        self.inherited = resource.getrlimit(resource.RLIMIT_CORE)

    def test_off_by_default(self):
        server = self.serve({})
        self.assertEqual(core_limits(server.proc.pid), ["0", "0"])
        self.assertEqual(server.get("/healthz").status, 200)

    def test_operator_may_ask_for_them(self):
        if self.inherited[1] == 0:
            self.skipTest("core dumps are off for this test run itself")
        server = self.serve({"ERP_CORE_DUMPS": "1"})
        self.assertNotEqual(core_limits(server.proc.pid), ["0", "0"])

    def test_bad_value_stops_start_up(self):
        r = run_erpd(["migrate"], env={"ERP_CORE_DUMPS": "yes",
                                       "ERP_DATA_DIR": "data"})
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("ERP_CORE_DUMPS", r.stderr)

    def test_secrets_leave_the_environment(self):
        secrets = {"ERP_JWT_SECRET": PROD_JWT_SECRET,
                   "ERP_SECRET_KEY": PROD_SECRET_KEY}
        server = self.serve(dict(secrets, ERP_CORE_DUMPS="0"))
        with open("/proc/%d/environ" % server.proc.pid, "rb") as f:
            environ = f.read()
        self.assertIn(b"ERP_CORE_DUMPS=0", environ)
        for value in secrets.values():
            self.assertNotIn(value.encode(), environ)
        # the kept copies still sign and check tokens
        token = server.token(*server.initial_admin())
        self.assertEqual(server.api("GET", "/api/v1/users/me",
                                    token=token).status, 200)


if __name__ == "__main__":
    unittest.main()
