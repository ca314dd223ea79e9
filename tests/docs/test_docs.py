"""The documentation checked against the code.

- every ERP_* variable the server reads is in docs/configuration.md;
- every route the server serves (core and shipped modules, as listed by
  `erpd openapi`) is in docs/api.md;
- no tracked file links to a path outside the repository, and every
  relative Markdown link resolves;
- every test docs/security.md names (`file` or `file::test`) exists;
- the `sh` examples of docs/api.md run, in order, against a real erpd and
  answer the statuses their `# → NNN` lines state.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "http"))

import harness  # noqa: E402

SOURCE = harness.SOURCE_DIR
DOCS = os.path.join(SOURCE, "docs")

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "docs-example-admin-9"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def tracked_files():
    out = subprocess.run(["git", "-C", SOURCE, "ls-files", "-z"],
                         capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p]


def config_variables():
    """The ERP_* names the server reads: string literals in core/ and
    modules/ C sources, and NAME_FILE for each secret loaded by name."""
    names = set()
    for top in ("core", "modules"):
        for root, _, files in os.walk(os.path.join(SOURCE, top)):
            for f in files:
                if not f.endswith(".c"):
                    continue
                text = read(os.path.join(root, f))
                names.update(re.findall(r'"(ERP_[A-Z0-9_]*[A-Z0-9])"', text))
                if "%s_FILE" in text:
                    for m in re.finditer(
                            r'load_one\([^;]*?"(ERP_[A-Z0-9_]+)"', text,
                            re.S):
                        names.add(m.group(1) + "_FILE")
    return names


class ConfigurationDocs(unittest.TestCase):

    def test_every_variable_is_documented(self):
        doc = read(os.path.join(DOCS, "configuration.md"))
        names = config_variables()
        self.assertIn("ERP_LISTEN", names)  # the scan itself works
        self.assertIn("ERP_JWT_SECRET_FILE", names)
        missing = sorted(n for n in names if "`%s`" % n not in doc)
        self.assertEqual(missing, [],
                         "variables read by the server but missing from "
                         "docs/configuration.md")


class RouteDocs(unittest.TestCase):

    def test_every_route_is_documented(self):
        r = harness.run_erpd(["openapi"], timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        paths = json.loads(r.stdout)["paths"]
        self.assertIn("/api/v1/orgs/{org}/products/{id}", paths)
        doc = read(os.path.join(DOCS, "api.md"))
        missing = []
        for path, ops in paths.items():
            for method in ops:
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                if not re.search(r"`%s %s[`?]" % (method.upper(),
                                                 re.escape(path)), doc):
                    missing.append("%s %s" % (method.upper(), path))
        self.assertEqual(missing, [], "routes missing from docs/api.md "
                         "(write them as `METHOD /path`)")


class Links(unittest.TestCase):

    LINK = re.compile(r"\]\(([^)\s]+)\)")

    def test_nothing_points_outside_the_repository(self):
        bad = []
        for rel in tracked_files():
            path = os.path.join(SOURCE, rel)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            try:
                text = read(path)
            except UnicodeDecodeError:
                continue
            if rel != "tests/docs/test_docs.py" and re.search(
                    r"\.\./shared/|/work/shared", text):
                bad.append("%s: names ../shared" % rel)
            if not rel.endswith(".md"):
                continue
            for target in self.LINK.findall(text):
                if re.match(r"[a-z]+:", target) or target.startswith("#"):
                    continue
                target = target.split("#", 1)[0]
                full = os.path.normpath(os.path.join(os.path.dirname(path),
                                                     target))
                if not full.startswith(SOURCE + os.sep):
                    bad.append("%s: %s leaves the repository" % (rel, target))
                elif not os.path.exists(full):
                    bad.append("%s: %s does not exist" % (rel, target))
        self.assertEqual(bad, [])


class ThreatModel(unittest.TestCase):

    REF = re.compile(r"`((?:tests|modules|contrib)/[\w/.-]+\.(?:py|c))"
                     r"(?:::(\w+))?`")

    def test_every_named_test_exists(self):
        doc = read(os.path.join(DOCS, "security.md"))
        refs = self.REF.findall(doc)
        self.assertGreater(len(refs), 20)
        bad = []
        for rel, name in refs:
            path = os.path.join(SOURCE, rel)
            if not os.path.isfile(path):
                bad.append(rel)
            elif name and not re.search(r"(def |START_TEST\()%s\b" % name,
                                        read(path)):
                bad.append("%s::%s" % (rel, name))
        self.assertEqual(bad, [], "docs/security.md names tests that do "
                         "not exist")


def example_script(markdown):
    """The `sh` blocks of a page as one bash script: a `# → NNN` line
    becomes a check of the status the command before it answered."""
    blocks = re.findall(r"^```sh\n(.*?)^```", markdown, re.S | re.M)
    lines = []
    for block in blocks:
        for ln in block.splitlines():
            m = re.match(r"^# → (\d{3})\b", ln)
            lines.append("erp_expect %s %d" % (m.group(1), len(lines) + 1)
                         if m else ln)
    return len(blocks), "\n".join(lines) + "\n"


PRELUDE = r"""
set -euo pipefail
erp_status_file=$(mktemp)
# curl as the examples write it, recording the status of every answer
curl() {
	local out code
	out=$(command curl -sS -w '\n%{http_code}' "$@")
	code=${out##*$'\n'}
	echo "$code" > "$erp_status_file"
	printf '%s\n' "${out%$'\n'*}"
}
erp_expect() {
	local got
	got=$(cat "$erp_status_file")
	if [ "$got" != "$1" ]; then
		echo "docs example (script line $2): expected $1, got $got" >&2
		exit 1
	fi
}
"""


class Examples(unittest.TestCase):

    def run_page(self, page):
        nblocks, script = example_script(read(os.path.join(DOCS, page)))
        self.assertGreater(nblocks, 0)
        srv = harness.Server(env={
            "ERP_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "ERP_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        }).start()
        try:
            env = harness.clean_env({
                "ERP": "http://%s:%d" % (srv.host, srv.port),
                "ADMIN_EMAIL": ADMIN_EMAIL,
                "ADMIN_PASSWORD": ADMIN_PASSWORD,
            })
            with tempfile.TemporaryDirectory() as tmp:
                r = subprocess.run(["bash", "-c", PRELUDE + script],
                                   env=env, cwd=tmp, capture_output=True,
                                   text=True, timeout=120)
            self.assertEqual(r.returncode, 0,
                             "stdout:\n%s\nstderr:\n%s\nserver:\n%s"
                             % (r.stdout[-4000:], r.stderr[-4000:],
                                srv.stderr()[-2000:]))
        finally:
            srv.stop()

    def test_api_examples(self):
        self.run_page("api.md")

    def test_a_wrong_expectation_fails(self):
        # the checker itself can fail: a stated 201 for a 200 is caught
        _, script = example_script("```sh\ncurl -s \"$ERP/healthz\"\n"
                                   "# → 201\n```\n")
        srv = harness.Server().start()
        try:
            env = harness.clean_env({"ERP": "http://%s:%d" % (srv.host,
                                                               srv.port)})
            r = subprocess.run(["bash", "-c", PRELUDE + script], env=env,
                               capture_output=True, text=True, timeout=60)
        finally:
            srv.stop()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("expected 201, got 200", r.stderr)


if __name__ == "__main__":
    unittest.main()
