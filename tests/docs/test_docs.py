"""The documentation checked against the code.

- every ERP_* variable the server reads is in docs/configuration.md;
"""

import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "http"))

import harness  # noqa: E402

SOURCE = harness.SOURCE_DIR
DOCS = os.path.join(SOURCE, "docs")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


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


if __name__ == "__main__":
    unittest.main()
