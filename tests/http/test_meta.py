"""GET /api/v1/orgs/{org}/meta (docs/api.md): the organization's
effective schemas and the caller's rights, for any member; what the
caller may not do is not listed, and an organization's policy shows."""

import unittest

from harness import ServerTestCase
from erpd_testkit import ORGS, OrgFixture

TIGHTER = """
schemas = { product = extend(base.schemas.product, {
  name = { type = 'string', required = true, min_len = 1, max_len = 50,
           label = 'Product name' },
  currency = { type = 'string', pattern = '^[A-Z][A-Z][A-Z]$',
               enum = { 'EUR', 'USD' } },
}) }
roles = { clerk = { 'product:read', 'order:read' } }
function allow(subject, action, resource, context)
  if action == 'product:delete' then
    return false, 'products are never deleted here'
  end
  return base.allow(subject, action, resource, context)
end
"""


class MetaTest(OrgFixture, ServerTestCase):

    def meta(self, who, org=None):
        return self.call(who, "GET", "/meta", org=org)

    def ok(self, who, org=None):
        r = self.meta(who, org)
        self.assertEqual(r.status, 200, repr(r))
        self.assertJsonHeaders(r)
        return r.json

    def test_member_sees_schemas_and_role(self):
        m = self.ok("viewer")
        self.assertEqual(m["role"], "viewer")
        self.assertEqual(set(m["permissions"]), {
            "product:read", "customer:read", "order:read", "file:read",
            "stock:read"})
        p = m["resources"]["product"]
        self.assertEqual(p["label"], "Products")
        self.assertEqual(p["path"], "/products")
        self.assertEqual(p["fields"]["sku"], {
            "type": "string", "required": True, "min_len": 3,
            "max_len": 32, "label": "SKU"})
        self.assertEqual(p["fields"]["price_cents"], {
            "type": "integer", "required": True, "min": 0,
            "label": "Price"})
        self.assertEqual(p["fields"]["description"], {
            "type": "string", "nullable": True, "max_len": 2000})
        self.assertEqual(p["redacted"], [])
        # required fields first: the order a form shows them in
        names = list(p["fields"])
        self.assertEqual(names[:3], ["name", "price_cents", "sku"])

    def test_nested_fields_and_computed(self):
        o = self.ok("viewer")["resources"]["order"]
        line = o["fields"]["lines"]["items"]["fields"]
        self.assertEqual(line["quantity"], {
            "type": "integer", "required": True, "min": 1, "max": 100000})
        self.assertEqual(o["fields"]["lines"]["min_items"], 1)
        for name in ("total_cents", "currency"):
            self.assertEqual(o["fields"][name], {"computed": True}, name)
        self.assertEqual(o["fields"]["status"], {"computed": True,
                                                 "default": "draft"})
        self.assertEqual([x["name"] for x in o["operations"]],
                         ["confirm", "ship", "cancel"])

    def test_references_name_their_type(self):
        # a schema rule's ref (inventory's product_id): the picker's type
        r = self.ok("viewer")["resources"]
        self.assertEqual(r["stock_move"]["fields"]["product_id"], {
            "type": "integer", "required": True, "min": 1,
            "label": "Product", "ref": "product"})
        line = r["reservation"]["fields"]["lines"]["items"]["fields"]
        self.assertEqual(line["product_id"]["ref"], "product")

    def test_declared_lists(self):
        # products are declared (module ABI 2): what their list accepts
        m = self.ok("viewer")
        p = m["resources"]["product"]
        self.assertTrue(p["search"])
        self.assertEqual(set(p["filters"]), {"currency", "active"})
        self.assertEqual(set(p["sort"]), {"sku", "name", "price_cents"})
        self.assertIs(p["fields"]["active"]["default"], True)
        self.assertEqual(p["fields"]["currency"]["default"], "EUR")
        # and the server agrees
        for q in ("?q=x", "?currency=EUR", "?active=true", "?sort=-name"):
            r = self.call("viewer", "GET", "/products" + q)
            self.assertEqual(r.status, 200, q)
        r = self.call("viewer", "GET", "/products?sort=description")
        self.assertEqual(r.status, 422, repr(r))
        # orders are declared with owned lines: their list claims its own
        o = m["resources"]["order"]
        self.assertEqual((o["search"], set(o["filters"]), o["sort"]),
                         (False, {"customer_id", "status"}, ["total_cents"]))
        for q in ("?status=draft", "?customer_id=1", "?sort=-total_cents"):
            r = self.call("viewer", "GET", "/orders" + q)
            self.assertEqual(r.status, 200, q)

    def test_operations_are_of_the_resources_own_path(self):
        # every operation is a POST under the resource's own list path;
        # another collection sharing its permissions (inventory's
        # /reservations/{ref}/ship under stock:ship) is not one
        m = self.ok("admin")
        for type, r in m["resources"].items():
            for op in r["operations"]:
                path = "%s/1/%s" % (r["path"], op["name"])
                resp = self.call("admin", "GET", path)
                self.assertEqual(resp.status, 405, "%s: %s" % (type, path))
        if "stock" in m["resources"]:
            self.assertEqual(m["resources"]["stock"]["operations"], [])

    def test_no_check_functions_or_patterns(self):
        m = self.ok("admin")
        c = m["resources"]["customer"]["fields"]["email"]
        self.assertNotIn("pattern", c)
        self.assertNotIn("check", c)
        self.assertNotIn("pattern", m["resources"]["product"]["fields"]["sku"])

    def test_viewer_actions_differ_from_admin(self):
        v = self.ok("viewer")
        a = self.ok("admin")
        c = self.ok("clerk")
        self.assertEqual(v["resources"]["product"]["actions"], ["read"])
        self.assertEqual(v["resources"]["order"]["actions"], ["read"])
        self.assertEqual(set(a["resources"]["product"]["actions"]),
                         {"read", "create", "update", "delete"})
        self.assertEqual(set(a["resources"]["order"]["actions"]), {
            "read", "create", "update", "delete", "confirm", "ship",
            "cancel"})
        self.assertEqual(set(c["resources"]["order"]["actions"]), {
            "read", "create", "update", "confirm"})
        self.assertEqual(v["admin"], {"member": [], "apikey": [],
                                      "policy": [], "audit": []})
        self.assertEqual(set(a["admin"]["member"]), {"read", "manage"})
        self.assertEqual(set(a["admin"]["policy"]), {"read", "manage"})
        self.assertEqual(self.ok("manager")["admin"]["policy"], ["read"])
        f = a["resources"]["file"]
        self.assertTrue(f["upload"])
        self.assertNotIn("upload", a["resources"]["product"])

    def test_system_admin_patterns(self):
        a = self.ok("admin")
        self.assertEqual(a["role"], "admin")
        # "*" covers member:* and policy:* already
        self.assertEqual(a["permissions"], ["*"])

    def test_non_member_is_forbidden(self):
        r = self.meta("outsider")
        self.assertError(r, 403, "forbidden")
        r = self.meta("viewer", org=self.org_b)
        self.assertError(r, 403, "forbidden")
        r = self.call("viewer", "GET", "/meta", org=987654)
        self.assertError(r, 403, "forbidden")
        r = self.server.api("GET", "%s/%d/meta" % (ORGS, self.org_a))
        self.assertUnauthenticated(r)

    def test_system_admin_outside_recovers_only(self):
        # the admin made both organizations; a third it is no member of
        org = self.make_org("C")
        r = self.call("admin", "DELETE", "/members/%d" % self.ids["admin"],
                      org=org)
        self.assertEqual(r.status, 409, repr(r))   # its last admin
        email = "c-admin-%d@example.com" % org
        self.create_user(email, "C-Admin-Passw0rd-%d" % org)
        r = self.call("admin", "POST", "/members",
                      {"email": email, "role": "admin"}, org=org)
        self.assertEqual(r.status, 201, repr(r))
        r = self.call("admin", "DELETE", "/members/%d" % self.ids["admin"],
                      org=org)
        self.assertEqual(r.status, 204, repr(r))
        m = self.ok("admin", org)
        self.assertIsNone(m["role"])
        self.assertEqual(m["permissions"], ["member:*", "policy:*"])
        self.assertEqual(m["resources"]["product"]["actions"], [])
        self.assertEqual(set(m["admin"]["member"]), {"read", "manage"})
        self.assertEqual(m["admin"]["audit"], [])
        r = self.call("admin", "GET", "/meta", org=987654)
        self.assertError(r, 404, "not_found")

    def test_api_key_sees_its_role(self):
        r = self.call("admin", "POST", "/api-keys",
                      {"name": "meta", "role": "clerk"})
        self.assertEqual(r.status, 201, repr(r))
        key = self.keep(r.json["key"])
        r = self.server.api("GET", "%s/%d/meta" % (ORGS, self.org_a),
                            headers={"X-API-Key": key})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["role"], "clerk")
        self.assertEqual(r.json["resources"]["order"]["actions"],
                         ["read", "create", "update", "confirm"])
        r = self.server.api("GET", "%s/%d/meta" % (ORGS, self.org_b),
                            headers={"X-API-Key": key})
        self.assertError(r, 403, "forbidden")

    def test_no_denials_recorded(self):
        # asking what the viewer may do is not the viewer trying it
        self.ok("viewer")
        for action in ("product.delete", "order.ship", "member.manage"):
            rows = [e for e in self.audit_rows(self.org_a, action)
                    if e["actor_id"] == self.ids["viewer"]]
            self.assertEqual(rows, [], action)
        r = self.call("viewer", "DELETE", "/products/1")
        self.assertIn(r.status, (403, 404), repr(r))
        r = self.call("viewer", "GET", "/members")
        self.assertError(r, 403, "forbidden")
        rows = [e for e in self.audit_rows(self.org_a, "member.read")
                if e["actor_id"] == self.ids["viewer"]]
        self.assertEqual(len(rows), 1, rows)   # a real denial is recorded

    def test_org_policy_shows(self):
        org = self.make_org("Tight")
        self.set_member(org, "clerk", "clerk")
        self.set_policy(org, TIGHTER)
        try:
            a = self.ok("admin", org)
            p = a["resources"]["product"]
            self.assertEqual(p["fields"]["name"], {
                "type": "string", "required": True, "min_len": 1,
                "max_len": 50, "label": "Product name"})
            self.assertEqual(p["fields"]["currency"], {
                "type": "string", "enum": ["EUR", "USD"], "default": "EUR"})
            self.assertEqual(set(p["actions"]),
                             {"read", "create", "update"})
            c = self.ok("clerk", org)
            self.assertEqual(c["permissions"],
                             ["product:read", "order:read"])
            self.assertEqual(c["resources"]["order"]["actions"], ["read"])
            self.assertEqual(c["resources"]["customer"]["actions"], [])
            # org A keeps the base
            a = self.ok("admin")
            self.assertEqual(a["resources"]["product"]["fields"]["name"][
                "max_len"], 200)
        finally:
            self.call("admin", "PUT", "/policy", {"source": ""}, org=org)


if __name__ == "__main__":
    unittest.main()
