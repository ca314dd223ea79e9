"""Slow bodies and connections per address (docs/api.md, v4): a
body that comes too slowly is 408 request_timeout and the connection
closes; one address holds at most ERP_CONN_PER_IP connections (one
more is shut at its first request, unanswered), trusted proxies exempt. Deadlines are 10 s, so these tests wait that long; the
bounds they check are generous (what is tested is the behaviour, never
a timing)."""

import json
import socket
import threading
import time

from harness import IdentityMixin, ServerTestCase, read_response

ORGS = "/api/v1/orgs"
CUT_WITHIN = 25.0	# seconds: the 10 s rule plus a generous margin


def connect(server, source="127.0.0.1", timeout=10):
    return socket.create_connection((server.host, server.port),
                                    timeout=timeout,
                                    source_address=(source, 0))


def closed_by_peer(sock, within):
    """Whether the server closes sock (EOF or reset) within seconds."""
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except (socket.timeout, TimeoutError):
        return False


def healthz(sock):
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    return read_response(sock)


def trickle(sock, head, pieces, every):
    """Sends head, then each piece every seconds until the server
    answers (or closes); returns the response or None."""
    sock.sendall(head)
    sock.settimeout(every)
    for piece in pieces:
        try:
            data = sock.recv(1, socket.MSG_PEEK)
            if not data:
                return None
            break		# an answer is waiting
        except (socket.timeout, TimeoutError):
            pass
        try:
            sock.sendall(piece)
        except OSError:
            break
    sock.settimeout(CUT_WITHIN)
    try:
        return read_response(sock, allow_reset=True)
    except (socket.timeout, TimeoutError):
        return None


class SlowJsonBodyTest(ServerTestCase):

    def post_head(self, length, extra=b""):
        return (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\n" + extra +
                b"Content-Length: %d\r\n\r\n" % length)

    def test_a_json_body_not_complete_in_10_s_is_408_and_closes(self):
        body = json.dumps({"email": "a@example.com", "password": "x" * 40})
        s = connect(self.server)
        self.addCleanup(s.close)
        t0 = time.monotonic()
        # one byte a second: each arrives well within any per-read timeout
        r = trickle(s, self.post_head(len(body)),
                    [bytes([c]) for c in body.encode()], 1.0)
        self.assertIsNotNone(r, "no answer to a trickled body")
        self.assertError(r, 408, "request_timeout")
        self.assertLess(time.monotonic() - t0, CUT_WITHIN)
        self.assertGreaterEqual(time.monotonic() - t0, 9.0)
        self.assertTrue(closed_by_peer(s, 5))

    def test_a_silent_body_is_408(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        s.sendall(self.post_head(100) + b'{"email":')
        s.settimeout(CUT_WITHIN)
        r = read_response(s, allow_reset=True)
        self.assertError(r, 408, "request_timeout")
        self.assertTrue(closed_by_peer(s, 5))

    def test_the_drain_after_a_413_is_bounded_in_time(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        # over ERP_MAX_BODY_BYTES: 413 at once, then the rest is drained
        s.sendall(self.post_head(4 * 1024 * 1024) + b"{")
        s.settimeout(10)
        r = read_response(s, allow_reset=True)
        self.assertError(r, 413, "payload_too_large")
        t0 = time.monotonic()
        closed = False
        s.settimeout(1.0)
        while time.monotonic() - t0 < CUT_WITHIN:
            try:
                s.sendall(b" ")
                if s.recv(1) == b"":
                    closed = True
                    break
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                closed = True
                break
        self.assertTrue(closed, "a trickled drain kept the connection")

    def test_a_body_sent_in_time_is_served(self):
        body = json.dumps({"email": "a@example.com", "password": "x" * 12})
        s = connect(self.server)
        self.addCleanup(s.close)
        r = trickle(s, self.post_head(len(body)),
                    [body.encode()[:10], body.encode()[10:]], 0.5)
        self.assertEqual(r.status, 401, r.body)
        self.assertTrue(self.server.running())


class SlowUploadTest(IdentityMixin, ServerTestCase):
    server_env = {"ERP_UPLOAD_MAX_BYTES": str(64 * 1024 * 1024)}

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        r = cls.server.api("POST", ORGS, {"name": "Up", "slug": "up-slow"},
                           token=cls.admin_token)
        cls.org = r.json["id"]

    def upload_head(self, length):
        return (b"POST %s/%d/files HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer %s\r\n"
                b"Content-Type: multipart/form-data; boundary=XyZ\r\n"
                b"Content-Length: %d\r\n\r\n"
                b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                b"filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                % (ORGS.encode(), self.org, self.admin_token.encode(),
                   length))

    def test_an_upload_idle_for_10_s_is_408(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        s.sendall(self.upload_head(1024 * 1024) + b"hello " * 100)
        s.settimeout(CUT_WITHIN)
        r = read_response(s, allow_reset=True)
        self.assertError(r, 408, "request_timeout")
        self.assertTrue(closed_by_peer(s, 5))

    def test_an_upload_under_16_kib_a_second_is_cut_after_10_s(self):
        s = connect(self.server)
        self.addCleanup(s.close)
        t0 = time.monotonic()
        # 4 KiB every 0.5 s: never idle, 8 KiB/s on average
        r = trickle(s, self.upload_head(16 * 1024 * 1024),
                    [b"x" * 4096] * 200, 0.5)
        self.assertIsNotNone(r, "no answer to a slow upload")
        self.assertError(r, 408, "request_timeout")
        self.assertGreaterEqual(time.monotonic() - t0, 9.0)
        self.assertLess(time.monotonic() - t0, CUT_WITHIN)


class ConnectionsPerAddressTest(ServerTestCase):
    server_env = {"ERP_CONN_PER_IP": "4",
                  "ERP_TRUSTED_PROXIES": "127.0.0.3/32"}

    def open_served(self, n, source):
        socks = []
        for _ in range(n):
            s = connect(self.server, source)
            self.addCleanup(s.close)
            self.assertEqual(healthz(s).status, 200)
            socks.append(s)
        return socks

    def test_one_address_holds_at_most_the_limit(self):
        held = self.open_served(4, "127.0.0.1")
        extra = connect(self.server, "127.0.0.1")
        self.addCleanup(extra.close)
        # shut at its first request, unanswered
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(closed_by_peer(extra, 5))
        # others are served, and so are the held ones
        self.open_served(1, "127.0.0.2")
        self.assertEqual(healthz(held[0]).status, 200)
        # a closed one frees its place
        held[1].close()
        deadline = time.monotonic() + 10
        while True:
            s = connect(self.server, "127.0.0.1")
            self.addCleanup(s.close)
            try:
                r = healthz(s)
                if r is not None and r.status == 200:
                    break
            except OSError:
                pass		# refused while the old one was closing
            self.assertLess(time.monotonic(), deadline,
                            "the freed place was not given back")
            time.sleep(0.2)
        held[0].sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        r = read_response(held[0])
        self.assertRegex(r.body.decode(),
                         r"erp_connections_refused_total [1-9]")

    def test_a_trusted_proxy_is_exempt(self):
        self.open_served(8, "127.0.0.3")


class LivenessUnderTrickleTest(ServerTestCase):
    """Many trickling bodies from a few addresses do not delay another
    address's answers (docs/api.md): a functional test with a
    generous bound, the figure itself is bench/hostile.sh's."""
    TRICKLERS = 200
    server_env = {"ERP_THREADS": "256", "ERP_CONN_PER_IP": "100"}

    def test_healthz_answers_from_another_address(self):
        stop = threading.Event()
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        head = (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n")
        for i in range(self.TRICKLERS):
            s = connect(self.server, "127.0.0.%d" % (10 + i % 2))
            s.sendall(head)
            socks.append(s)

        def drip():
            while not stop.wait(1.0):
                for s in socks:
                    try:
                        s.send(b" ")
                    except OSError:
                        pass
        t = threading.Thread(target=drip, daemon=True)
        t.start()
        self.addCleanup(stop.set)
        worst = 0.0
        for _ in range(20):
            s = connect(self.server, "127.0.0.5")
            t0 = time.monotonic()
            s.settimeout(5)
            r = healthz(s)
            worst = max(worst, time.monotonic() - t0)
            s.close()
            self.assertEqual(r.status, 200)
            time.sleep(0.5)
        self.assertLess(worst, 5.0)
