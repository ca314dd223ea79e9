"""The test kit itself (contrib/testkit/erpd_testkit.py): a server runs
exactly the modules it is given, a missing module is refused before
erpd starts, members and API keys it makes act with their roles."""

import os
import tempfile
import unittest

from harness import ERPD_BIN  # first: it puts the kit on sys.path
import erpd_testkit  # noqa: E402
from erpd_testkit import OrgFixture, ServerTestCase  # noqa: E402

BUILT = os.path.join(os.path.dirname(ERPD_BIN), "modules")


class ModulesDirTest(unittest.TestCase):

    def test_copies_files_and_folders(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "src")
            os.mkdir(src)
            for name in ("a.so", "b.so", "notes.txt"):
                with open(os.path.join(src, name), "w") as f:
                    f.write(name)
            one = os.path.join(tmp, "one.so")
            with open(one, "w") as f:
                f.write("one")
            out = erpd_testkit.modules_dir(os.path.join(tmp, "mods"),
                                           [src, one])
            self.assertEqual(sorted(os.listdir(out)),
                             ["a.so", "b.so", "one.so"])

    def test_missing_module_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(AssertionError, "no such file"):
                erpd_testkit.modules_dir(os.path.join(tmp, "mods"), [
                    os.path.join(tmp, "absent.so")])

    def test_erpd_bin_from_the_environment(self):
        self.assertEqual(erpd_testkit.erpd_bin(), os.environ["ERPD_BIN"])


class OnlyProductsTest(OrgFixture, ServerTestCase):
    """A server given one module loads that one alone."""

    modules = [os.path.join(BUILT, "products.so")]

    def test_only_the_given_module(self):
        r = self.api_as("viewer", "GET", "/api/v1/modules")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual([m["name"] for m in r.json["items"]],
                         ["products"])
        self.assertError(self.call("admin", "GET", "/orders"), 404,
                         "not_found")

    def test_new_member_and_api_key(self):
        uid = self.new_member(self.org_b, "auditor", "viewer")
        self.assertEqual(self.ids["auditor"], uid)
        r = self.call("auditor", "GET", "/products", org=self.org_b)
        self.assertEqual(r.status, 200, repr(r))
        # a member of B only
        self.assertError(self.call("auditor", "GET", "/products"), 403,
                         "forbidden")
        with self.assertRaises(AssertionError):
            self.new_member(self.org_b, "auditor", "viewer")
        key = self.api_key(self.org_b, "viewer")
        self.assertEqual(self.call_key(key, "GET", "/products",
                                       org=self.org_b).status, 200)
        r = self.call_key(key, "POST", "/products", {
            "sku": "KIT-1", "name": "Kit", "price_cents": 1},
            org=self.org_b)
        self.assertError(r, 403, "forbidden")


if __name__ == "__main__":
    unittest.main()
