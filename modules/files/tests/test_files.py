"""modules/files against docs/api.md and docs/policies.md: multipart
uploads streamed to disk with their type decided from the content, the
size limit on the file itself (413 early, the client reading it, the
server's memory not growing with the upload), metadata, signed and
expiring download links, what each role may do, organizations kept apart,
and the audit rows the module writes."""

import hashlib
import os
import re
import select
import stat
import struct
import threading
import time
import unittest
import urllib.parse
import uuid
import zlib

from erpd_testkit import (NO_LIMIT, ORGS, TIME_RE, OrgFixture,
                          ServerTestCase, read_response)

LIMIT = 65536
MIB = 1 << 20
BOUNDARY = "erpdTestBoundary-7MA4YWxkTrZu0gW"
FILE_KEYS = {"id", "filename", "content_type", "size", "sha256",
             "created_at"}
STORAGE_RE = re.compile(r"^[0-9a-f]{32}$")


# -- real files ------------------------------------------------------------

def make_png(width=3, height=2):
    """A valid PNG (RGB, 8 bits) built with zlib and struct."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\x00" + bytes((200, 10 * y, 30)) * width
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0,
                                       0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def make_pdf(text="Hello from erpd"):
    """A minimal valid one-page PDF with a correct cross-reference table."""
    stream = b"BT /F1 18 Tf 36 96 Td (%s) Tj ET" % text.encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, xref))
    return out


def make_jpeg():
    """A small baseline JPEG header (SOI, JFIF APP0) and EOI."""
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01"
            b"\x00\x00\xff\xd9")


PNG = make_png()
PDF = make_pdf()
JPEG = make_jpeg()
CSV = "sku,name,price_cents\nA-1,Widget,1250\nB-2,Gadget \u00e9,99\n".encode()
TEXT = "Plain notes.\nZweite Zeile: \u00fc\u00f6\u00e4 \u2713\n".encode()
ELF = (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" +
       b"\x00" * 40)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20


# -- multipart -------------------------------------------------------------

def part(filename=None, data=b"", name="file", ctype=None, extra=b""):
    """One part: its header block (bytes) and its body."""
    h = b'Content-Disposition: form-data; name="' + name.encode() + b'"'
    if filename is not None:
        if isinstance(filename, str):
            filename = filename.encode("utf-8")
        h += b'; filename="' + filename + b'"'
    h += b"\r\n"
    if ctype is not None:
        h += b"Content-Type: " + ctype.encode() + b"\r\n"
    return h + extra, data


def form(parts, boundary=BOUNDARY, preamble=b"", epilogue=b""):
    """A multipart/form-data body of (headers, data) parts."""
    b = boundary.encode()
    out = preamble
    for headers, data in parts:
        out += b"--" + b + b"\r\n" + headers + b"\r\n" + data + b"\r\n"
    return out + b"--" + b + b"--\r\n" + epilogue


def ctype_of(boundary=BOUNDARY):
    return "multipart/form-data; boundary=" + boundary


def vm(pid, key):
    """A Vm* line of /proc/<pid>/status, in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith(key + ":"):
                return int(ln.split()[1]) * 1024
    raise AssertionError("%s not in /proc/%d/status" % (key, pid))


def stream(sock, pieces):
    """Sends pieces, stopping as soon as the server answers or stops
    reading. Returns the bytes sent."""
    sent = 0
    for piece in pieces:
        view = memoryview(piece)
        while view:
            r, w, _ = select.select([sock], [sock], [], 30)
            if r:
                return sent		# an answer is waiting
            if not w:
                raise AssertionError("the server neither reads nor answers")
            try:
                n = sock.send(view)
            except OSError:
                return sent
            view = view[n:]
            sent += n
    return sent


class FilesFixture(OrgFixture):
    """OrgFixture's organizations and members, with a small upload
    limit."""

    server_env = dict(NO_LIMIT, ERP_UPLOAD_MAX_BYTES=str(LIMIT))

    # -- helpers -------------------------------------------------------------

    def files_path(self, org=None, suffix=""):
        return "%s/%d/files%s" % (ORGS, org or self.org_a, suffix)

    def post_body(self, body, ctype=None, who="admin", org=None,
                  headers=None):
        h = {"Authorization": "Bearer " + self.tokens[who]}
        if ctype is not None:
            h["Content-Type"] = ctype
        h.update(headers or {})
        return self.server.request("POST", self.files_path(org), headers=h,
                                   body=body, timeout=30)

    def upload(self, filename, data, who="admin", org=None, ctype=None):
        return self.post_body(form([part(filename, data, ctype=ctype)]),
                              ctype_of(), who, org)

    def uploaded(self, filename, data, **kw):
        r = self.upload(filename, data, **kw)
        self.assertEqual(r.status, 201, repr(r))
        return r.json

    def req(self, method, path, who="admin", body=None):
        return self.server.api(method, path, body, token=self.tokens[who])

    def link(self, file_id, who="admin", org=None):
        r = self.req("POST", self.files_path(org, "/%d/link" % file_id),
                     who)
        self.assertEqual(r.status, 200, repr(r))
        return r.json

    def refused(self, r, status=422):
        if status == 422:
            self.assertFields(r, {"file": None})
        elif status == 413:
            self.assertError(r, 413, "payload_too_large")
        return r

    def files_dir(self):
        return os.path.join(self.server.data_dir, "modules", "files")

    def leftovers(self):
        return [n for n in os.listdir(self.files_dir())
                if not STORAGE_RE.match(n)]

    def audit(self, action, org=None):
        r = self.req("GET", "%s/%d/audit?action=%s&limit=500" % (
            ORGS, org or self.org_a, action))
        self.assertEqual(r.status, 200, repr(r))
        return r.json["items"]


class UploadTest(FilesFixture, ServerTestCase):

    # -- accepted -------------------------------------------------------------

    def check_accepted(self, filename, data, ctype):
        r = self.upload(filename, data)
        self.assertEqual(r.status, 201, repr(r))
        self.assertJsonHeaders(r)
        f = r.json
        self.assertEqual(set(f), FILE_KEYS, repr(r))
        self.assertIsInstance(f["id"], int)
        self.assertEqual(f["filename"], filename)
        self.assertEqual(f["content_type"], ctype)
        self.assertEqual(f["size"], len(data))
        self.assertEqual(f["sha256"], hashlib.sha256(data).hexdigest())
        self.assertRegex(f["created_at"], TIME_RE)
        g = self.req("GET", self.files_path(suffix="/%d" % f["id"]))
        self.assertEqual(g.status, 200, repr(g))
        self.assertEqual(g.json, f)
        return f

    def test_real_files_are_accepted_with_type_size_and_hash(self):
        cases = [("pixel.png", PNG, "image/png"),
                 ("report.pdf", PDF, "application/pdf"),
                 ("photo.jpg", JPEG, "image/jpeg"),
                 ("photo.jpeg", JPEG, "image/jpeg"),
                 ("prices.csv", CSV, "text/csv"),
                 ("notes.txt", TEXT, "text/plain"),
                 ("UPPER.PNG", PNG, "image/png"),
                 ("empty.txt", b"", "text/plain")]
        for name, data, ctype in cases:
            with self.subTest(name):
                self.check_accepted(name, data, ctype)

    def test_stored_under_a_random_name_mode_0600_outside_the_web_root(self):
        png = make_png(17, 5)
        f = self.uploaded("stored.png", png)
        found = []
        for n in os.listdir(self.files_dir()):
            p = os.path.join(self.files_dir(), n)
            with open(p, "rb") as fh:
                if fh.read() == png:
                    found.append(p)
        self.assertEqual(len(found), 1, found)
        self.assertRegex(os.path.basename(found[0]), STORAGE_RE)
        self.assertEqual(stat.S_IMODE(os.stat(found[0]).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.files_dir()).st_mode),
                         0o700)
        self.assertNotIn("stored.png", os.listdir(self.files_dir()))
        # the web root never has it
        r = self.server.get("/" + os.path.basename(found[0]))
        self.assertNotEqual(r.body, png)
        self.assertTrue(f["id"])

    def test_the_content_type_a_part_claims_is_ignored(self):
        f = self.uploaded("claims.txt", TEXT, ctype="image/png")
        self.assertEqual(f["content_type"], "text/plain")
        f = self.uploaded("claims.png", PNG, ctype="text/html")
        self.assertEqual(f["content_type"], "image/png")

    def test_the_name_is_a_sanitised_label(self):
        cases = [("../../etc/passwd.txt", "passwd.txt"),
                 ("C:\\Users\\me\\report.csv", "report.csv"),
                 ("a\x01b\x1fc.txt", "abc.txt"),
                 ("evil\u202egnp.txt", "evilgnp.txt"),
                 ("  spaced name.txt  ", "spaced name.txt"),
                 ("\u00fcber \u2713.txt", "\u00fcber \u2713.txt"),
                 ("x" * 251 + ".txt", "x" * 251 + ".txt")]
        for raw, want in cases:
            with self.subTest(raw):
                data = CSV if want.endswith(".csv") else TEXT
                self.assertEqual(self.uploaded(raw, data)["filename"], want)

    def test_bad_names_are_422(self):
        for raw in ("x" * 252 + ".txt", "", "dir/", "\x01\x02",
                    b"bad-\xff.txt", "noext", "trailing.txt."):
            with self.subTest(raw):
                self.refused(self.upload(raw, TEXT))

    def test_quoted_boundary_preamble_and_epilogue(self):
        b = "it's a (boundary) with spaces"
        body = form([part("q.txt", TEXT)], boundary=b,
                    preamble=b"This is the preamble.\r\n",
                    epilogue=b"and an epilogue\r\n")
        r = self.post_body(body, 'multipart/form-data; charset=utf-8; '
                           'boundary="%s"' % b)
        self.assertEqual(r.status, 201, repr(r))
        self.assertEqual(r.json["sha256"], hashlib.sha256(TEXT).hexdigest())

    def test_data_that_almost_looks_like_the_boundary(self):
        data = ("line\r\n--" + BOUNDARY[:-1] + "\r\n--" + BOUNDARY[:10] +
                "\r\n-").encode() * 50
        f = self.uploaded("tricky.txt", data)
        self.assertEqual(f["size"], len(data))
        self.assertEqual(f["sha256"], hashlib.sha256(data).hexdigest())

    def test_chunked_upload_is_accepted(self):
        body = form([part("chunked.csv", CSV)])
        with self.server.socket(timeout=30) as s:
            s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: "
                       "Bearer %s\r\nContent-Type: %s\r\nTransfer-Encoding:"
                       " chunked\r\n\r\n" % (self.files_path(),
                                             self.admin_token, ctype_of())
                       ).encode())
            for i in range(0, len(body), 7):
                piece = body[i:i + 7]
                s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            s.sendall(b"0\r\n\r\n")
            r = read_response(s, "POST")
        self.assertEqual(r.status, 201, repr(r))
        self.assertEqual(r.json["sha256"], hashlib.sha256(CSV).hexdigest())

    # -- refused by content ---------------------------------------------------

    def test_extension_must_match_the_content(self):
        cases = [("png-bytes.pdf", PNG), ("text.png", TEXT),
                 ("pdf-bytes.txt", PDF), ("jpeg-bytes.png", JPEG),
                 ("csv-bytes.jpg", CSV), ("png-bytes.csv", PNG),
                 ("text.html", TEXT), ("text.exe", TEXT)]
        for name, data in cases:
            with self.subTest(name):
                self.refused(self.upload(name, data))

    def test_executable_and_active_content_is_422(self):
        cases = [("elf.png", ELF), ("elf.txt", ELF), ("elf.csv", b"\x7fELF"),
                 ("script.png", b"#!/bin/sh\nrm -rf /\n"),
                 ("script.txt", b"#!/bin/sh\nrm -rf /\n"),
                 ("setup.pdf", PE), ("setup.txt", PE), ("setup.exe", PE),
                 ("page.html", b"<!DOCTYPE html><script>alert(1)</script>"),
                 ("page.txt", b"\n  <html><body>hi</body></html>"),
                 ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
                 ("archive.zip", ZIP), ("archive.csv", ZIP),
                 ("nul.txt", b"text with a \x00 NUL"),
                 ("latin1.txt", "caf\u00e9".encode("latin-1")),
                 ("overlong.txt", b"\xc0\xaf"),
                 ("surrogate.txt", b"\xed\xa0\x80"),
                 ("truncated.txt", b"abc\xe2\x82")]
        for name, data in cases:
            with self.subTest(name):
                self.refused(self.upload(name, data))
        self.assertEqual(self.leftovers(), [])

    # -- refused by form ------------------------------------------------------

    def test_not_multipart_is_415(self):
        ok = form([part("a.txt", TEXT)])
        for name, (body, ctype) in {
                "json content type": (b'{"file": "x"}', "application/json"),
                "text content type": (ok, "text/plain"),
                "no content type": (ok, None)}.items():
            with self.subTest(name):
                r = self.post_body(body, ctype)
                self.assertError(r, 415, "unsupported_media_type")
        self.assertEqual(self.leftovers(), [])

    def test_malformed_or_missing_multipart_is_422(self):
        ok = form([part("a.txt", TEXT)])
        cases = {
            "no boundary": (ok, "multipart/form-data"),
            "boundary too long": (ok, ctype_of("b" * 71)),
            "other boundary": (ok, ctype_of("somethingelse")),
            "empty body": (b"", ctype_of()),
            "no close delimiter": (ok[:-len(BOUNDARY) - 6], ctype_of()),
            "cut in the file": (ok[:60], ctype_of()),
            "only the close": (b"--" + BOUNDARY.encode() + b"--\r\n",
                               ctype_of()),
            "no filename": (form([part(None, TEXT)]), ctype_of()),
            "two files": (form([part("a.txt", TEXT), part("b.txt", TEXT)]),
                          ctype_of()),
            "no disposition": (form([(b"Content-Type: text/plain\r\n",
                                      TEXT)]), ctype_of()),
            "not form-data": (form([(b'Content-Disposition: attachment; '
                                     b'name="file"; filename="a.txt"\r\n',
                                     TEXT)]), ctype_of()),
            "two names": (form([(b'Content-Disposition: form-data; '
                                 b'name="file"; name="x"; '
                                 b'filename="a.txt"\r\n', TEXT)]),
                          ctype_of()),
            "base64 transfer encoding": (form([part(
                "a.txt", b"aGVsbG8=", extra=b"Content-Transfer-Encoding: "
                b"base64\r\n")]), ctype_of()),
            "folded header": (form([(b'Content-Disposition: form-data;\r\n'
                                     b' name="file"; filename="a.txt"\r\n',
                                     TEXT)]), ctype_of()),
            "huge header": (form([part("a.txt", TEXT, extra=b"X-Pad: " +
                                       b"p" * 9000 + b"\r\n")]),
                            ctype_of()),
        }
        for name, (body, ctype) in cases.items():
            with self.subTest(name):
                self.refused(self.post_body(body, ctype))
        self.assertEqual(self.leftovers(), [])

    def test_an_unknown_field_is_named(self):
        for parts in ([part("a.txt", TEXT), part(None, b"hi", name="note")],
                      [part(None, b"hi", name="note")],
                      [part("a.txt", TEXT, name="note")]):
            with self.subTest(len(parts)):
                self.assertFields(self.post_body(form(parts), ctype_of()),
                                  {"note": None})

    # -- size -----------------------------------------------------------------

    def test_file_exactly_at_the_limit_is_accepted(self):
        data = (b"0123456789abcdef" * (LIMIT // 16))[:LIMIT]
        f = self.uploaded("limit.txt", data)
        self.assertEqual(f["size"], LIMIT)
        self.assertEqual(f["sha256"], hashlib.sha256(data).hexdigest())

    def test_file_one_byte_over_the_limit_is_413(self):
        data = b"a" * (LIMIT + 1)
        self.refused(self.upload("over.txt", data), 413)
        self.assertEqual(self.leftovers(), [])

    def test_the_limit_is_on_the_file_not_the_framing(self):
        # a file at the limit with a long preamble still fits
        data = b"b" * LIMIT
        body = form([part("framed.txt", data)], preamble=b"p" * 4000 + b"\r\n")
        r = self.post_body(body, ctype_of())
        self.assertEqual(r.status, 201, repr(r))
        self.assertEqual(r.json["size"], LIMIT)

    def big_upload(self, size, chunked=False, expect=False):
        """Uploads a size-byte file over a raw socket, watching for an
        early answer; returns (response, bytes sent)."""
        head, tail = form([part("big.txt", b"")]).split(b"\r\n--" +
                                                        BOUNDARY.encode(), 1)
        tail = b"\r\n--" + BOUNDARY.encode() + tail
        total = len(head) + size + len(tail)
        req = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: %s\r\n" % (self.files_path(), self.admin_token,
                                         ctype_of()))
        req += ("Transfer-Encoding: chunked\r\n" if chunked else
                "Content-Length: %d\r\n" % total)
        if expect:
            req += "Expect: 100-continue\r\n"
        req += "\r\n"
        block = b"a" * 65536

        def pieces():
            yield head
            left = size
            while left > 0:
                yield block[:min(left, len(block))]
                left -= len(block)
            yield tail

        def framed():
            for p in pieces():
                yield b"%x\r\n%s\r\n" % (len(p), p)
            yield b"0\r\n\r\n"

        with self.server.socket(timeout=60) as s:
            s.sendall(req.encode())
            sent = 0 if expect else stream(s, framed() if chunked
                                           else pieces())
            try:
                r = read_response(s, "POST")
            except ConnectionResetError:
                self.fail("connection reset before the response (after "
                          "%d bytes)" % sent)
        self.assertIsNotNone(r, "connection closed without a response")
        return r, sent

    def check_big_refused(self, size, chunked=False):
        pid = self.server.proc.pid
        rss, hwm = vm(pid, "VmRSS"), vm(pid, "VmHWM")
        r, sent = self.big_upload(size, chunked)
        self.refused(r, 413)
        grew, peak = vm(pid, "VmRSS") - rss, vm(pid, "VmHWM") - hwm
        self.assertLess(grew, 16 * MIB, "RSS grew by %d bytes" % grew)
        self.assertLess(peak, 16 * MIB, "peak RSS grew by %d bytes" % peak)
        if size > 16 * MIB:
            self.assertLess(sent, size, "the server read the whole upload")
        self.assertEqual(self.leftovers(), [])
        self.assertEqual(self.server.get("/healthz").status, 200)

    def test_1_mib_upload_is_413_and_memory_stays_flat(self):
        self.check_big_refused(MIB)

    def test_64_mib_upload_is_413_and_memory_stays_flat(self):
        self.check_big_refused(64 * MIB)

    def test_chunked_1_mib_upload_is_413_as_soon_as_over(self):
        self.check_big_refused(MIB, chunked=True)

    def test_chunked_64_mib_upload_is_413_and_memory_stays_flat(self):
        self.check_big_refused(64 * MIB, chunked=True)

    def test_expect_continue_with_an_oversize_length_is_413_at_once(self):
        r, _ = self.big_upload(64 * MIB, expect=True)
        self.assertNotEqual(r.status, 100)
        self.refused(r, 413)

    # -- metadata and lists ---------------------------------------------------

    def test_list_pages_and_counts(self):
        org = self.make_org("Listing")
        made = [self.uploaded("l%d.txt" % i, TEXT, org=org)["id"]
                for i in range(5)]
        r = self.req("GET", self.files_path(org))
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["total"], 5)
        self.assertEqual([f["id"] for f in r.json["items"]], made)
        self.assertEqual((r.json["limit"], r.json["offset"]), (50, 0))
        for f in r.json["items"]:
            self.assertEqual(set(f), FILE_KEYS)
        r = self.req("GET", self.files_path(org, "?limit=2&offset=3"))
        self.assertEqual([f["id"] for f in r.json["items"]], made[3:5])
        self.assertEqual((r.json["total"], r.json["limit"],
                          r.json["offset"]), (5, 2, 3))
        for q in ("limit=501", "limit=0", "offset=-1", "limit=x"):
            with self.subTest(q):
                self.assertEqual(self.req(
                    "GET", self.files_path(org, "?" + q)).status, 422)

    def test_list_page_out_of_bounds_names_the_parameter(self):
        # the host checks the page (reply_page), after ?q=
        for q, field in (("limit=0", "limit"), ("offset=-1", "offset"),
                         ("q=a&limit=0", "limit")):
            with self.subTest(q):
                self.assertFields(self.req("GET", self.files_path(
                    suffix="?" + q)), {field: None})

    def test_list_searches_names(self):
        org = self.make_org("Search")
        names = ["Invoice-March.pdf", "invoice_april.txt", "stock.csv",
                 "100%_done.txt", "\u00fcber.txt"]
        ids = {}
        for n in names:
            data = PDF if n.endswith(".pdf") else CSV if \
                n.endswith(".csv") else TEXT
            ids[n] = self.uploaded(n, data, org=org)["id"]

        def found(q, extra=""):
            r = self.req("GET", self.files_path(
                org, "?q=" + urllib.parse.quote(q) + extra))
            self.assertEqual(r.status, 200, repr(r))
            return r.json

        # contains, in any case, by id; total counts the matches only
        page = found("INVOICE")
        self.assertEqual([f["filename"] for f in page["items"]],
                         names[:2])
        self.assertEqual(page["total"], 2)
        page = found("invoice", "&limit=1&offset=1")
        self.assertEqual([f["id"] for f in page["items"]],
                         [ids["invoice_april.txt"]])
        self.assertEqual(page["total"], 2)
        # LIKE's own characters are plain text
        self.assertEqual([f["filename"] for f in found("%")["items"]],
                         ["100%_done.txt"])
        self.assertEqual([f["filename"] for f in found("_")["items"]],
                         ["invoice_april.txt", "100%_done.txt"])
        self.assertEqual(found("\\")["total"], 0)
        self.assertEqual([f["filename"] for f in found("\u00fcb")["items"]],
                         ["\u00fcber.txt"])
        self.assertEqual(found("nothing like it")["total"], 0)
        self.assertEqual(found("")["total"], len(names))
        # another organization's files are not found
        self.assertEqual(self.req("GET", self.files_path(
            suffix="?q=invoice-march")).json["total"], 0)
        for bad in ("x" * 201, "%ff", "%c3"):
            with self.subTest(q=bad[:10]):
                r = self.req("GET", self.files_path(org, "?q=" + bad))
                self.assertFields(r, {"q": None})
        # an undeclared parameter is refused, not read as no search
        self.assertFields(self.req("GET", self.files_path(
            org, "?name=invoice")), {"name": None})
        self.assertEqual(found("\u00e9" * 200)["total"], 0)

    def test_unknown_file_is_404(self):
        for suffix in ("/999999", "/abc", "/0"):
            for method in ("GET", "DELETE"):
                with self.subTest(method + suffix):
                    r = self.req(method, self.files_path(suffix=suffix))
                    self.assertError(r, 404, "not_found")
        r = self.req("POST", self.files_path(suffix="/999999/link"))
        self.assertError(r, 404, "not_found")

    def test_delete_removes_row_and_bytes(self):
        data = b"to be deleted " + uuid.uuid4().hex.encode()
        f = self.uploaded("gone.txt", data)
        before = set(os.listdir(self.files_dir()))
        r = self.req("DELETE", self.files_path(suffix="/%d" % f["id"]))
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(r.body, b"")
        gone = before - set(os.listdir(self.files_dir()))
        self.assertEqual(len(gone), 1, gone)
        self.assertEqual(self.req("GET", self.files_path(
            suffix="/%d" % f["id"])).status, 404)
        self.assertEqual(self.req("DELETE", self.files_path(
            suffix="/%d" % f["id"])).status, 404)

    # -- roles and organizations ----------------------------------------------

    def test_permissions_by_role(self):
        f = self.uploaded("roles.txt", TEXT)
        one = self.files_path(suffix="/%d" % f["id"])
        # viewer: reads, links, no upload, no delete
        self.assertError(self.upload("v.txt", TEXT, who="viewer"), 403,
                         "forbidden")
        self.assertEqual(self.req("GET", self.files_path(), "viewer")
                         .status, 200)
        self.assertEqual(self.req("GET", one, "viewer").status, 200)
        self.assertEqual(self.req("POST", one + "/link", "viewer").status,
                         200)
        self.assertError(self.req("DELETE", one, "viewer"), 403,
                         "forbidden")
        # clerk: uploads, no delete
        c = self.upload("c.txt", TEXT, who="clerk")
        self.assertEqual(c.status, 201, repr(c))
        self.assertError(self.req("DELETE", one, "clerk"), 403,
                         "forbidden")
        # manager: deletes
        self.assertEqual(self.req("DELETE", self.files_path(
            suffix="/%d" % c.json["id"]), "manager").status, 204)
        # a non-member: 403 on everything
        for method, path in (("GET", self.files_path()), ("GET", one),
                             ("DELETE", one), ("POST", one + "/link")):
            with self.subTest(method + " " + path):
                self.assertError(self.req(method, path, "outsider"), 403,
                                 "forbidden")
        self.assertError(self.upload("o.txt", TEXT, who="outsider"), 403,
                         "forbidden")
        self.assertEqual(self.req("GET", one).status, 200)

    def test_no_credentials_is_401(self):
        r = self.server.request("POST", self.files_path(), headers={
            "Content-Type": ctype_of()}, body=form([part("a.txt", TEXT)]))
        self.assertUnauthenticated(r)
        self.assertUnauthenticated(self.server.get(self.files_path()))

    def test_other_organizations_files_are_404(self):
        f = self.uploaded("a-only.txt", TEXT)
        b = self.uploaded("b-only.txt", TEXT, org=self.org_b)
        for org, fid in ((self.org_b, f["id"]), (self.org_a, b["id"])):
            base = self.files_path(org, "/%d" % fid)
            for method, path in (("GET", base), ("DELETE", base),
                                 ("POST", base + "/link")):
                with self.subTest("%s %s" % (method, path)):
                    self.assertError(self.req(method, path), 404,
                                     "not_found")
        ids = [x["id"] for x in self.req(
            "GET", self.files_path(self.org_b)).json["items"]]
        self.assertIn(b["id"], ids)
        self.assertNotIn(f["id"], ids)
        self.assertEqual(self.req("GET", self.files_path(
            suffix="/%d" % f["id"])).status, 200)

    # -- links ----------------------------------------------------------------

    def download(self, url, headers=None):
        return self.server.get(url, headers=headers)

    def test_link_downloads_the_same_bytes_without_credentials(self):
        for name, data, ctype in (("dl.pdf", PDF, "application/pdf"),
                                  ("dl.png", PNG, "image/png"),
                                  ("dl.csv", CSV, "text/csv")):
            with self.subTest(name):
                f = self.uploaded(name, data)
                t0 = int(time.time())
                ln = self.link(f["id"], who="viewer")
                self.assertEqual(set(ln), {"url", "expires_at"})
                self.assertTrue(ln["url"].startswith("/"))
                self.assertRegex(ln["expires_at"], TIME_RE)
                exp = int(dict(urllib.parse.parse_qsl(
                    urllib.parse.urlsplit(ln["url"]).query))["exp"])
                self.assertTrue(t0 + 300 - 5 <= exp <= t0 + 300 + 5, exp)
                r = self.download(ln["url"])
                self.assertEqual(r.status, 200, repr(r))
                self.assertEqual(r.body, data)
                self.assertEqual(r.headers.get("content-type"), ctype)
                cd = r.headers.get("content-disposition", "")
                self.assertTrue(cd.startswith("attachment"), cd)
                self.assertIn('filename="%s"' % name, cd)
                self.assertIn("sandbox",
                              r.headers.get("content-security-policy", ""))
                self.assertIn("default-src 'none'",
                              r.headers.get("content-security-policy", ""))
                self.assertSecurityHeaders(r)
                # other credentials are neither needed nor in the way
                r = self.download(ln["url"], {"Authorization": "Bearer x"})
                self.assertEqual(r.status, 200, repr(r))
                self.assertEqual(r.body, data)

    def test_tampered_links_are_403(self):
        f = self.uploaded("tamper.txt", TEXT)
        other = self.uploaded("other.txt", CSV)
        url = self.link(f["id"])["url"]
        path, query = url.split("?", 1)
        q = dict(urllib.parse.parse_qsl(query))
        sig = q["sig"]
        flipped = ("0" if sig[0] != "0" else "1") + sig[1:]

        def with_(**kw):
            d = dict(q)
            d.update(kw)
            return path + "?" + urllib.parse.urlencode(
                {k: v for k, v in d.items() if v is not None})

        other_path = path.rsplit("/", 1)[0] + "/%d" % other["id"]
        cases = {
            "sig": with_(sig=flipped),
            "short sig": with_(sig=sig[:-2]),
            "long sig": with_(sig=sig + "00"),
            "non-hex sig": with_(sig="zz" + sig[2:]),
            "no sig": with_(sig=None),
            "exp": with_(exp=str(int(q["exp"]) + 3600)),
            "no exp": with_(exp=None),
            "org": with_(org=str(self.org_b)),
            "no org": with_(org=None),
            "id": other_path + "?" + query,
            "non-numeric id": path.rsplit("/", 1)[0] + "/x?" + query,
        }
        for name, u in cases.items():
            with self.subTest(name):
                self.assertError(self.download(u), 403, "forbidden")
        self.assertEqual(self.download(url).status, 200)

    def test_link_to_a_deleted_file_is_404(self):
        f = self.uploaded("soon-gone.txt", TEXT)
        url = self.link(f["id"])["url"]
        self.assertEqual(self.download(url).status, 200)
        self.assertEqual(self.req("DELETE", self.files_path(
            suffix="/%d" % f["id"])).status, 204)
        self.assertError(self.download(url), 404, "not_found")
        # a later upload never takes the deleted file's id
        g = self.uploaded("successor.txt", CSV)
        self.assertNotEqual(g["id"], f["id"])
        self.assertError(self.download(url), 404, "not_found")

    def test_link_takes_no_fields(self):
        f = self.uploaded("nofields.txt", TEXT)
        r = self.req("POST", self.files_path(suffix="/%d/link" % f["id"]),
                     body={"ttl": 99999})
        self.assertFields(r, {"ttl": None})
        r = self.req("POST", self.files_path(suffix="/%d/link" % f["id"]),
                     body={})
        self.assertEqual(r.status, 200, repr(r))

    def test_downloads_and_uploads_in_parallel(self):
        f = self.uploaded("parallel.csv", CSV)
        url = self.link(f["id"])["url"]
        errors = []

        def downloader():
            for _ in range(15):
                r = self.download(url)
                if r.status != 200 or r.body != CSV:
                    errors.append(("download", r.status, r.body[:200]))

        def uploader():
            for i in range(8):
                r = self.upload("p%d.txt" % i, TEXT)
                if r.status != 201:
                    errors.append(("upload", r.status, r.body[:200]))

        threads = [threading.Thread(target=downloader) for _ in range(4)]
        threads += [threading.Thread(target=uploader) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])

    def test_expect_100_continue(self):
        # a client that asks is told to go on before it sends the body
        body = form([part("continued.txt", TEXT)])
        with self.server.socket(timeout=30) as s:
            s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer"
                       " %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                       "Expect: 100-continue\r\n\r\n" % (
                           self.files_path(), self.admin_token, ctype_of(),
                           len(body))).encode())
            cont = read_response(s, "POST")
            self.assertEqual(cont.status, 100, repr(cont))
            s.sendall(body)
            up = read_response(s, "POST")
        self.assertEqual(up.status, 201, repr(up))

    def test_a_slow_upload_does_not_stall_other_writes(self):
        # the write lock is taken only once the upload has been read
        body = form([part("slow.txt", TEXT)])
        with self.server.socket(timeout=30) as s:
            s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer"
                       " %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                       % (self.files_path(), self.admin_token, ctype_of(),
                          len(body))).encode() + body[:50])
            time.sleep(0.3)
            t0 = time.monotonic()
            r = self.server.api("POST", ORGS, {
                "name": "While uploading", "slug": "slow-%s" %
                uuid.uuid4().hex[:8]}, token=self.admin_token, timeout=60)
            took = time.monotonic() - t0
            s.sendall(body[50:])
            up = read_response(s, "POST")
        self.assertEqual(r.status, 201, repr(r))
        self.assertLess(took, 2.0, "a write waited %.1f s for an upload"
                        % took)
        self.assertEqual(up.status, 201, repr(up))

    # -- audit ----------------------------------------------------------------

    def test_audit_rows(self):
        f = self.uploaded("audited.pdf", PDF, who="clerk")
        url = self.link(f["id"], who="viewer")["url"]
        self.assertEqual(self.download(url).status, 200)
        self.assertEqual(self.req("DELETE", self.files_path(
            suffix="/%d" % f["id"]), "manager").status, 204)
        rid = str(f["id"])

        def one(action, org=None):
            rows = [e for e in self.audit(action, org)
                    if e["resource_id"] == rid]
            self.assertEqual(len(rows), 1, rows)
            e = rows[0]
            self.assertEqual(e["resource_type"], "file")
            self.assertEqual(e["outcome"], "success")
            return e

        up = one("file.upload")
        self.assertEqual((up["actor_type"], up["actor_id"], up["org_id"]),
                         ("user", self.ids["clerk"], self.org_a))
        self.assertEqual(up["details"]["sha256"], f["sha256"])
        self.assertEqual(up["details"]["size"], len(PDF))
        self.assertEqual(up["details"]["filename"], "audited.pdf")
        ln = one("file.link")
        self.assertEqual(ln["actor_id"], self.ids["viewer"])
        dl = one("file.delete")
        self.assertEqual(dl["actor_id"], self.ids["manager"])
        # refusals leave no success rows
        self.upload("refused.png", TEXT)
        self.assertFalse([e for e in self.audit("file.upload")
                          if e["details"] and
                          e["details"].get("filename") == "refused.png"])


    def test_download_is_audited(self):
        f = self.uploaded("audited-download.txt", TEXT)
        url = self.link(f["id"])["url"]
        self.assertEqual(self.download(url).status, 200)
        # a download has no {org} in its path, yet its row belongs to the
        # file's organization (the host's audit_org)
        rows = [e for e in self.audit("file.download")
                if e["resource_id"] == str(f["id"])]
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0]["actor_type"], "anonymous")
        self.assertEqual(rows[0]["outcome"], "success")
        self.assertEqual(rows[0]["org_id"], self.org_a)
        self.assertEqual(rows[0]["details"],
                         {"filename": "audited-download.txt"})


class LinkExpiryTest(FilesFixture, ServerTestCase):
    server_env = dict(FilesFixture.server_env, ERP_LINK_TTL_SECONDS="1")

    def test_expired_link_is_403(self):
        r = self.post_body(form([part("expiring.txt", TEXT)]), ctype_of())
        self.assertEqual(r.status, 201, repr(r))
        made = time.monotonic()
        ln = self.link(r.json["id"])
        exp = int(dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(ln["url"]).query))["exp"])
        self.assertLessEqual(exp - int(time.time()), 2)
        first = self.server.get(ln["url"])
        if time.monotonic() - made < 0.9:
            self.assertEqual(first.status, 200, repr(first))
            self.assertEqual(first.body, TEXT)
        time.sleep(2.5)
        self.assertError(self.server.get(ln["url"]), 403, "forbidden")


if __name__ == "__main__":
    unittest.main()
