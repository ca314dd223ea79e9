"""Core dumps (README, Identity): the running server
has a core size limit of 0 unless ERP_CORE_DUMPS=1, and a bad value stops
start-up naming the variable. (That it is also not dumpable is checked on
core_dumps_set itself by tests/unit/base/test_coredump.c: /proc does not
show the flag.)"""

import resource
import unittest

from harness import Server, run_erpd


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


if __name__ == "__main__":
    unittest.main()
