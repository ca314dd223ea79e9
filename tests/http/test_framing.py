"""docs/api.md (v4): a request whose framing a proxy could read
differently (two Content-Lengths, one that is not only digits, a space
before a header's colon, Content-Length with Transfer-Encoding) is 400
bad_request and the connection closes: the bytes after it are never
served as a second request."""

import re
import unittest

from harness import Response, ServerTestCase, parse_head

# a request that reads its JSON body (422: not a login) and keeps the
# connection
HEAD = ("POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/json\r\n")
# the smuggled request asks to close, so a server that serves it ends the
# connection right after
SMUGGLED = (b"GET /api/v1/smuggled HTTP/1.1\r\nHost: localhost\r\n"
            b"Connection: close\r\n\r\n")
STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) ")


class FramingTest(ServerTestCase):

    def send(self, framing, body=b"{}"):
        """One request with the framing headers, the body, and a second
        request right behind it, all in one send. Returns the first
        response and the status of every response on the connection."""
        data = (HEAD + framing + "\r\n").encode() + body + SMUGGLED
        got = b""
        with self.server.socket() as s:
            s.sendall(data)
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except ConnectionResetError:
                pass
        head, rest = got.split(b"\r\n\r\n", 1)
        status_line, status, reason, headers = parse_head(head)
        first = Response(status, reason, headers,
                         rest[:int(dict(headers)["Content-Length"])],
                         status_line)
        return first, [int(m) for m in STATUS_LINE.findall(got)]

    def assertRefused(self, framing, body=b"{}"):
        first, statuses = self.send(framing, body)
        self.assertError(first, 400, "bad_request")
        self.assertEqual(first.headers.get("connection"), "close", framing)
        self.assertEqual(statuses, [400], framing)

    def test_sound_pipelining_serves_both(self):
        # the control: the same bytes with sound framing are two requests
        first, statuses = self.send("Content-Length: 2\r\n")
        self.assertEqual(statuses, [422, 404], repr(first))

    def test_two_content_lengths(self):
        self.assertRefused("Content-Length: 2\r\nContent-Length: 40\r\n")
        self.assertRefused("Content-Length: 2\r\ncontent-length: 2\r\n")

    def test_content_length_not_only_digits(self):
        for value in ("2abc", "+2", "2 ", "0x2", "2, 2"):
            with self.subTest(value=value):
                self.assertRefused("Content-Length: %s\r\n" % value)

    def test_space_before_colon(self):
        self.assertRefused("Content-Length : 2\r\n")
        self.assertRefused("Content-Length: 2\r\nX-Note : 1\r\n")

    def test_content_length_and_transfer_encoding(self):
        chunked = b"2\r\n{}\r\n0\r\n\r\n"
        self.assertRefused("Content-Length: 13\r\n"
                           "Transfer-Encoding: chunked\r\n", chunked)
        self.assertRefused("Transfer-Encoding: chunked\r\n"
                           "Transfer-Encoding: chunked\r\n", chunked)

    def test_server_keeps_serving(self):
        self.assertRefused("Content-Length: +2\r\n")
        self.assertEqual(self.server.get("/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
