"""docs/policies.md's worked examples, run: each is extracted from the
guide, checked with `erpd policy check` (its own tests must pass),
uploaded to a server, and its behaviour checked through the HTTP API. A
doc example that stops working fails here."""

import os
import re
import tempfile
import unittest

from harness import ServerTestCase, SOURCE_DIR, run_erpd
from test_policy import PolicyCase

GUIDE = os.path.join(SOURCE_DIR, "docs", "policies.md")
EXAMPLE_RE = re.compile(r"^### Example: (?P<name>.+?)\n.*?```lua\n"
                        r"(?P<src>.*?)```", re.M | re.S)


def examples():
    """{name: Lua source} of every worked example in the guide."""
    with open(GUIDE, encoding="utf-8") as f:
        text = f.read()
    return {m.group("name"): m.group("src")
            for m in EXAMPLE_RE.finditer(text)}


class GuideExamplesCheckTest(unittest.TestCase):

    def test_the_guide_has_its_examples(self):
        self.assertEqual(set(examples()), {
            "order limits by role", "field-level update rights",
            "hidden prices", "allowed email domains", "SKU formats"})

    def test_each_passes_policy_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = {"ERP_ENV": "production",
                   "ERP_DATA_DIR": os.path.join(tmp, "data")}
            for name, src in examples().items():
                with self.subTest(example=name):
                    path = os.path.join(tmp, "example.lua")
                    with open(path, "w") as f:
                        f.write(src)
                    r = run_erpd(["policy", "check", path], env=env)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertRegex(r.stdout, r"^[1-9][0-9]* tests passed\n$")


class GuideExamplesServeTest(PolicyCase, ServerTestCase):

    def api(self, method, org, path, who, body=None):
        return self.server.api(method, "/api/v1/orgs/%d%s" % (org, path),
                               body, token=self.tok(who))

    def org_with(self, name):
        org = self.new_org()
        self.put_ok(org, examples()[name])
        return org

    def product(self, org, sku="ABC-1234", price=1500):
        r = self.api("POST", org, "/products", "alice",
                     {"sku": sku, "name": "Widget", "price_cents": price})
        self.assertEqual(r.status, 201, repr(r))
        return r.json

    def test_field_level_update_rights(self):
        org = self.org_with("field-level update rights")
        pid = self.product(org)["id"]
        self.set_role(org, "carl", "warehouse")
        # the body sets only active: the rule sees context.changed
        r = self.api("PATCH", org, "/products/%d" % pid, "carl",
                     {"active": False})
        self.assertEqual(r.status, 200, repr(r))
        self.assertIs(r.json["active"], False)
        r = self.api("PATCH", org, "/products/%d" % pid, "carl",
                     {"active": True, "price_cents": 1})
        self.assertError(r, 403, "forbidden")
        self.assertEqual(r.json["error"]["message"],
                         "the warehouse may change only active")
        self.assertEqual(self.api("GET", org, "/products/%d" % pid,
                                  "alice").json["price_cents"], 1500)
        self.assertError(self.api("POST", org, "/products", "carl",
                                  {"sku": "XYZ-0001", "name": "N",
                                   "price_cents": 1}), 403, "forbidden")

    def test_hidden_prices(self):
        org = self.org_with("hidden prices")
        pid = self.product(org)["id"]
        self.set_role(org, "carl", "warehouse")
        one = self.api("GET", org, "/products/%d" % pid, "carl")
        self.assertEqual(one.status, 200, repr(one))
        self.assertEqual(one.json["sku"], "ABC-1234")
        many = self.api("GET", org, "/products", "carl")
        for rec in (one.json, many.json["items"][0]):
            self.assertNotIn("price_cents", rec)
            self.assertNotIn("currency", rec)
        # a manager sees them
        self.assertEqual(self.api("GET", org, "/products/%d" % pid,
                                  "mona").json["price_cents"], 1500)

    def test_allowed_email_domains(self):
        org = self.org_with("allowed email domains")
        r = self.api("POST", org, "/customers", "mona",
                     {"name": "ACME", "email": "buyer@gmail.com"})
        self.assertFields(r, {"email": "check"})
        r = self.api("POST", org, "/customers", "mona",
                     {"name": "ACME", "email": "buyer@example.com"})
        self.assertEqual(r.status, 201, repr(r))
        r = self.api("POST", org, "/customers", "mona", {"name": "No mail"})
        self.assertEqual(r.status, 201, repr(r))

    def test_sku_formats(self):
        org = self.org_with("SKU formats")
        r = self.api("POST", org, "/products", "alice",
                     {"sku": "ABC-12", "name": "W", "price_cents": 1})
        self.assertFields(r, {"sku": "pattern"})
        self.product(org, "XYZ-0042")

    def test_order_limits_by_role(self):
        org = self.org_with("order limits by role")
        pid = self.product(org, price=60000)["id"]
        r = self.api("POST", org, "/customers", "carl", {"name": "ACME"})
        self.assertEqual(r.status, 201, repr(r))
        cid = r.json["id"]

        def order(who, qty):
            return self.api("POST", org, "/orders", who, {
                "customer_id": cid,
                "lines": [{"product_id": pid, "quantity": qty}]})

        # the clerk's order under the limit: the rule reads the total
        # the server priced from the lines
        r = order("carl", 1)
        self.assertEqual(r.status, 201, repr(r))
        self.assertEqual(r.json["total_cents"], 60000)
        small = r.json
        # over it: refused before anything is stored; a manager may
        r = order("carl", 2)
        self.assertError(r, 403, "forbidden")
        self.assertEqual(r.json["error"]["message"],
                         "clerks handle orders under 1 000.00")
        self.assertEqual(self.api("GET", org, "/orders", "alice").json[
            "total"], 1)
        # a change of lines is judged on the total it would make
        path = "/orders/%d" % small["id"]
        r = self.api("PATCH", org, path, "carl",
                     {"lines": [{"product_id": pid, "quantity": 2}]})
        self.assertError(r, 403, "forbidden")
        self.assertEqual(self.api("GET", org, path, "alice").json, small)
        r = self.api("PATCH", org, path, "carl", {"customer_id": cid})
        self.assertEqual(r.status, 200, repr(r))
        r = order("mona", 2)
        self.assertEqual(r.status, 201, repr(r))
        self.assertEqual(r.json["total_cents"], 120000)
        r = self.dry_run(org, {"subject": {"user_id": self.users["carl"]},
                               "action": "order:create",
                               "resource": {"type": "order",
                                            "total_cents": 150000}})
        self.assertIs(r.json["allow"], False, repr(r))
        self.assertEqual(r.json["reason"],
                         "clerks handle orders under 1 000.00")
        self.assertEqual(r.json["matched"], "allow")
        r = self.dry_run(org, {"subject": {"user_id": self.users["mona"]},
                               "action": "order:create",
                               "resource": {"type": "order",
                                            "total_cents": 150000}})
        self.assertIs(r.json["allow"], True, repr(r))


if __name__ == "__main__":
    unittest.main()
