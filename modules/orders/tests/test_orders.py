"""modules/orders against docs/api.md and docs/policies.md: sales orders
priced by the server, their status moves and who may make them, the body
rules (lines, quantities, products of this organization, one currency),
fields the server computes, organizations kept apart, the order-approval
policy (confirming large orders needs a manager), and the audit rows."""

import os
import sqlite3
import threading
import unittest
import uuid

from erpd_testkit import ORGS, TIME_RE, OrgFixture, ServerTestCase, new_rid

ORDER_KEYS = {"id", "customer_id", "status", "currency", "total_cents",
              "lines", "created_at", "updated_at"}
LINE_KEYS = {"product_id", "quantity", "unit_price_cents", "line_total_cents"}
APPROVAL_POLICY = """
function allow(subject, action, resource, context)
  if action == "order:confirm" and (resource.total_cents or 0) > 1000000 and subject.role ~= "manager" and subject.role ~= "admin" then
    return false, "orders over 10 000.00 need a manager"
  end
  return base.allow(subject, action, resource, context)
end
"""


class OrdersCase(OrgFixture):

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        # A: products in EUR (one inactive) and one in USD; two customers
        cls.p = {}
        for key, price, extra in (("cheap", 250, {}), ("dear", 100000, {}),
                                  ("usd", 500, {"currency": "USD"}),
                                  ("off", 300, {"active": False})):
            cls.p[key] = cls.make_product(cls.org_a, price, **extra)
        cls.cust = cls.make_customer(cls.org_a, "Acme")
        cls.cust2 = cls.make_customer(cls.org_a, "Globex")
        # B: a product and a customer of its own
        cls.p["b"] = cls.make_product(cls.org_b, 111)
        cls.cust_b = cls.make_customer(cls.org_b, "B Corp")

    @classmethod
    def make_product(cls, org, price, **extra):
        body = {"sku": "O-" + uuid.uuid4().hex[:10].upper(),
                "name": "Product", "price_cents": price}
        body.update(extra)
        r = cls.api_as("admin", "POST", "%s/%d/products" % (ORGS, org), body)
        if r.status != 201:
            raise AssertionError("product: %r" % r)
        return r.json["id"]

    @classmethod
    def make_customer(cls, org, name):
        r = cls.api_as("admin", "POST", "%s/%d/customers" % (ORGS, org),
                       {"name": name})
        if r.status != 201:
            raise AssertionError("customer: %r" % r)
        return r.json["id"]

    def order(self, lines=None, who="clerk", org=None, customer=None,
              expect=201):
        """POSTs an order (lines as [(product key or id, quantity)])."""
        if lines is None:
            lines = [("cheap", 2)]
        body = {"customer_id": customer or self.cust,
                "lines": [{"product_id": self.p.get(k, k), "quantity": q}
                          for k, q in lines]}
        r = self.call(who, "POST", "/orders", body, org=org)
        self.assertEqual(r.status, expect, repr(r))
        return r.json

    def move(self, order, verb, who="manager", org=None, rid=None):
        return self.call(who, "POST", "/orders/%d/%s" % (order["id"], verb),
                         org=org, rid=rid)

    def assertOrder(self, o):
        self.assertEqual(set(o), ORDER_KEYS, o)
        for k in ("id", "customer_id", "total_cents"):
            self.assertIsInstance(o[k], int, k)
        self.assertIn(o["status"], ("draft", "confirmed", "shipped",
                                    "cancelled"))
        self.assertRegex(o["currency"], r"^[A-Z]{3}$")
        self.assertRegex(o["created_at"], TIME_RE)
        self.assertRegex(o["updated_at"], TIME_RE)
        for ln in o["lines"]:
            self.assertEqual(set(ln), LINE_KEYS, ln)
            self.assertEqual(ln["line_total_cents"],
                             ln["quantity"] * ln["unit_price_cents"], ln)
        self.assertEqual(o["total_cents"], sum(ln["line_total_cents"]
                                               for ln in o["lines"]))


class OrdersTest(OrdersCase, ServerTestCase):

    # -- create and read ---------------------------------------------------

    def test_create_prices_every_line(self):
        rid = new_rid("create")
        r = self.call("clerk", "POST", "/orders", {
            "customer_id": self.cust,
            "lines": [{"product_id": self.p["cheap"], "quantity": 3},
                      {"product_id": self.p["dear"], "quantity": 1},
                      {"product_id": self.p["cheap"], "quantity": 1}]},
            rid=rid)
        self.assertEqual(r.status, 201, repr(r))
        self.assertJsonHeaders(r)
        self.assertSecurityHeaders(r)
        o = r.json
        self.assertOrder(o)
        self.assertEqual((o["customer_id"], o["status"], o["currency"],
                          o["total_cents"]),
                         (self.cust, "draft", "EUR", 3 * 250 + 100000 + 250))
        self.assertEqual(o["lines"], [
            {"product_id": self.p["cheap"], "quantity": 3,
             "unit_price_cents": 250, "line_total_cents": 750},
            {"product_id": self.p["dear"], "quantity": 1,
             "unit_price_cents": 100000, "line_total_cents": 100000},
            {"product_id": self.p["cheap"], "quantity": 1,
             "unit_price_cents": 250, "line_total_cents": 250}])
        self.assertEqual(o["created_at"], o["updated_at"])
        e = self.assertAudited(self.org_a, "order.create", o["id"], "clerk",
                               rid)
        self.assertEqual(e["resource_type"], "order")
        self.assertEqual(e["details"]["total_cents"], o["total_cents"])
        self.assertEqual(e["details"]["customer_id"], self.cust)
        self.assertEqual(e["details"]["currency"], "EUR")
        self.assertEqual(len(e["details"]["lines"]), 3)
        r = self.call("viewer", "GET", "/orders/%d" % o["id"])
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json, o)

    def test_currency_is_the_products(self):
        o = self.order([("usd", 4)])
        self.assertEqual((o["currency"], o["total_cents"]), ("USD", 2000))

    def test_quantity_bounds_and_exact_totals(self):
        o = self.order([("cheap", 1), ("dear", 100000)])
        self.assertEqual(o["total_cents"], 250 + 100000 * 100000)
        big = self.make_product(self.org_a, 90071992547409)
        o = self.order([(big, 100)])
        # 2^53 - 91 cents: printed digit for digit
        self.assertEqual(o["total_cents"], 9007199254740900)
        huge = self.make_product(self.org_a, 9007199254740991)
        o = self.order([(huge, 1)])
        self.assertEqual(o["total_cents"], 9007199254740991)
        # beyond what a JSON number holds exactly: refused, nothing stored
        r = self.call("clerk", "POST", "/orders", {
            "customer_id": self.cust,
            "lines": [{"product_id": huge, "quantity": 2}]})
        self.assertFields(r, {"lines[0].quantity": None})
        r = self.call("clerk", "POST", "/orders", {
            "customer_id": self.cust,
            "lines": [{"product_id": huge, "quantity": 1},
                      {"product_id": self.p["cheap"], "quantity": 1}]})
        self.assertFields(r, {"lines[1].quantity": None})
        r = self.call("clerk", "POST", "/orders", {
            "customer_id": self.cust,
            "lines": [{"product_id": huge, "quantity": 100000}]})
        self.assertFields(r, {"lines[0].quantity": None})

    def test_price_is_copied_when_lines_are_set(self):
        pid = self.make_product(self.org_a, 1000)
        o = self.order([(pid, 2)])
        self.assertEqual(o["total_cents"], 2000)
        r = self.call("manager", "PATCH", "/products/%d" % pid,
                      {"price_cents": 1500})
        self.assertEqual(r.status, 200, repr(r))
        # the order keeps the price it was made with
        r = self.call("clerk", "GET", "/orders/%d" % o["id"])
        self.assertEqual(r.json["lines"][0]["unit_price_cents"], 1000)
        self.assertEqual(r.json["total_cents"], 2000)
        # changing only the customer keeps the lines as they are
        r = self.call("clerk", "PATCH", "/orders/%d" % o["id"],
                      {"customer_id": self.cust2})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["total_cents"], 2000)
        # setting the lines prices them again
        r = self.call("clerk", "PATCH", "/orders/%d" % o["id"],
                      {"lines": [{"product_id": pid, "quantity": 2}]})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["lines"], [
            {"product_id": pid, "quantity": 2, "unit_price_cents": 1500,
             "line_total_cents": 3000}])
        self.assertEqual(r.json["total_cents"], 3000)

    def test_get_unknown_and_bad_ids(self):
        for oid in ("999999", "0", "-1", "abc"):
            for verb in ("", "/confirm"):
                with self.subTest(id=oid, verb=verb):
                    method = "POST" if verb else "GET"
                    r = self.call("manager", method, "/orders/" + oid + verb)
                    self.assertError(r, 404, "not_found")

    def test_post_without_a_body(self):
        r = self.server.request("POST", "%s/%d/orders" % (ORGS, self.org_a),
                                headers={"Authorization": "Bearer " +
                                         self.tokens["clerk"]})
        self.assertEqual(r.status, 422, repr(r))

    # -- list --------------------------------------------------------------

    def test_list_status_limit_offset(self):
        org = self.make_org("Listing")
        pid = self.make_product(org, 100)
        cid = self.make_customer(org, "Lister")
        made = [self.order([(pid, i + 1)], who="admin", org=org,
                           customer=cid) for i in range(5)]
        self.assertEqual(self.move(made[1], "confirm", "admin", org).status,
                         200)
        self.assertEqual(self.move(made[2], "confirm", "admin", org).status,
                         200)
        self.assertEqual(self.move(made[2], "ship", "admin", org).status, 200)
        self.assertEqual(self.move(made[3], "cancel", "admin", org).status,
                         200)
        r = self.call("viewer", "GET", "/orders", org=org)
        self.assertError(r, 403, "forbidden")     # not a member there
        r = self.call("admin", "GET", "/orders", org=org)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(set(r.json), {"items", "total", "limit", "offset"})
        self.assertEqual((r.json["total"], r.json["limit"],
                          r.json["offset"]), (5, 50, 0))
        self.assertEqual([o["id"] for o in r.json["items"]],
                         [o["id"] for o in made])
        for o in r.json["items"]:
            self.assertOrder(o)
        self.assertEqual(r.json["items"][0], made[0])
        expect = {"draft": [made[0], made[4]], "confirmed": [made[1]],
                  "shipped": [made[2]], "cancelled": [made[3]]}
        for status, want in expect.items():
            with self.subTest(status=status):
                r = self.call("admin", "GET", "/orders?status=" + status,
                              org=org)
                self.assertEqual(r.status, 200, repr(r))
                self.assertEqual([o["id"] for o in r.json["items"]],
                                 [o["id"] for o in want])
                self.assertEqual(r.json["total"], len(want))
                for o in r.json["items"]:
                    self.assertEqual(o["status"], status)
        r = self.call("admin", "GET", "/orders?limit=2&offset=1", org=org)
        self.assertEqual([o["id"] for o in r.json["items"]],
                         [made[1]["id"], made[2]["id"]])
        self.assertEqual((r.json["total"], r.json["limit"],
                          r.json["offset"]), (5, 2, 1))
        r = self.call("admin", "GET", "/orders?status=draft&limit=1&offset=1",
                      org=org)
        self.assertEqual([o["id"] for o in r.json["items"]], [made[4]["id"]])
        self.assertEqual(r.json["total"], 2)
        for q, field in (("status=bogus", "status"), ("status=", "status"),
                         ("status=DRAFT", "status"), ("limit=501", "limit"),
                         ("limit=0", "limit"), ("offset=-2", "offset"),
                         # undeclared: refused, not read as no filter
                         ("state=draft", "state"),
                         ("limit=1&staus=draft", "staus")):
            with self.subTest(q=q):
                self.assertFields(self.call("admin", "GET", "/orders?" + q,
                                            org=org), {field: None})
        # B's list holds none of A's orders
        r = self.call("outsider", "GET", "/orders?limit=500", org=self.org_b)
        self.assertEqual(r.status, 200, repr(r))
        self.assertFalse({o["id"] for o in made} &
                         {o["id"] for o in r.json["items"]})

    # -- validation ----------------------------------------------------------

    def test_validation(self):
        p = self.p["cheap"]
        line = {"product_id": p, "quantity": 1}
        cases = [
            ({}, {"customer_id": "required", "lines": "required"}),
            ({"customer_id": self.cust}, {"lines": "required"}),
            ({"lines": [line]}, {"customer_id": "required"}),
            ({"customer_id": 0, "lines": [line]}, {"customer_id": "min"}),
            ({"customer_id": "1", "lines": [line]}, {"customer_id": "type"}),
            ({"customer_id": 1.5, "lines": [line]}, {"customer_id": "type"}),
            ({"customer_id": None, "lines": [line]}, {"customer_id": "type"}),
            ({"customer_id": self.cust, "lines": []}, {"lines": "min"}),
            ({"customer_id": self.cust, "lines": [line] * 501},
             {"lines": "max"}),
            ({"customer_id": self.cust, "lines": line}, {"lines": "type"}),
            ({"customer_id": self.cust, "lines": None}, {"lines": "type"}),
            ({"customer_id": self.cust, "lines": [5]}, {"lines[0]": "type"}),
            ({"customer_id": self.cust, "lines": [None]},
             {"lines[0]": "type"}),
            ({"customer_id": self.cust,
              "lines": [line, {"product_id": p, "quantity": 0}]},
             {"lines[1].quantity": "min"}),
            ({"customer_id": self.cust,
              "lines": [{"product_id": p, "quantity": 100001}]},
             {"lines[0].quantity": "max"}),
            ({"customer_id": self.cust,
              "lines": [{"product_id": p, "quantity": -1}]},
             {"lines[0].quantity": "min"}),
            ({"customer_id": self.cust,
              "lines": [{"product_id": p, "quantity": 1.5}]},
             {"lines[0].quantity": "type"}),
            ({"customer_id": self.cust,
              "lines": [{"product_id": p, "quantity": "2"}]},
             {"lines[0].quantity": "type"}),
            ({"customer_id": self.cust, "lines": [{"product_id": p}]},
             {"lines[0].quantity": "required"}),
            ({"customer_id": self.cust, "lines": [{"quantity": 1}]},
             {"lines[0].product_id": "required"}),
            ({"customer_id": self.cust,
              "lines": [{"product_id": 0, "quantity": 1}]},
             {"lines[0].product_id": "min"}),
            ({"customer_id": self.cust,
              "lines": [{"product_id": str(p), "quantity": 1}]},
             {"lines[0].product_id": "type"}),
            # prices come from the server only
            ({"customer_id": self.cust,
              "lines": [{"product_id": p, "quantity": 1,
                         "unit_price_cents": 1}]},
             {"lines[0].unit_price_cents": "unknown"}),
            ({"customer_id": self.cust,
              "lines": [{"product_id": p, "quantity": 1,
                         "line_total_cents": 1}]},
             {"lines[0].line_total_cents": "unknown"}),
            ({"customer_id": self.cust, "lines": [line], "note": "x"},
             {"note": "unknown"}),
        ]
        draft = self.order()
        before = self.call("manager", "GET", "/orders?limit=500").json
        for body, fields in cases:
            with self.subTest(body=str(body)[:120]):
                self.assertFields(self.call("clerk", "POST", "/orders",
                                            body), fields)
            patch = {k: v for k, v in body.items()}
            if patch and all(k in ("lines", "customer_id", "note")
                             for k in patch):
                with self.subTest(patch=str(patch)[:120]):
                    want = {k: v for k, v in fields.items()
                            if v != "required" or "." in k}
                    if want:
                        self.assertFields(self.call(
                            "clerk", "PATCH", "/orders/%d" % draft["id"],
                            patch), want)
        self.assertEqual(self.call("manager", "GET",
                                   "/orders?limit=500").json, before)

    def test_500_lines_is_the_limit(self):
        o = self.order([("cheap", 1)] * 500)
        self.assertEqual(len(o["lines"]), 500)
        self.assertEqual(o["total_cents"], 500 * 250)

    def test_products_and_customers_of_this_organization_only(self):
        cheap = self.p["cheap"]
        cases = [
            # a product of B, one that does not exist, an inactive one
            ([("cheap", 1), ("b", 1)], "lines[1].product_id"),
            ([(999999, 1)], "lines[0].product_id"),
            ([("off", 1)], "lines[0].product_id"),
            ([("cheap", 1), ("dear", 2), ("off", 1)], "lines[2].product_id"),
            # one currency per order
            ([("cheap", 1), ("usd", 1)], "lines[1].product_id"),
            ([("usd", 1), ("cheap", 1)], "lines[1].product_id"),
        ]
        draft = self.order()
        for lines, field in cases:
            with self.subTest(lines=lines):
                body = {"customer_id": self.cust,
                        "lines": [{"product_id": self.p.get(k, k),
                                   "quantity": q} for k, q in lines]}
                self.assertFields(self.call("clerk", "POST", "/orders",
                                            body), {field: "check"})
                self.assertFields(self.call(
                    "clerk", "PATCH", "/orders/%d" % draft["id"],
                    {"lines": body["lines"]}), {field: "check"})
        for cid in (self.cust_b, 999999):
            with self.subTest(customer=cid):
                body = {"customer_id": cid,
                        "lines": [{"product_id": cheap, "quantity": 1}]}
                self.assertFields(self.call("clerk", "POST", "/orders",
                                            body), {"customer_id": "check"})
                self.assertFields(self.call(
                    "clerk", "PATCH", "/orders/%d" % draft["id"],
                    {"customer_id": cid}), {"customer_id": "check"})
        r = self.call("clerk", "GET", "/orders/%d" % draft["id"])
        self.assertEqual(r.json, draft)

    def test_computed_fields_are_refused(self):
        draft = self.order()
        line = [{"product_id": self.p["cheap"], "quantity": 1}]
        for name, value in (("id", 99999), ("org_id", self.org_b),
                            ("created_at", "2000-01-01T00:00:00Z"),
                            ("updated_at", "2000-01-01T00:00:00Z"),
                            ("status", "shipped"), ("total_cents", 1),
                            ("currency", "USD")):
            with self.subTest(field=name):
                body = {"customer_id": self.cust, "lines": line,
                        name: value}
                err = self.assertFields(self.call("clerk", "POST",
                                                  "/orders", body),
                                        {name: "unknown"})
                self.assertEqual(err["fields"][0]["code"], "unknown")
                self.assertFields(self.call("clerk", "PATCH", "/orders/%d" %
                                            draft["id"], {name: value}),
                                  {name: "unknown"})
        self.assertEqual(self.call("clerk", "GET", "/orders/%d" %
                                   draft["id"]).json, draft)

    # -- update ------------------------------------------------------------

    def test_patch(self):
        o = self.order([("cheap", 2)])
        rid = new_rid("patch")
        r = self.call("clerk", "PATCH", "/orders/%d" % o["id"], {
            "customer_id": self.cust2,
            "lines": [{"product_id": self.p["dear"], "quantity": 3},
                      {"product_id": self.p["cheap"], "quantity": 1}]},
            rid=rid)
        self.assertEqual(r.status, 200, repr(r))
        self.assertOrder(r.json)
        self.assertEqual((r.json["customer_id"], r.json["status"],
                          r.json["total_cents"], len(r.json["lines"])),
                         (self.cust2, "draft", 300250, 2))
        self.assertEqual(r.json["created_at"], o["created_at"])
        e = self.assertAudited(self.org_a, "order.update", o["id"], "clerk",
                               rid)
        d = e["details"]
        self.assertEqual(d["customer_id"], {"old": self.cust,
                                            "new": self.cust2})
        self.assertEqual(d["total_cents"], {"old": 500, "new": 300250})
        self.assertEqual(d["lines"]["old"], [
            {"product_id": self.p["cheap"], "quantity": 2,
             "unit_price_cents": 250, "line_total_cents": 500}])
        self.assertEqual(len(d["lines"]["new"]), 2)
        self.assertNotIn("currency", d)
        self.assertEqual(self.call("viewer", "GET", "/orders/%d" %
                                   o["id"]).json, r.json)
        # a new currency with the new lines
        r = self.call("clerk", "PATCH", "/orders/%d" % o["id"],
                      {"lines": [{"product_id": self.p["usd"],
                                  "quantity": 1}]})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual((r.json["currency"], r.json["total_cents"]),
                         ("USD", 500))
        # nothing to change
        r = self.call("clerk", "PATCH", "/orders/%d" % o["id"], {})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["total_cents"], 500)

    def test_only_drafts_change(self):
        o = self.order()
        self.assertEqual(self.move(o, "confirm", "clerk").status, 200)
        body = {"lines": [{"product_id": self.p["cheap"], "quantity": 9}]}
        for status in ("confirmed", "shipped"):
            with self.subTest(status=status):
                r = self.call("clerk", "PATCH", "/orders/%d" % o["id"], body)
                err = self.assertError(r, 409, "conflict")
                self.assertEqual(err["fields"][0]["field"], "status")
                r = self.call("manager", "PATCH", "/orders/%d" % o["id"],
                              {"customer_id": self.cust2})
                self.assertError(r, 409, "conflict")
                r = self.call("manager", "DELETE", "/orders/%d" % o["id"])
                self.assertError(r, 409, "conflict")
                self.assertEqual(self.move(o, "ship").status,
                                 200 if status == "confirmed" else 409)
        c = self.order()
        self.assertEqual(self.move(c, "cancel").status, 200)
        self.assertError(self.call("clerk", "PATCH", "/orders/%d" % c["id"],
                                   body), 409, "conflict")
        self.assertError(self.call("manager", "DELETE", "/orders/%d" %
                                   c["id"]), 409, "conflict")
        r = self.call("clerk", "GET", "/orders/%d" % o["id"])
        self.assertEqual((r.json["status"], r.json["lines"]),
                         ("shipped", o["lines"]))

    # -- delete ------------------------------------------------------------

    def test_delete_draft(self):
        o = self.order([("cheap", 1), ("dear", 1)])
        rid = new_rid("delete")
        r = self.call("manager", "DELETE", "/orders/%d" % o["id"], rid=rid)
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(r.body, b"")
        self.assertError(self.call("manager", "GET", "/orders/%d" % o["id"]),
                         404, "not_found")
        self.assertError(self.call("manager", "DELETE", "/orders/%d" %
                                   o["id"]), 404, "not_found")
        e = self.assertAudited(self.org_a, "order.delete", o["id"],
                               "manager", rid)
        self.assertEqual(e["details"]["total_cents"], o["total_cents"])
        self.assertEqual(e["details"]["status"], "draft")
        # its lines went with it
        con = sqlite3.connect(os.path.join(self.server.data_dir, "erp.db"),
                              timeout=30)
        n = con.execute("SELECT count(*) FROM order_lines WHERE order_id = "
                        "?", (o["id"],)).fetchone()[0]
        con.close()
        self.assertEqual(n, 0)

    def test_etag_covers_the_lines(self):
        o = self.order([("cheap", 1), ("dear", 1)])
        path = "/orders/%d" % o["id"]
        etag = self.call("clerk", "GET", path).headers["etag"]
        # a line changed, the order's own row not: the tag changes
        con = sqlite3.connect(os.path.join(self.server.data_dir, "erp.db"),
                              timeout=30)
        con.execute("UPDATE order_lines SET quantity = 3 WHERE order_id = ? "
                    "AND line_no = 2", (o["id"],))
        con.commit()
        con.close()
        r = self.call("clerk", "GET", path)
        self.assertEqual(r.json["lines"][1]["quantity"], 3)
        self.assertNotEqual(r.headers["etag"], etag)
        # a write with the old tag is refused and changes nothing
        patch = {"lines": [{"product_id": self.p["cheap"], "quantity": 5}]}
        r = self.api_as("clerk", "PATCH", self.org_path(path), patch,
                        headers={"If-Match": etag})
        self.assertError(r, 412, "precondition_failed")
        r = self.call("clerk", "GET", path)
        self.assertEqual(len(r.json["lines"]), 2)
        r = self.api_as("clerk", "PATCH", self.org_path(path), patch,
                        headers={"If-Match": r.headers["etag"]})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["total_cents"], 5 * 250)

    # -- status moves --------------------------------------------------------

    def test_moves(self):
        allowed = {("draft", "confirm"): "confirmed",
                   ("confirmed", "ship"): "shipped",
                   ("draft", "cancel"): "cancelled",
                   ("confirmed", "cancel"): "cancelled"}
        paths = {"draft": [], "confirmed": ["confirm"],
                 "shipped": ["confirm", "ship"],
                 "cancelled": ["cancel"]}
        for start, steps in paths.items():
            for verb in ("confirm", "ship", "cancel"):
                with self.subTest(start=start, verb=verb):
                    o = self.order()
                    for s in steps:
                        self.assertEqual(self.move(o, s).status, 200)
                    rid = new_rid(verb)
                    r = self.move(o, verb, rid=rid)
                    want = allowed.get((start, verb))
                    if want is None:
                        err = self.assertError(r, 409, "conflict")
                        self.assertEqual(err["fields"][0]["field"],
                                         "status")
                        self.assertIn(start, err["message"])
                        got = self.call("manager", "GET", "/orders/%d" %
                                        o["id"]).json["status"]
                        self.assertEqual(got, start)
                        self.assertEqual([
                            e for e in self.audit_rows(self.org_a,
                                                       "order." + verb)
                            if e["request_id"] == rid], [])
                        continue
                    self.assertEqual(r.status, 200, repr(r))
                    self.assertOrder(r.json)
                    self.assertEqual(r.json["status"], want)
                    self.assertEqual((r.json["lines"], r.json["total_cents"],
                                      r.json["created_at"]),
                                     (o["lines"], o["total_cents"],
                                      o["created_at"]))
                    e = self.assertAudited(self.org_a, "order." + verb,
                                           o["id"], "manager", rid)
                    self.assertEqual(e["details"]["status"],
                                     {"old": start, "new": want})
                    self.assertEqual(e["details"]["total_cents"],
                                     o["total_cents"])

    def test_concurrent_moves_happen_once(self):
        o = self.order()
        results = []

        def confirm():
            results.append(self.move(o, "confirm", "clerk").status)

        threads = [threading.Thread(target=confirm) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), [200] + [409] * 7, results)
        rows = self.audit_rows(self.org_a, "order.confirm", o["id"])
        self.assertEqual(len([e for e in rows if e["outcome"] ==
                              "success"]), 1, rows)

    # -- roles -------------------------------------------------------------

    def test_roles(self):
        body = {"customer_id": self.cust,
                "lines": [{"product_id": self.p["cheap"], "quantity": 1}]}
        # the viewer reads only
        self.assertError(self.call("viewer", "POST", "/orders", body), 403,
                         "forbidden")
        o = self.order(who="clerk")
        path = "/orders/%d" % o["id"]
        self.assertEqual(self.call("viewer", "GET", path).status, 200)
        self.assertEqual(self.call("viewer", "GET", "/orders").status, 200)
        for method, sub, b in (("PATCH", "", {"customer_id": self.cust2}),
                               ("DELETE", "", None), ("POST", "/confirm",
                                                      None),
                               ("POST", "/ship", None),
                               ("POST", "/cancel", None)):
            with self.subTest(who="viewer", method=method, sub=sub):
                self.assertError(self.call("viewer", method, path + sub, b),
                                 403, "forbidden")
        # the clerk creates, changes and confirms, but neither deletes,
        # ships nor cancels
        self.assertEqual(self.call("clerk", "PATCH", path,
                                   {"customer_id": self.cust2}).status, 200)
        self.assertError(self.call("clerk", "DELETE", path), 403,
                         "forbidden")
        self.assertError(self.call("clerk", "POST", path + "/cancel"), 403,
                         "forbidden")
        self.assertEqual(self.call("clerk", "POST", path +
                                   "/confirm").status, 200)
        err = self.assertError(self.call("clerk", "POST", path + "/ship"),
                               403, "forbidden")
        self.assertIn("order:ship", err["message"])
        self.assertError(self.call("clerk", "POST", path + "/cancel"), 403,
                         "forbidden")
        # the policy answers before the status is looked at
        self.assertError(self.call("clerk", "POST", path + "/confirm"), 409,
                         "conflict")
        self.assertEqual(self.call("clerk", "GET", path).json["status"],
                         "confirmed")
        # the manager holds order:*
        self.assertEqual(self.call("manager", "POST", path +
                                   "/ship").status, 200)
        d = self.order(who="manager")
        self.assertEqual(self.call("manager", "POST", "/orders/%d/cancel" %
                                   d["id"]).status, 200)
        d = self.order(who="manager")
        self.assertEqual(self.call("manager", "DELETE", "/orders/%d" %
                                   d["id"]).status, 204)
        # the refusals are in the audit log
        rows = [e for e in self.audit_rows(self.org_a, "order:ship") +
                self.audit_rows(self.org_a, "order.ship")
                if e["outcome"] == "denied"]
        self.assertTrue(rows)
        self.assertEqual(rows[0]["actor_id"], self.ids["clerk"])

    # -- organizations -----------------------------------------------------

    def test_other_organization(self):
        o = self.order()
        path = "/orders/%d" % o["id"]
        calls = (("GET", "", None), ("PATCH", "", {"customer_id":
                                                   self.cust_b}),
                 ("DELETE", "", None), ("POST", "/confirm", None),
                 ("POST", "/ship", None), ("POST", "/cancel", None))
        # a manager of B asking under B: there is no such order there
        for method, sub, body in calls:
            with self.subTest(method=method, sub=sub):
                r = self.call("outsider", method, path + sub, body,
                              org=self.org_b)
                self.assertError(r, 404, "not_found")
        # under A, where the outsider is no member
        for method, sub, body in calls:
            with self.subTest(method=method, sub=sub, org="A"):
                r = self.call("outsider", method, path + sub, body)
                self.assertError(r, 403, "forbidden")
        self.assertError(self.call("outsider", "GET", "/orders"), 403,
                         "forbidden")
        self.assertError(self.call("outsider", "POST", "/orders", {
            "customer_id": self.cust_b,
            "lines": [{"product_id": self.p["b"], "quantity": 1}]}), 403,
            "forbidden")
        self.assertEqual(self.call("manager", "GET", path).json, o)
        # B's own orders work with B's products and customers only
        r = self.call("outsider", "POST", "/orders", {
            "customer_id": self.cust_b,
            "lines": [{"product_id": self.p["b"], "quantity": 2}]},
            org=self.org_b)
        self.assertEqual(r.status, 201, repr(r))
        self.assertEqual(r.json["total_cents"], 222)
        self.assertError(self.call("manager", "GET", "/orders/%d" %
                                   r.json["id"]), 404, "not_found")

    # -- policies ----------------------------------------------------------

    def test_order_approval_policy(self):
        org = self.make_org("Approvals")
        for who in ("clerk", "manager"):
            self.set_member(org, who, who)
        pid = self.make_product(org, 1000000)     # 10 000.00
        cid = self.make_customer(org, "Big Buyer")
        self.set_policy(org, APPROVAL_POLICY)
        small = self.order([(pid, 1)], who="clerk", org=org, customer=cid)
        r = self.call("clerk", "PATCH", "/orders/%d" % small["id"],
                      {"lines": [{"product_id": pid, "quantity": 1}]},
                      org=org)
        self.assertEqual(r.status, 200, repr(r))
        large = self.order([(pid, 2)], who="clerk", org=org, customer=cid)
        self.assertEqual(large["total_cents"], 2000000)
        # the clerk may not confirm 20 000.00
        rid = new_rid("approval")
        r = self.move(large, "confirm", "clerk", org, rid=rid)
        err = self.assertError(r, 403, "forbidden")
        self.assertEqual(err["message"],
                         "orders over 10 000.00 need a manager")
        self.assertEqual(self.call("clerk", "GET", "/orders/%d" %
                                   large["id"], org=org).json["status"],
                         "draft")
        denied = [e for e in self.audit_rows(org, "order:confirm") +
                  self.audit_rows(org, "order.confirm")
                  if e["request_id"] == rid]
        self.assertEqual(len(denied), 1, denied)
        self.assertEqual((denied[0]["outcome"], denied[0]["actor_id"],
                          denied[0]["org_id"]),
                         ("denied", self.ids["clerk"], org))
        # ... but 10 000.00 exactly (not over it)
        r = self.move(small, "confirm", "clerk", org)
        self.assertEqual(r.status, 200, repr(r))
        # a 100.00 order, too
        pid2 = self.make_product(org, 10000)
        hundred = self.order([(pid2, 1)], who="clerk", org=org, customer=cid)
        r = self.move(hundred, "confirm", "clerk", org)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["status"], "confirmed")
        # the manager confirms the large one
        rid = new_rid("approved")
        r = self.move(large, "confirm", "manager", org, rid=rid)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["status"], "confirmed")
        self.assertAudited(org, "order.confirm", large["id"], "manager", rid)
        # the rule is the organization's: in A the clerk confirms as much
        o = self.order([("dear", 100)])
        self.assertEqual(o["total_cents"], 10000000)
        self.assertEqual(self.move(o, "confirm", "clerk").status, 200)

    def test_policy_sees_the_order(self):
        org = self.make_org("Inspect")
        pid = self.make_product(org, 1234)
        cid = self.make_customer(org, "Seen")
        o = self.order([(pid, 3), (pid, 1)], who="admin", org=org,
                       customer=cid)
        self.set_policy(org, """
function allow(subject, action, resource, context)
  if action == "order:cancel" then
    return false, string.format("%s %s %s %d %d %d %d %s", resource.type,
      resource.status, resource.currency, resource.total_cents,
      resource.customer_id, #resource.lines, resource.lines[1].quantity,
      tostring(resource.id == ORDER_ID))
  end
  return base.allow(subject, action, resource, context)
end
""".replace("ORDER_ID", str(o["id"])))
        r = self.move(o, "cancel", "admin", org)
        err = self.assertError(r, 403, "forbidden")
        self.assertEqual(err["message"], "order draft EUR %d %d 2 3 true" % (
            4 * 1234, cid))


if __name__ == "__main__":
    unittest.main()
