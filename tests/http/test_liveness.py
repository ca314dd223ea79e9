"""Liveness under slow clients, and clean shutdown on SIGTERM/SIGINT."""

import resource
import signal
import socket
import time
import unittest

from harness import Server, ServerTestCase

SLOW_CLIENTS = 500
# seconds without an answer that count as none: a generous bound, for a
# check that the server answers at all, not a measure of its speed
ANSWER_WITHIN = 10.0


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
        try:
            r = self.server.get("/healthz", timeout=ANSWER_WITHIN)
        except (socket.timeout, TimeoutError):
            self.fail("GET /healthz got no answer within %.0f s while %d "
                      "slow clients were connected"
                      % (ANSWER_WITHIN, SLOW_CLIENTS))
        self.assertEqual(r.status, 200)

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
        srv.send_signal(sig)
        rc = srv.wait(10)
        self.assertIsNotNone(rc, "still running 10 s after %s\n%s"
                             % (sig.name, srv.stderr()))
        self.assertEqual(rc, 0, srv.stderr())

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

    def test_sigterm_drains_requests_in_flight(self):
        # systemctl stop and restart send SIGTERM: a request whose body
        # is still arriving, and one being answered (a login hashes a
        # password), both get their answers before erpd exits
        srv = Server(env={"ERP_BOOTSTRAP_ADMIN_EMAIL": "a@example.com",
                          "ERP_BOOTSTRAP_ADMIN_PASSWORD":
                          "a long passphrase 1"})
        self.addCleanup(srv.cleanup)
        srv.start()
        body = (b'{"email": "a@example.com", '
                b'"password": "a long passphrase 1"}')
        head = (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                % len(body))
        slow, busy = srv.socket(), srv.socket()
        self.addCleanup(slow.close)
        self.addCleanup(busy.close)
        slow.sendall(head + body[:10])
        busy.sendall(head + body)
        time.sleep(0.2)		# both are in erpd's hands now
        srv.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        # while the slow one holds the stop, a new request is turned away
        late = srv.socket()
        self.addCleanup(late.close)
        late.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = late.recv(65536)
        self.assertTrue(reply.startswith(b"HTTP/1.1 503 "), reply[:200])
        self.assertIn(b"Retry-After: 1\r\n", reply)
        self.assertIn(b"Connection: close\r\n", reply)
        slow.sendall(body[10:])
        for s in (slow, busy):
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
            self.assertTrue(reply.startswith(b"HTTP/1.1 200 "), reply[:200])
            self.assertIn(b"access_token", reply)
        self.assertEqual(srv.wait(10), 0, srv.stderr())
        # the stop waited for them, and said so
        self.assertIn("request(s) in flight", srv.stderr())


if __name__ == "__main__":
    unittest.main()
