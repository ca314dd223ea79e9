"""Liveness under slow clients, and clean shutdown on SIGTERM/SIGINT."""

import resource
import signal
import socket
import time
import unittest

from harness import Server, ServerTestCase

SLOW_CLIENTS = 500
ANSWER_WITHIN = 3.0		# seconds, a generous bound


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class SlowClientsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        # Before the server starts, so that it inherits the limit too.
        raise_nofile(4 * SLOW_CLIENTS + 256)
        super().setUpClass()

    def open_slow(self, payload):
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for _ in range(SLOW_CLIENTS):
            s = socket.create_connection((self.server.host, self.server.port),
                                         timeout=5)
            if payload:
                s.sendall(payload)
            socks.append(s)
        return socks

    def assertAnswersQuickly(self):
        t0 = time.monotonic()
        try:
            r = self.server.get("/healthz", timeout=ANSWER_WITHIN)
        except (socket.timeout, TimeoutError):
            self.fail("GET /healthz got no answer within %.0f s while %d "
                      "slow clients were connected"
                      % (ANSWER_WITHIN, SLOW_CLIENTS))
        elapsed = time.monotonic() - t0
        self.assertEqual(r.status, 200)
        self.assertLess(elapsed, ANSWER_WITHIN)

    def test_partial_requests_do_not_block_healthz(self):
        self.open_slow(b"GET / HTTP/1.1\r\nHost: x\r\n")
        self.assertAnswersQuickly()

    def test_silent_connections_do_not_block_healthz(self):
        self.open_slow(b"")
        self.assertAnswersQuickly()

    def test_server_recovers_after_slow_clients_leave(self):
        socks = self.open_slow(b"GET / HTTP/1.1\r\n")
        for s in socks:
            s.close()
        self.assertAnswersQuickly()
        self.assertTrue(self.server.running())


class ShutdownTest(unittest.TestCase):

    def start(self):
        srv = Server()
        self.addCleanup(srv.cleanup)
        srv.start()
        return srv

    def assertExitsCleanly(self, srv, sig):
        t0 = time.monotonic()
        srv.send_signal(sig)
        rc = srv.wait(10)
        self.assertIsNotNone(rc, "still running 10 s after %s\n%s"
                             % (sig.name, srv.stderr()))
        self.assertEqual(rc, 0, srv.stderr())
        self.assertLess(time.monotonic() - t0, 10)

    def test_sigterm_exits_0(self):
        srv = self.start()
        self.assertEqual(srv.get("/healthz").status, 200)
        self.assertExitsCleanly(srv, signal.SIGTERM)

    def test_sigint_exits_0(self):
        srv = self.start()
        self.assertEqual(srv.get("/healthz").status, 200)
        self.assertExitsCleanly(srv, signal.SIGINT)

    def test_sigterm_with_open_connections_exits_0(self):
        srv = self.start()
        idle = srv.connection()
        self.addCleanup(idle.close)
        self.assertEqual(srv.request("GET", "/healthz", conn=idle).status,
                         200)		# now an idle keep-alive connection
        half = srv.socket()
        self.addCleanup(half.close)
        half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        self.assertExitsCleanly(srv, signal.SIGTERM)


if __name__ == "__main__":
    unittest.main()
