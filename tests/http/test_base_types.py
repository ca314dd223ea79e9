"""docs/api.md and docs/policies.md (v4): an organization's policy may tighten the
base schemas but never change a base field's type nor loosen its bounds,
refused at every upload (PUT, dry-run with a source, `erpd policy check`)
with 422 policy_invalid naming the field; and whatever a stored policy
says, a module stores only integers within ±(2^53 − 1)."""

import os
import sqlite3
import tempfile
import unittest

from harness import ServerTestCase, run_erpd
from erpd_testkit import OrgFixture, new_sku

PRICE_AS_NUMBER = """
schemas = { product = extend(base.schemas.product, {
  price_cents = { type = "number", required = true, min = 0 } }) }
"""

QUANTITY_LOOSENED = """
schemas = { order = extend(base.schemas.order, {
  lines = extend(base.schemas.order.lines, {
    items = { type = "object", fields = {
      product_id = { type = "integer", required = true, min = 1 },
      quantity = { type = "integer", required = true, min = 1,
                   max = 1000000 } } } }) }) }
"""

TIGHTER = """
schemas = { product = extend(base.schemas.product, {
  price_cents = { type = "integer", required = true, min = 100,
                  max = 1000000 } }) }
"""


class BaseTypesTest(OrgFixture, ServerTestCase):

    def test_put_refuses_a_changed_type(self):
        before = self.call("admin", "GET", "/policy").json["version"]
        r = self.call("admin", "PUT", "/policy", {"source": PRICE_AS_NUMBER})
        self.assertError(r, 422, "policy_invalid")
        msg = r.json["error"]["message"]
        self.assertIn("schemas.product.price_cents", msg)
        self.assertIn("type", msg)
        self.assertEqual(self.call("admin", "GET", "/policy").json["version"],
                         before)

    def test_put_refuses_a_loosened_nested_bound(self):
        r = self.call("admin", "PUT", "/policy",
                      {"source": QUANTITY_LOOSENED})
        self.assertError(r, 422, "policy_invalid")
        self.assertIn("schemas.order.lines[].quantity",
                      r.json["error"]["message"])

    def test_dry_run_with_source_refuses(self):
        r = self.call("admin", "POST", "/policy/dry-run", {
            "source": PRICE_AS_NUMBER, "subject": {"role": "viewer"},
            "action": "product:read", "resource": {"type": "product"}})
        self.assertError(r, 422, "policy_invalid")
        self.assertIn("schemas.product.price_cents",
                      r.json["error"]["message"])

    def test_tightening_is_accepted_and_enforced(self):
        org = self.org_b
        self.set_policy(org, TIGHTER)
        try:
            r = self.call("admin", "POST", "/products", {
                "sku": new_sku(), "name": "Cheap", "price_cents": 99},
                org=org)
            self.assertFields(r, {"price_cents": "min"})
        finally:
            self.set_policy(org, "")

    def test_cli_check_refuses(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "org.lua")
            with open(path, "w") as f:
                f.write(PRICE_AS_NUMBER)
            r = run_erpd(["policy", "check", path],
                         env={"ERP_DATA_DIR": os.path.join(tmp, "data")})
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("schemas.product.price_cents", r.stderr)

    def store_unchecked_policy(self, org, source):
        """A policy stored by a version before the upload checks: written
        to the database directly, as the new version in force."""
        db = sqlite3.connect(os.path.join(self.server.data_dir, "erp.db"),
                             timeout=10)
        with db:
            db.execute(
                "INSERT INTO org_policies (org_id, version, source, "
                "updated_at, updated_by) SELECT ?1, coalesce(max(version), "
                "0) + 1, ?2, '2026-01-01T00:00:00Z', ?3 FROM org_policies "
                "WHERE org_id = ?1", (org, source, self.ids["admin"]))
        db.close()

    def test_module_converts_only_checked_integers(self):
        org = self.make_org("Stored")
        self.store_unchecked_policy(org, PRICE_AS_NUMBER)
        base = {"name": "Odd", "price_cents": 1}
        for price in (1e300, 9.2e18, 9007199254740992, -1e300, 1.5):
            r = self.call("admin", "POST", "/products",
                          dict(base, sku=new_sku(), price_cents=price),
                          org=org)
            self.assertEqual(r.status, 422, (price, r))
            self.assertEqual(r.json["error"]["fields"][0]["field"],
                             "price_cents")
        ok = self.call("admin", "POST", "/products",
                       dict(base, sku=new_sku(),
                            price_cents=9007199254740991), org=org)
        self.assertEqual(ok.status, 201, repr(ok))
        for price in (1e300, 2.5):
            r = self.call("admin", "PATCH", "/products/%d" % ok.json["id"],
                          {"price_cents": price}, org=org)
            self.assertEqual(r.status, 422, (price, r))
        got = self.call("admin", "GET", "/products/%d" % ok.json["id"],
                        org=org)
        self.assertIn(b'"price_cents":9007199254740991', got.body)


if __name__ == "__main__":
    unittest.main()
