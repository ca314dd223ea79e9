"""docs/policies.md (v4): the upload checks. Every broken policy of the
issue that used to be accepted (and then blocked every write, or was
silently ignored) is refused at PUT, at a dry-run with its source and by
`erpd policy check`, each with a message naming the item; the old
version stays in force. A validation that fails at run time is logged
with the organization, the request id and the rule."""

import os
import tempfile
import time
import unittest

from harness import ServerTestCase, run_erpd
from test_policy import PolicyCase


def product_rule(rule):
    """An organization's product schema with rule for price_cents."""
    return ("schemas = { product = extend(base.schemas.product, {\n"
            "  price_cents = %s }) }\n" % rule)


# (the broken policy, what the message must contain)
BROKEN = [
    (product_rule("{ type = 'int', required = true, min = 0 }"),
     'schemas.product.price_cents: unknown type "int"'),
    ("schemas = { product = extend(base.schemas.product, {\n"
     "  sku = { type = 'string', required = true, min_len = 3,\n"
     "    max_len = 32, pattern = '^[A-Z' } }) }\n",
     'schemas.product.sku: pattern "^[A-Z" is not a valid Lua pattern'),
    (product_rule("{ type = 'integer', requried = true, min = 0 }"),
     'schemas.product.price_cents: unknown rule key "requried"'),
    ("schemas = { product = extend(base.schemas.product, {\n"
     "  name = { type = 'string', required = true, min_len = 1,\n"
     "    max_len = 200, max_length = 20 } }) }\n",
     'schemas.product.name: unknown rule key "max_length"'),
    (product_rule("{ type = 'integer', required = 'yes', min = 0 }"),
     "schemas.product.price_cents: required must be true or false"),
    (product_rule("{ type = 'integer', required = true, min = 0,\n"
                  "  check = 'positive' }"),
     "schemas.product.price_cents: check must be a function"),
    (product_rule("{ type = 'string', required = true }"),
     "schemas.product.price_cents: the type may not change"),
    (product_rule("{ type = 'integer', required = true, min = -5 }"),
     "schemas.product.price_cents: min = -5 loosens the base's 0"),
    ("schemas = { gadget = { parts = { type = 'array',\n"
     "  items = { type = 'object', fields = {\n"
     "    code = { type = 'string', patern = '^x' } } } } } }\n",
     'schemas.gadget.parts[].code: unknown rule key "patern"'),
    ("roles = { clerk = { 'prodcut:read', 'order:read' } }\n",
     'role clerk: "prodcut:read" names no action of the core or of a '
     'loaded module'),
    ("roles = { auditor = { 'audit:raed' } }\n",
     'role auditor: "audit:raed" names no action'),
    ("roles = { auditor = { 'widgets:*' } }\n",
     'role auditor: "widgets:*" names no action'),
    ("function password_ok(password, user) return true end\n",
     "password_ok may not be defined by an organization's policy"),
    ("function is_big(r) return (r.total_cents or 0) > 100 end\n",
     "is_big is not a name a policy defines"),
    ("schema = { product = {} }\n",
     "schema is not a name a policy defines"),
    ("allow = { product = true }\n", "allow must be a function"),
    ("redact = { product = { 'price_cents' } }\n",
     "redact.product must be a function"),
    ("function allow(subject, action, resource, context)\n"
     "  if action == 'product:update' then return 'yes' end\n"
     "  return base.allow(subject, action, resource, context)\n"
     "end\n",
     "allow returned string, not a boolean"),
]


class PolicyChecksTest(PolicyCase, ServerTestCase):

    def test_broken_policies_refused_at_put(self):
        org = self.new_org()
        good = self.put_ok(org, "-- in force\n")
        for src, want in BROKEN:
            with self.subTest(want=want):
                self.assertInvalid(self.put_policy(org, src), want)
        cur = self.get_policy(org).json
        self.assertEqual(cur, good)
        # and product writes still work under the version in force
        r = self.server.api("POST", "/api/v1/orgs/%d/products" % org,
                            {"sku": "OK-1", "name": "Fine",
                             "price_cents": 5}, token=self.tok("alice"))
        self.assertEqual(r.status, 201, repr(r))

    def test_broken_policies_refused_at_dry_run(self):
        org = self.new_org()
        for src, want in BROKEN:
            with self.subTest(want=want):
                self.assertInvalid(self.dry_run(org, {
                    "source": src, "subject": {"role": "viewer"},
                    "action": "product:read",
                    "resource": {"type": "product"}}), want)

    def test_good_policies_pass(self):
        org = self.new_org()
        for src in (
                "roles = { auditor = { 'audit:read', 'member:read',\n"
                "  'policy:read', 'apikey:*', '*:read' } }\n",
                "local function big(r) return (r.total_cents or 0) > 1 end\n"
                "function allow(s, a, r, c)\n"
                "  if a == 'order:confirm' and big(r) then\n"
                "    return false, 'too big'\n"
                "  end\n"
                "  return base.allow(s, a, r, c)\n"
                "end\n",
                product_rule("{ type = 'integer', required = true,\n"
                             "  min = 0, max = 100000, label = 'Price',\n"
                             "  check = function(v) end }")):
            with self.subTest(src=src):
                self.put_ok(org, src)

    def test_dropping_a_held_role_refused(self):
        org = self.new_org()
        self.put_ok(org, "-- the base's roles only\n")
        self.put_ok(org, "roles = { warehouse = { 'product:read' },\n"
                         "  packer = { 'order:read' } }\n")
        self.set_role(org, "carl", "warehouse")
        self.set_role(org, "victor", "warehouse")
        r = self.server.api("POST", "/api/v1/orgs/%d/api-keys" % org,
                            {"name": "scanner", "role": "warehouse"},
                            token=self.tok("alice"))
        self.assertEqual(r.status, 201, repr(r))
        key = r.json["id"]
        want = ("role warehouse is dropped but 3 members or API keys of "
                "this organization hold it")
        self.assertInvalid(self.put_policy(org, "-- nothing\n"), want)
        self.assertInvalid(self.call("DELETE", org), want)
        self.assertInvalid(self.rollback(org, 1), want)
        # packer is held by nobody: dropping it alone is fine
        self.put_ok(org, "roles = { warehouse = { 'product:read' } }\n")
        # a revoked key holds nothing
        r = self.server.api("DELETE", "/api/v1/orgs/%d/api-keys/%s" % (
            org, key), token=self.tok("alice"))
        self.assertIn(r.status, (200, 204), repr(r))
        self.assertInvalid(self.put_policy(org, "-- nothing\n"),
                           "role warehouse is dropped but 2 members")
        self.assertEqual(self.get_policy(org).json["version"], 3)

    def test_failing_validation_logged_with_org_request_and_rule(self):
        org = self.new_org()
        self.put_ok(org, product_rule(
            "{ type = 'integer', required = true, min = 0,\n"
            "  check = function(v) error('price check broke') end }"))
        r = self.server.api("POST", "/api/v1/orgs/%d/products" % org,
                            {"sku": "LOG-1", "name": "Logged",
                             "price_cents": 5}, token=self.tok("alice"))
        err = self.assertError(r, 403, "forbidden")
        self.assertNotIn("price check broke", err["message"])
        rid = r.request_id
        deadline = time.monotonic() + 5
        while True:
            lines = [ln for ln in self.server.stderr().splitlines()
                     if rid in ln and "validating" in ln]
            if lines or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(lines), 1, self.server.stderr()[-2000:])
        self.assertIn("organization %d" % org, lines[0])
        self.assertIn("schema: field price_cents: check failed", lines[0])
        self.assertIn("price check broke", lines[0])


class PolicyCheckCliTest(unittest.TestCase):
    """erpd policy check refuses the same policies, exit 1."""

    def test_cli_refuses_each(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = {"ERP_ENV": "production",
                   "ERP_DATA_DIR": os.path.join(tmp, "data")}
            for i, (src, want) in enumerate(BROKEN):
                with self.subTest(want=want):
                    path = os.path.join(tmp, "p%d.lua" % i)
                    with open(path, "w") as f:
                        f.write(src)
                    r = run_erpd(["policy", "check", path], env=env)
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertIn(want, r.stderr)
                    self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main()
