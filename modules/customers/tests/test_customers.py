"""modules/customers against docs/api.md: every endpoint of
/api/v1/orgs/{org}/customers, the body rules of the customers schema,
what each role may do, organizations kept apart (404 across them, 403 for
non-members), a customer with orders that cannot be deleted, and the
audit rows the module writes."""

import unittest
import uuid

from erpd_testkit import ORGS, TIME_RE, OrgFixture, ServerTestCase, new_rid

CUSTOMER_KEYS = {"id", "name", "email", "vat_id", "address", "created_at",
                 "updated_at"}


class CustomersCase(OrgFixture):

    def customer(self, who="clerk", org=None, **fields):
        body = {"name": "Acme Ltd"}
        body.update(fields)
        r = self.call(who, "POST", "/customers", body, org=org)
        self.assertEqual(r.status, 201, repr(r))
        return r.json

    def assertCustomer(self, c):
        self.assertEqual(set(c), CUSTOMER_KEYS, c)
        self.assertIsInstance(c["id"], int)
        self.assertGreater(c["id"], 0)
        self.assertRegex(c["created_at"], TIME_RE)
        self.assertRegex(c["updated_at"], TIME_RE)


class CustomersTest(CustomersCase, ServerTestCase):

    # -- create and read ---------------------------------------------------

    def test_create_minimal(self):
        rid = new_rid("create")
        r = self.call("clerk", "POST", "/customers", {"name": "Minimal"},
                      rid=rid)
        self.assertEqual(r.status, 201, repr(r))
        self.assertJsonHeaders(r)
        self.assertSecurityHeaders(r)
        c = r.json
        self.assertCustomer(c)
        self.assertEqual((c["name"], c["email"], c["vat_id"], c["address"]),
                         ("Minimal", None, None, None))
        self.assertEqual(c["created_at"], c["updated_at"])
        e = self.assertAudited(self.org_a, "customer.create", c["id"],
                               "clerk", rid)
        self.assertEqual(e["resource_type"], "customer")
        self.assertEqual(e["details"], {"name": "Minimal"})
        r = self.call("viewer", "GET", "/customers/%d" % c["id"])
        self.assertEqual(r.status, 200, repr(r))
        self.assertJsonHeaders(r)
        self.assertEqual(r.json, c)

    def test_create_full(self):
        body = {"name": "\u00e9" * 200, "email": "billing@acme.example",
                "vat_id": "V" * 32, "address": "\u00fc" * 500}
        r = self.call("manager", "POST", "/customers", body)
        self.assertEqual(r.status, 201, repr(r))
        self.assertCustomer(r.json)
        for k, v in body.items():
            self.assertEqual(r.json[k], v, k)
        long_email = "a" * 240 + "@example.com"
        r = self.call("manager", "POST", "/customers",
                      {"name": "Long", "email": long_email})
        self.assertEqual(r.status, 201, repr(r))
        r = self.call("manager", "POST", "/customers",
                      {"name": "Nulls", "email": None, "vat_id": None,
                       "address": None})
        self.assertEqual(r.status, 201, repr(r))
        self.assertIsNone(r.json["email"])

    def test_get_unknown_and_bad_ids(self):
        for cid in ("999999", "0", "-3", "x", "2e1"):
            with self.subTest(id=cid):
                self.assertError(self.call("viewer", "GET",
                                           "/customers/" + cid), 404,
                                 "not_found")

    def test_post_without_a_body(self):
        r = self.server.request("POST", "%s/%d/customers" % (
            ORGS, self.org_a), headers={
                "Authorization": "Bearer " + self.tokens["clerk"]})
        self.assertFields(r, {"name": None})

    # -- list --------------------------------------------------------------

    def test_list_q_limit_offset(self):
        org = self.make_org("Customers")
        made = [self.customer("admin", org, name="Alpha %d" % i,
                              email="alpha%d@one.example" % i)
                for i in range(4)]
        made.append(self.customer("admin", org, name="Beta",
                                  email="sales@ALPHA-corp.example"))
        made.append(self.customer("admin", org, name="Gamma"))
        r = self.call("admin", "GET", "/customers", org=org)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(set(r.json), {"items", "total", "limit", "offset"})
        self.assertEqual(r.json["items"], made)
        self.assertEqual((r.json["total"], r.json["limit"],
                          r.json["offset"]), (6, 50, 0))
        # q: name or email contains, case-insensitive
        r = self.call("admin", "GET", "/customers?q=ALPHA", org=org)
        self.assertEqual([c["id"] for c in r.json["items"]],
                         [c["id"] for c in made[:5]])
        self.assertEqual(r.json["total"], 5)
        r = self.call("admin", "GET", "/customers?q=alpha-corp", org=org)
        self.assertEqual([c["id"] for c in r.json["items"]],
                         [made[4]["id"]])
        r = self.call("admin", "GET", "/customers?q=gam", org=org)
        self.assertEqual([c["id"] for c in r.json["items"]],
                         [made[5]["id"]])
        r = self.call("admin", "GET", "/customers?q=zzz", org=org)
        self.assertEqual((r.json["items"], r.json["total"]), ([], 0))
        r = self.call("admin", "GET", "/customers?q=alpha&limit=2&offset=2",
                      org=org)
        self.assertEqual([c["id"] for c in r.json["items"]],
                         [made[2]["id"], made[3]["id"]])
        self.assertEqual((r.json["total"], r.json["limit"],
                          r.json["offset"]), (5, 2, 2))
        r = self.call("admin", "GET", "/customers?offset=100", org=org)
        self.assertEqual((r.json["items"], r.json["total"]), ([], 6))
        for q in ("limit=501", "limit=0", "offset=-1", "limit=abc"):
            with self.subTest(q=q):
                self.assertFields(self.call("admin", "GET",
                                            "/customers?" + q, org=org),
                                  {q.split("=")[0]: None})
        # B sees none of them
        r = self.call("outsider", "GET", "/customers?limit=500",
                      org=self.org_b)
        self.assertEqual(r.status, 200, repr(r))
        ids = [c["id"] for c in r.json["items"]]
        for c in made:
            self.assertNotIn(c["id"], ids)

    # -- update ------------------------------------------------------------

    def test_patch(self):
        c = self.customer(name="Old Name", email="old@example.com")
        rid = new_rid("patch")
        r = self.call("clerk", "PATCH", "/customers/%d" % c["id"], {
            "name": "New Name", "email": "old@example.com",
            "vat_id": "DE123456789"}, rid=rid)
        self.assertEqual(r.status, 200, repr(r))
        self.assertCustomer(r.json)
        self.assertEqual((r.json["name"], r.json["email"], r.json["vat_id"],
                          r.json["address"]),
                         ("New Name", "old@example.com", "DE123456789", None))
        self.assertEqual(r.json["created_at"], c["created_at"])
        e = self.assertAudited(self.org_a, "customer.update", c["id"],
                               "clerk", rid)
        # only what changed, with its old and new values
        self.assertEqual(e["details"], {
            "name": {"old": "Old Name", "new": "New Name"},
            "vat_id": {"old": None, "new": "DE123456789"}})
        self.assertEqual(self.call("viewer", "GET", "/customers/%d" %
                                   c["id"]).json, r.json)
        # clearing a nullable field
        rid = new_rid("clear")
        r = self.call("clerk", "PATCH", "/customers/%d" % c["id"],
                      {"email": None}, rid=rid)
        self.assertEqual(r.status, 200, repr(r))
        self.assertIsNone(r.json["email"])
        self.assertEqual(r.json["name"], "New Name")
        e = self.assertAudited(self.org_a, "customer.update", c["id"],
                               "clerk", rid)
        self.assertEqual(e["details"], {"email": {"old": "old@example.com",
                                                  "new": None}})
        # an empty PATCH changes nothing
        r = self.call("clerk", "PATCH", "/customers/%d" % c["id"], {})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["name"], "New Name")

    # -- delete ------------------------------------------------------------

    def test_delete(self):
        c = self.customer(name="Gone Soon")
        rid = new_rid("delete")
        r = self.call("clerk", "DELETE", "/customers/%d" % c["id"], rid=rid)
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(r.body, b"")
        self.assertError(self.call("clerk", "GET", "/customers/%d" %
                                   c["id"]), 404, "not_found")
        self.assertError(self.call("clerk", "DELETE", "/customers/%d" %
                                   c["id"]), 404, "not_found")
        e = self.assertAudited(self.org_a, "customer.delete", c["id"],
                               "clerk", rid)
        self.assertEqual(e["details"]["name"], "Gone Soon")

    def test_delete_customer_with_orders_is_409(self):
        c = self.customer(name="Has Orders")
        r = self.call("manager", "POST", "/products", {
            "sku": "CUST-" + uuid.uuid4().hex[:8].upper(), "name": "Thing",
            "price_cents": 100})
        self.assertEqual(r.status, 201, repr(r))
        r = self.call("clerk", "POST", "/orders", {
            "customer_id": c["id"],
            "lines": [{"product_id": r.json["id"], "quantity": 1}]})
        self.assertEqual(r.status, 201, repr(r))
        order = r.json
        rid = new_rid("used")
        r = self.call("clerk", "DELETE", "/customers/%d" % c["id"], rid=rid)
        self.assertError(r, 409, "conflict")
        self.assertEqual(self.call("clerk", "GET", "/customers/%d" %
                                   c["id"]).json, c)
        self.assertEqual([e for e in self.audit_rows(
            self.org_a, "customer.delete") if e["request_id"] == rid], [])
        # also once the order is cancelled: it still refers to the customer
        r = self.call("manager", "POST", "/orders/%d/cancel" % order["id"])
        self.assertEqual(r.status, 200, repr(r))
        self.assertError(self.call("clerk", "DELETE", "/customers/%d" %
                                   c["id"]), 409, "conflict")

    # -- validation ----------------------------------------------------------

    def test_validation(self):
        cases = [
            ({}, {"name": "required"}),
            ({"name": ""}, {"name": "min_len"}),
            ({"name": "n" * 201}, {"name": "max_len"}),
            ({"name": "\u00e9" * 201}, {"name": "max_len"}),
            ({"name": None}, {"name": "type"}),
            ({"name": 7}, {"name": "type"}),
            ({"email": "not-an-email"}, {"email": "pattern"}),
            ({"email": "a@b"}, {"email": "pattern"}),
            ({"email": "@example.com"}, {"email": "pattern"}),
            ({"email": "a b@example.com"}, {"email": "pattern"}),
            ({"email": "a@@example.com"}, {"email": "pattern"}),
            ({"email": "a@example."}, {"email": "pattern"}),
            ({"email": ""}, {"email": "pattern"}),
            ({"email": "a" * 243 + "@example.com"}, {"email": "max_len"}),
            ({"email": 1}, {"email": "type"}),
            ({"vat_id": "V" * 33}, {"vat_id": "max_len"}),
            ({"vat_id": 12345}, {"vat_id": "type"}),
            ({"address": "a" * 501}, {"address": "max_len"}),
            ({"address": ["x"]}, {"address": "type"}),
            ({"phone": "123"}, {"phone": "unknown"}),
            ({"name": "", "email": "bad", "extra": True},
             {"name": "min_len", "email": "pattern", "extra": "unknown"}),
        ]
        c = self.customer(name="Valid")
        for patch, fields in cases:
            body = {"name": "Valid"} if patch else {}
            body.update(patch)
            with self.subTest(body=body):
                self.assertFields(self.call("clerk", "POST", "/customers",
                                            body), fields)
            if patch:
                with self.subTest(patch=patch):
                    self.assertFields(self.call(
                        "clerk", "PATCH", "/customers/%d" % c["id"], patch),
                        fields)
        self.assertEqual(self.call("clerk", "GET", "/customers/%d" %
                                   c["id"]).json, c)
        for body in ("[]", "3", "null"):
            with self.subTest(raw=body):
                r = self.call("clerk", "POST", "/customers", body)
                self.assertEqual(r.status, 422, repr(r))

    def test_mass_assignment_refused(self):
        c = self.customer()
        for name, value in (("id", 777777), ("org_id", self.org_b),
                            ("created_at", "2000-01-01T00:00:00Z"),
                            ("updated_at", "2000-01-01T00:00:00Z")):
            with self.subTest(field=name):
                self.assertFields(self.call("clerk", "POST", "/customers",
                                            {"name": "X", name: value}),
                                  {name: "unknown"})
                self.assertFields(self.call("clerk", "PATCH",
                                            "/customers/%d" % c["id"],
                                            {name: value}),
                                  {name: "unknown"})
        self.assertEqual(self.call("clerk", "GET", "/customers/%d" %
                                   c["id"]).json, c)

    # -- roles -------------------------------------------------------------

    def test_roles(self):
        c = self.customer()
        path = "/customers/%d" % c["id"]
        # the viewer reads only
        self.assertEqual(self.call("viewer", "GET", "/customers").status, 200)
        self.assertEqual(self.call("viewer", "GET", path).status, 200)
        self.assertError(self.call("viewer", "POST", "/customers",
                                   {"name": "No"}), 403, "forbidden")
        self.assertError(self.call("viewer", "PATCH", path, {"name": "No"}),
                         403, "forbidden")
        self.assertError(self.call("viewer", "DELETE", path), 403,
                         "forbidden")
        self.assertEqual(self.call("viewer", "GET", path).json, c)
        # clerks and managers hold customer:*
        for who in ("clerk", "manager", "admin"):
            with self.subTest(who=who):
                r = self.call(who, "POST", "/customers", {"name": who})
                self.assertEqual(r.status, 201, repr(r))
                p = "/customers/%d" % r.json["id"]
                self.assertEqual(self.call(who, "PATCH", p,
                                           {"vat_id": "X1"}).status, 200)
                self.assertEqual(self.call(who, "DELETE", p).status, 204)

    # -- organizations -----------------------------------------------------

    def test_other_organization(self):
        c = self.customer()
        path = "/customers/%d" % c["id"]
        for method, body in (("GET", None), ("PATCH", {"name": "Mine"}),
                             ("DELETE", None)):
            with self.subTest(method=method):
                r = self.call("outsider", method, path, body, org=self.org_b)
                self.assertError(r, 404, "not_found")
        for method, body in (("GET", None), ("PATCH", {"name": "Mine"}),
                             ("DELETE", None)):
            with self.subTest(method=method, org="A"):
                self.assertError(self.call("outsider", method, path, body),
                                 403, "forbidden")
        self.assertError(self.call("outsider", "GET", "/customers"), 403,
                         "forbidden")
        self.assertError(self.call("outsider", "POST", "/customers",
                                   {"name": "Intruder"}), 403, "forbidden")
        self.assertEqual(self.call("clerk", "GET", path).json, c)

    def test_policy_sees_the_customer(self):
        org = self.make_org("Guarded")
        c = self.customer("admin", org, name="VIP", vat_id="VIP-1")
        self.set_policy(org, """
function allow(subject, action, resource, context)
  if action == "customer:delete" and resource.vat_id == "VIP-1" then
    return false, "VIP customers stay (" .. resource.name .. ")"
  end
  return base.allow(subject, action, resource, context)
end
""")
        r = self.call("admin", "DELETE", "/customers/%d" % c["id"], org=org)
        err = self.assertError(r, 403, "forbidden")
        self.assertEqual(err["message"], "VIP customers stay (VIP)")
        other = self.customer("admin", org, name="Plain")
        r = self.call("admin", "DELETE", "/customers/%d" % other["id"],
                      org=org)
        self.assertEqual(r.status, 204, repr(r))


if __name__ == "__main__":
    unittest.main()
