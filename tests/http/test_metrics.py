"""docs/api.md: GET /metrics in the Prometheus text format (0.0.4),
open to loopback clients (after ERP_TRUSTED_PROXIES) and to system admins
elsewhere. The body is held to a strict parser: HELP and TYPE lines,
well-formed samples, a TYPE for every family, cumulative histograms that
end in le="+Inf" equal to _count."""

import math
import re
import time
import unittest

from harness import IdentityMixin, ServerTestCase

METRICS = "/metrics"
CONTENT_TYPE = "text/plain; version=0.0.4"
FOREIGN = {"X-Forwarded-For": "203.0.113.9"}
RATE = 3

# -- a strict parser of the text exposition format 0.0.4 --------------------

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"),
            "summary": ("_sum", "_count")}


class ParseError(ValueError):
    pass


def parse_value(text, lineno):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise ParseError("line %d: bad value %r" % (lineno, text))
    return float(text)


def parse_labels(text, pos, lineno):
    """Parses {a="x",b="y"} starting at text[pos] == "{"; returns (dict,
    position after "}")."""
    labels = {}
    pos += 1
    while True:
        if pos < len(text) and text[pos] == "}":
            return labels, pos + 1
        m = LABEL_RE.match(text, pos)
        if not m:
            raise ParseError("line %d: bad label name at %d" % (lineno, pos))
        name = m.group(0)
        if name in labels:
            raise ParseError("line %d: label %s twice" % (lineno, name))
        pos = m.end()
        if text[pos:pos + 2] != '="':
            raise ParseError("line %d: expected =\" after %s" % (lineno,
                                                                  name))
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                raise ParseError("line %d: unterminated label value"
                                 % lineno)
            c = text[pos]
            if c == "\\":
                esc = text[pos + 1:pos + 2]
                if esc not in ("\\", '"', "n"):
                    raise ParseError("line %d: bad escape \\%s"
                                     % (lineno, esc))
                value.append("\n" if esc == "n" else esc)
                pos += 2
            elif c == '"':
                pos += 1
                break
            elif c == "\n":
                raise ParseError("line %d: newline in label" % lineno)
            else:
                value.append(c)
                pos += 1
        labels[name] = "".join(value)
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos < len(text) and text[pos] == "}":
            continue
        else:
            raise ParseError("line %d: expected , or } after label %s"
                             % (lineno, name))


def family_of(name, types):
    """The family a sample name belongs to (histogram/summary suffixes)."""
    if name in types and types[name] not in SUFFIXES:
        return name
    for typ in ("histogram", "summary"):
        for suf in SUFFIXES[typ]:
            if name.endswith(suf):
                base = name[:-len(suf)]
                if types.get(base) == typ:
                    return base
    return name if name in types else None


def parse_metrics(text, duplicates_ok=False):
    """Parses a whole exposition; returns {family: {"type", "help",
    "samples": [(name, labels, value)]}}. Raises ParseError on anything
    a strict reader would refuse. duplicates_ok skips a repeated series
    (keeping the first) instead, for tests about something else."""
    if text and not text.endswith("\n"):
        raise ParseError("the body does not end in a newline")
    families = {}
    types = {}
    done = set()		# families whose block has ended
    current = None
    series = set()
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line == "":
            continue
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (\S+) ?(.*)", line)
            if not m:
                raise ParseError("line %d: unexpected comment %r"
                                 % (lineno, line))
            kind, name, rest = m.groups()
            if not NAME_RE.fullmatch(name):
                raise ParseError("line %d: bad metric name %r"
                                 % (lineno, name))
            if name in done:
                raise ParseError("line %d: %s appears again after its "
                                 "block" % (lineno, name))
            fam = families.setdefault(name, {"type": None, "help": None,
                                             "samples": []})
            if current is not None and current != name:
                done.add(current)
            current = name
            if kind == "HELP":
                if fam["help"] is not None:
                    raise ParseError("line %d: second HELP for %s"
                                     % (lineno, name))
                fam["help"] = rest
            else:
                if rest not in TYPES:
                    raise ParseError("line %d: bad type %r" % (lineno, rest))
                if fam["type"] is not None:
                    raise ParseError("line %d: second TYPE for %s"
                                     % (lineno, name))
                if fam["samples"]:
                    raise ParseError("line %d: TYPE of %s after its "
                                     "samples" % (lineno, name))
                fam["type"] = rest
                types[name] = rest
            continue
        m = NAME_RE.match(line)
        if not m:
            raise ParseError("line %d: bad sample %r" % (lineno, line))
        name = m.group(0)
        pos = m.end()
        labels = {}
        if pos < len(line) and line[pos] == "{":
            labels, pos = parse_labels(line, pos, lineno)
        rest = line[pos:]
        if not rest.startswith(" "):
            raise ParseError("line %d: expected a space before the value"
                             % lineno)
        parts = rest.strip(" ").split(" ")
        if len(parts) not in (1, 2):
            raise ParseError("line %d: trailing text %r" % (lineno, rest))
        value = parse_value(parts[0], lineno)
        if len(parts) == 2 and not re.fullmatch(r"-?\d+", parts[1]):
            raise ParseError("line %d: bad timestamp" % lineno)
        fam_name = family_of(name, types)
        if fam_name is None:
            raise ParseError("line %d: sample %s has no TYPE" % (lineno,
                                                                name))
        if fam_name in done:
            raise ParseError("line %d: %s appears again after its block"
                             % (lineno, fam_name))
        if current is not None and current != fam_name:
            done.add(current)
        current = fam_name
        key = (name, tuple(sorted(labels.items())))
        if key in series and duplicates_ok:
            continue
        if key in series:
            raise ParseError("line %d: duplicate series %s%r"
                             % (lineno, name, labels))
        series.add(key)
        fam = families[fam_name]
        if fam["type"] in ("counter",) and not value >= 0:
            raise ParseError("line %d: counter %s is %r" % (lineno, name,
                                                           value))
        if fam["type"] == "histogram":
            if name == fam_name + "_bucket":
                if "le" not in labels:
                    raise ParseError("line %d: bucket without le" % lineno)
                parse_value(labels["le"], lineno)
            elif "le" in labels:
                raise ParseError("line %d: le outside a bucket" % lineno)
        fam["samples"].append((name, labels, value))
    for name, fam in families.items():
        if fam["type"] is None:
            raise ParseError("family %s has no TYPE" % name)
        if fam["type"] == "histogram":
            check_histogram(name, fam["samples"])
    return families


def check_histogram(name, samples):
    groups = {}
    for sname, labels, value in samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        g = groups.setdefault(rest, {"buckets": [], "sum": None,
                                     "count": None})
        if sname == name + "_bucket":
            g["buckets"].append((parse_value(labels["le"], 0), value))
        elif sname == name + "_sum":
            g["sum"] = value
        elif sname == name + "_count":
            g["count"] = value
    for rest, g in groups.items():
        where = "%s%r" % (name, dict(rest))
        if not g["buckets"]:
            raise ParseError("%s: no buckets" % where)
        les = [le for le, _ in g["buckets"]]
        if les != sorted(les) or len(set(les)) != len(les):
            raise ParseError("%s: le not increasing: %r" % (where, les))
        if les[-1] != math.inf:
            raise ParseError("%s: no le=\"+Inf\" bucket last" % where)
        counts = [c for _, c in g["buckets"]]
        if any(b < a for a, b in zip(counts, counts[1:])):
            raise ParseError("%s: buckets not cumulative: %r"
                             % (where, counts))
        if g["count"] is None or g["sum"] is None:
            raise ParseError("%s: _sum or _count missing" % where)
        if counts[-1] != g["count"]:
            raise ParseError("%s: +Inf bucket %r != _count %r"
                             % (where, counts[-1], g["count"]))


def value_of(families, name, **labels):
    """The value of the sample name{labels} (exactly those labels), or
    None."""
    fam = families.get(family_of(name, {n: f["type"] for n, f in
                                        families.items()}) or name)
    if fam is None:
        return None
    for sname, slabels, value in fam["samples"]:
        if sname == name and slabels == labels:
            return value
    return None


def wait_for_window(window=60, margin=8):
    """Sleeps past the next fixed rate-limit window start if fewer than
    margin seconds of this one are left."""
    left = window - time.time() % window
    if left < margin:
        time.sleep(left + 0.5)


class ParserSelfTest(unittest.TestCase):
    """The parser refuses what it is meant to refuse."""

    GOOD = ('# HELP a_total A.\n# TYPE a_total counter\na_total 3\n'
            '# TYPE h histogram\n'
            'h_bucket{route="/x",le="0.1"} 1\n'
            'h_bucket{route="/x",le="+Inf"} 2\n'
            'h_sum{route="/x"} 0.3\nh_count{route="/x"} 2\n'
            '# TYPE g gauge\ng{v="a\\"b\\\\c\\nd"} -1.5e3\n')

    def test_good(self):
        f = parse_metrics(self.GOOD)
        self.assertEqual(f["a_total"]["type"], "counter")
        self.assertEqual(value_of(f, "h_count", route="/x"), 2)
        self.assertEqual(value_of(f, "g", v='a"b\\c\nd'), -1500)

    def test_refused(self):
        bad = {
            "no TYPE": "x 1\n",
            "no newline at the end": "# TYPE x gauge\nx 1",
            "bad value": "# TYPE x gauge\nx one\n",
            "bad label": '# TYPE x gauge\nx{1a="b"} 1\n',
            "unquoted label": "# TYPE x gauge\nx{a=b} 1\n",
            "bad escape": '# TYPE x gauge\nx{a="\\t"} 1\n',
            "two TYPEs": "# TYPE x gauge\n# TYPE x gauge\nx 1\n",
            "TYPE after sample": "# TYPE y gauge\ny 1\n# TYPE x gauge\n"
                                 "x 1\n# TYPE y gauge\n",
            "split family": "# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\n"
                            "x{a=\"b\"} 1\n",
            "duplicate": "# TYPE x gauge\nx 1\nx 2\n",
            "negative counter": "# TYPE x counter\nx -1\n",
            "not cumulative": '# TYPE h histogram\nh_bucket{le="1"} 3\n'
                              'h_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n',
            "no +Inf": '# TYPE h histogram\nh_bucket{le="1"} 2\n'
                       'h_sum 1\nh_count 2\n',
            "+Inf != count": '# TYPE h histogram\nh_bucket{le="+Inf"} 2\n'
                             'h_sum 1\nh_count 3\n',
            "stray comment": "# hello\n# TYPE x gauge\nx 1\n",
        }
        for name, text in bad.items():
            with self.subTest(name):
                with self.assertRaises(ParseError):
                    parse_metrics(text)


# -- the endpoint --------------------------------------------------------------

class MetricsCase(IdentityMixin):

    def scrape(self, headers=None, token=None):
        return self.server.api("GET", METRICS, token=token, headers=headers)

    def families(self, headers=None, token=None, strict=False):
        """The parsed body. Not strict about duplicate series, which
        test_no_duplicate_series checks on its own, so that one known
        defect does not hide the rest."""
        r = self.scrape(headers, token)
        self.assertEqual(r.status, 200, repr(r))
        try:
            return parse_metrics(r.body.decode("utf-8"),
                                 duplicates_ok=not strict)
        except ParseError as e:
            self.fail("%s\n--- body ---\n%s" % (e, r.body.decode()))

    def poll(self, predicate, timeout=5.0):
        """Scrapes until predicate(families) holds (requests are counted
        just after their reply is sent); returns the last families."""
        deadline = time.monotonic() + timeout
        while True:
            f = self.families()
            if predicate(f) or time.monotonic() > deadline:
                return f
            time.sleep(0.05)

    def counter(self, f, name):
        v = value_of(f, name)
        self.assertIsNotNone(v, "%s missing" % name)
        self.assertEqual(f[name]["type"], "counter")
        return v


class MetricsTest(MetricsCase, ServerTestCase):
    """Behind a trusted proxy, so X-Forwarded-For can make a client look
    foreign; ERP_LOGIN_RATE low enough to provoke a 429."""

    server_env = {"ERP_LOGIN_RATE": "%d/minute" % RATE,
                  "ERP_TRUSTED_PROXIES": "127.0.0.1/32"}
    USER_PW = "Metrics-User-Passw0rd"

    @classmethod
    def setup_identity(cls):
        cls.admin_email, cls.admin_password = cls.server.initial_admin()
        cls.keep(cls.admin_password)
        cls.admin_token = cls.keep(cls.server.token(
            cls.admin_email, cls.admin_password,
            {"X-Forwarded-For": "10.30.0.1"}))
        cls.create_user("plain@example.com", cls.USER_PW, "Plain")
        cls.user_token = cls.keep(cls.server.token(
            "plain@example.com", cls.USER_PW,
            {"X-Forwarded-For": "10.30.0.2"}))

    def test_loopback_needs_no_credentials(self):
        r = self.scrape()
        self.assertEqual(r.status, 200, repr(r))
        self.assertTrue(r.headers.get("content-type", "").startswith(
            CONTENT_TYPE), repr(r))
        self.assertSecurityHeaders(r)
        try:
            f = parse_metrics(r.body.decode("utf-8"))
        except ParseError as e:
            self.fail("not strict Prometheus text: %s" % e)
        expect = {
            "erp_http_requests_total": "counter",
            "erp_http_request_duration_seconds": "histogram",
            "erp_auth_failures_total": "counter",
            "erp_rate_limited_total": "counter",
            "erp_argon2_queue_depth": "gauge",
            "erp_db_statements_total": "counter",
            "erp_alert_denial_bursts_total": "counter",
            "erp_alert_login_bursts_total": "counter",
            "erp_audit_writes_total": "counter",
        }
        for name, typ in expect.items():
            with self.subTest(name):
                self.assertIn(name, f)
                self.assertEqual(f[name]["type"], typ)
                self.assertTrue(f[name]["help"], name)
                self.assertTrue(f[name]["samples"], name)
        # nothing secret in it
        for s in self.secrets:
            self.assertNotIn(s, r.body.decode())

    def test_no_duplicate_series(self):
        # one path, two methods (GET and POST /api/v1/users), both 401:
        # still one series per route and status, one histogram per route
        self.assertEqual(self.server.api("GET", "/api/v1/users").status, 401)
        self.assertEqual(self.server.api("POST", "/api/v1/users",
                                         {}).status, 401)
        time.sleep(0.2)
        r = self.scrape()
        self.assertEqual(r.status, 200, repr(r))
        try:
            parse_metrics(r.body.decode("utf-8"))
        except ParseError as e:
            self.fail("%s\n--- the series ---\n%s" % (e, "\n".join(
                ln for ln in r.body.decode().splitlines()
                if 'route="/api/v1/users"' in ln)))

    def test_requests_by_route_and_status(self):
        me = "/api/v1/users/me"
        f = self.families()
        ok0 = value_of(f, "erp_http_requests_total", route=me,
                       status="200") or 0
        no0 = value_of(f, "erp_http_requests_total", route=me,
                       status="401") or 0
        for _ in range(3):
            self.assertEqual(self.server.api("GET", me,
                                             token=self.admin_token).status,
                             200)
        self.assertEqual(self.server.api("GET", me).status, 401)
        self.assertEqual(self.server.get("/healthz").status, 200)

        def counted(f):
            return (value_of(f, "erp_http_requests_total", route=me,
                             status="200") == ok0 + 3 and
                    value_of(f, "erp_http_requests_total", route=me,
                             status="401") == no0 + 1 and
                    (value_of(f, "erp_http_requests_total", route="/healthz",
                              status="200") or 0) >= 1)
        f = self.poll(counted)
        self.assertEqual(value_of(f, "erp_http_requests_total", route=me,
                                  status="200"), ok0 + 3)
        self.assertEqual(value_of(f, "erp_http_requests_total", route=me,
                                  status="401"), no0 + 1)
        self.assertGreaterEqual(value_of(f, "erp_http_requests_total",
                                         route="/healthz", status="200"), 1)
        # every series has exactly the route and status labels
        for name, labels, _ in f["erp_http_requests_total"]["samples"]:
            self.assertEqual(set(labels), {"route", "status"}, labels)
            self.assertRegex(labels["status"], r"^([1-5]\d\d|other)$")
        # the histogram of the route counted every one of its requests
        total = sum(v for _, labels, v in
                    f["erp_http_requests_total"]["samples"]
                    if labels["route"] == me)
        self.assertEqual(value_of(f, "erp_http_request_duration_seconds_"
                                  "count", route=me), total)
        inf = value_of(f, "erp_http_request_duration_seconds_bucket",
                       route=me, le="+Inf")
        self.assertEqual(inf, total)
        self.assertGreater(value_of(f, "erp_http_request_duration_seconds_"
                                    "sum", route=me), 0)
        buckets = [lb["le"] for n, lb, _ in
                   f["erp_http_request_duration_seconds"]["samples"]
                   if n.endswith("_bucket") and lb["route"] == me]
        self.assertGreater(len(buckets), 2, buckets)
        self.assertEqual(buckets[-1], "+Inf")

    def test_unknown_paths_do_not_become_labels(self):
        r = self.server.get("/api/v1/zz-no-such-route-4711")
        self.assertEqual(r.status, 404, repr(r))
        f = self.poll(lambda f: any(
            lb.get("status") == "404" for _, lb, _ in
            f["erp_http_requests_total"]["samples"]))
        self.assertTrue(any(lb.get("status") == "404" for _, lb, _ in
                            f["erp_http_requests_total"]["samples"]))
        body = self.scrape().body.decode()
        self.assertNotIn("zz-no-such-route-4711", body)

    def test_auth_failures_after_a_failed_login(self):
        before = self.counter(self.families(), "erp_auth_failures_total")
        pw = self.keep("Wrong-Metrics-Passw0rd")
        r = self.server.login("plain@example.com", pw,
                              {"X-Forwarded-For": "10.30.1.1"})
        self.assertEqual(r.status, 401, repr(r))
        f = self.poll(lambda f: value_of(f, "erp_auth_failures_total") >=
                      before + 1)
        self.assertGreaterEqual(self.counter(f, "erp_auth_failures_total"),
                                before + 1)

    def test_rate_limited_after_a_429(self):
        before = self.counter(self.families(), "erp_rate_limited_total")
        wait_for_window()
        statuses = []
        for i in range(RATE + 1):
            r = self.server.login("nobody-%d@example.com" % i,
                                  self.keep("Nobody-Passw0rd-%d" % i),
                                  {"X-Forwarded-For": "10.30.2.1"})
            statuses.append(r.status)
        self.assertEqual(statuses, [401] * RATE + [429])
        f = self.poll(lambda f: value_of(f, "erp_rate_limited_total") >=
                      before + 1 and (value_of(
                          f, "erp_http_requests_total",
                          route="/api/v1/auth/token", status="429") or 0)
                      >= 1)
        self.assertGreaterEqual(self.counter(f, "erp_rate_limited_total"),
                                before + 1)
        self.assertGreaterEqual(value_of(
            f, "erp_http_requests_total", route="/api/v1/auth/token",
            status="429"), 1)

    def test_argon2_queue_depth(self):
        f = self.families()
        self.assertEqual(f["erp_argon2_queue_depth"]["type"], "gauge")
        v = value_of(f, "erp_argon2_queue_depth")
        self.assertIsNotNone(v)
        self.assertEqual(v, int(v))
        # idle: nothing hashing
        self.assertEqual(v, 0)

    def test_db_statements(self):
        before = self.counter(self.families(), "erp_db_statements_total")
        self.assertGreater(before, 0)
        self.assertEqual(self.server.api("GET", "/api/v1/users",
                                         token=self.admin_token).status, 200)
        after = self.counter(self.families(), "erp_db_statements_total")
        self.assertGreater(after, before)

    # -- from elsewhere ------------------------------------------------------

    def test_foreign_client_needs_credentials(self):
        self.assertUnauthenticated(self.scrape(FOREIGN))
        self.assertUnauthenticated(self.scrape(FOREIGN, token="not.a.token"))

    def test_foreign_non_admin_is_forbidden(self):
        self.assertError(self.scrape(FOREIGN, self.user_token), 403,
                         "forbidden")

    def test_foreign_admin_may_scrape(self):
        r = self.scrape(FOREIGN, self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        self.assertTrue(r.headers.get("content-type", "").startswith(
            CONTENT_TYPE), repr(r))
        f = parse_metrics(r.body.decode("utf-8"), duplicates_ok=True)
        self.assertIn("erp_http_requests_total", f)

    def test_forwarded_chain_ending_in_the_proxy(self):
        # the right-most entry that is not a trusted proxy is the client
        self.assertUnauthenticated(self.scrape(
            {"X-Forwarded-For": "203.0.113.9, 127.0.0.1"}))

class MetricsWithoutTrustedProxyTest(ServerTestCase):
    """Without ERP_TRUSTED_PROXIES, X-Forwarded-For is not believed: the
    peer is loopback."""

    def test_forwarded_for_is_ignored(self):
        r = self.server.get(METRICS, FOREIGN)
        self.assertEqual(r.status, 200, repr(r))
        parse_metrics(r.body.decode("utf-8"))


if __name__ == "__main__":
    unittest.main()
