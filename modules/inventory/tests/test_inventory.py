"""modules/inventory on the test kit: stock per product, moves with
reasons and their signs, "not enough stock" as a 409 naming the move's
quantity or the reservation's line, reservations that ship (moves out)
or are released, the list of moves, each role's rights, organizations
kept apart, and the orders module's confirmations, shipments and
cancellations reserving, moving and releasing stock in their own
transaction."""

import unittest

from erpd_testkit import OrgFixture, ServerTestCase, new_rid, new_sku

STOCK_KEYS = {"product_id", "on_hand", "reserved", "available"}
MOVE_KEYS = {"id", "product_id", "quantity", "reason", "reference", "note",
             "on_hand_after", "created_by", "created_at"}


class InventoryTest(OrgFixture, ServerTestCase):

    def product(self, org=None):
        who = "manager" if org is None else "outsider"
        r = self.call(who, "POST", "/products", {
            "sku": new_sku("INV"), "name": "Bolt", "price_cents": 10},
            org=org)
        self.assertEqual(r.status, 201, repr(r))
        return r.json["id"]

    def move(self, pid, qty, reason="receipt", who="clerk", status=201,
             **extra):
        body = {"product_id": pid, "quantity": qty, "reason": reason}
        body.update(extra)
        r = self.call(who, "POST", "/stock/moves", body)
        self.assertEqual(r.status, status, repr(r))
        return r

    def stock(self, pid, who="viewer"):
        r = self.call(who, "GET", "/stock/%d" % pid)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(set(r.json), STOCK_KEYS, r.json)
        return (r.json["on_hand"], r.json["reserved"], r.json["available"])

    def assertConflict(self, r, field):
        """A 409 naming field; returns the error."""
        err = self.assertFields(r, {field: None}, 409, "conflict")
        self.assertEqual(err["message"], err["fields"][0]["message"])
        return err

    def reserve(self, ref, lines, who="clerk"):
        return self.call(who, "POST", "/reservations", {
            "reference": ref,
            "lines": [{"product_id": p, "quantity": q} for p, q in lines]})

    # -- stock and moves ---------------------------------------------------

    def test_receipt_moves_stock_and_is_audited(self):
        pid = self.product()
        self.assertEqual(self.stock(pid), (0, 0, 0))
        rid = new_rid("receipt")
        r = self.call("clerk", "POST", "/stock/moves", {
            "product_id": pid, "quantity": 10, "reason": "receipt",
            "reference": "PO-7", "note": "first delivery"}, rid=rid)
        self.assertEqual(r.status, 201, repr(r))
        m = r.json
        self.assertEqual(set(m), MOVE_KEYS, m)
        self.assertEqual((m["product_id"], m["quantity"], m["reason"],
                          m["reference"], m["note"], m["on_hand_after"],
                          m["created_by"]),
                         (pid, 10, "receipt", "PO-7", "first delivery", 10,
                          self.ids["clerk"]))
        self.assertEqual(self.stock(pid), (10, 0, 10))
        e = self.assertAudited(self.org_a, "stock.move", m["id"], "clerk",
                               rid)
        self.assertEqual(e["resource_type"], "stock_move")
        self.move(pid, -3, "scrap")
        self.move(pid, -2, "adjustment")
        self.assertEqual(self.stock(pid), (5, 0, 5))

    def test_reason_and_sign_rules(self):
        pid = self.product()
        self.move(pid, 5)
        cases = [
            ({"quantity": -1, "reason": "receipt"}, "quantity"),
            ({"quantity": 1, "reason": "scrap"}, "quantity"),
            ({"quantity": 0, "reason": "adjustment"}, "quantity"),
            ({"quantity": 1, "reason": "shipment"}, "reason"),
            ({"quantity": 1, "reason": "gift"}, "reason"),
            ({"quantity": 1000001, "reason": "receipt"}, "quantity"),
            ({"quantity": 1, "reason": "receipt", "reference": "a b"},
             "reference"),
            ({"quantity": 1, "reason": "receipt", "on_hand": 9}, "on_hand"),
        ]
        for extra, field in cases:
            with self.subTest(body=extra):
                body = {"product_id": pid}
                body.update(extra)
                r = self.call("clerk", "POST", "/stock/moves", body)
                self.assertFields(r, {field: None})
        r = self.call("clerk", "POST", "/stock/moves", {
            "product_id": 999999, "quantity": 1, "reason": "receipt"})
        self.assertFields(r, {"product_id": None})
        self.assertEqual(self.stock(pid), (5, 0, 5))

    def test_not_enough_stock_for_a_move(self):
        pid = self.product()
        self.move(pid, 5)
        r = self.move(pid, -6, "scrap", status=409)
        err = self.assertConflict(r, "quantity")
        self.assertIn("5 available", err["message"])
        self.assertEqual(self.stock(pid), (5, 0, 5))

    def test_stock_of_unknown_or_foreign_products(self):
        foreign = self.product(org=self.org_b)
        for pid in ("999999", "0", "abc", str(foreign)):
            with self.subTest(id=pid):
                r = self.call("viewer", "GET", "/stock/" + pid)
                self.assertError(r, 404, "not_found")
        r = self.call("clerk", "POST", "/stock/moves", {
            "product_id": foreign, "quantity": 1, "reason": "receipt"})
        self.assertFields(r, {"product_id": None})

    def test_list_stock_and_moves(self):
        p1, p2 = self.product(), self.product()
        self.move(p1, 4)
        self.move(p2, 9, reference="PO-LIST")
        self.move(p2, -1, "scrap")
        r = self.call("viewer", "GET", "/stock?product_id=%d" % p2)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["total"], 1)
        self.assertEqual(r.json["items"][0]["on_hand"], 8)
        r = self.call("viewer", "GET", "/stock/moves?product_id=%d" % p2)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual([m["quantity"] for m in r.json["items"]], [-1, 9])
        r = self.call("viewer", "GET", "/stock/moves?product_id=%d"
                      "&reason=scrap" % p2)
        self.assertEqual([m["reason"] for m in r.json["items"]], ["scrap"])
        r = self.call("viewer", "GET", "/stock/moves?reference=PO-LIST")
        self.assertEqual([m["product_id"] for m in r.json["items"]], [p2])
        # an undeclared filter is refused, not read as no filter
        for path in ("/stock/moves?product=%d" % p2, "/stock?reason=scrap"):
            with self.subTest(path=path):
                self.assertFields(self.call("viewer", "GET", path),
                                  {path.split("?")[1].split("=")[0]: None})
        r = self.call("viewer", "GET", "/stock/moves?product_id=%d"
                      "&limit=1&offset=1" % p2)
        self.assertEqual((r.json["total"], len(r.json["items"]),
                          r.json["items"][0]["quantity"]), (2, 1, 9))
        for q, field in (("product_id=abc", "product_id"),
                         ("product_id=-1", "product_id"),
                         ("product_id=", "product_id"),
                         ("reason=", "reason"), ("reason=X1", "reason"),
                         ("reference=a%20b", "reference"),
                         ("limit=0", "limit")):
            with self.subTest(query=q):
                r = self.call("viewer", "GET", "/stock/moves?" + q)
                self.assertFields(r, {field: None})

    def test_list_pages_out_of_bounds_are_422(self):
        # the host checks the page of both lists (reply_page)
        for path in ("/stock", "/stock/moves"):
            for q, field in (("limit=0", "limit"), ("limit=501", "limit"),
                             ("offset=-1", "offset")):
                with self.subTest(path=path, query=q):
                    self.assertFields(self.call("viewer", "GET",
                                                path + "?" + q),
                                      {field: None})

    def test_a_product_with_stock_cannot_be_deleted(self):
        pid = self.product()
        self.move(pid, 1)
        r = self.call("manager", "DELETE", "/products/%d" % pid)
        self.assertError(r, 409, "conflict")

    # -- reservations -----------------------------------------------------

    def test_reserve_then_ship(self):
        p1, p2 = self.product(), self.product()
        self.move(p1, 10)
        self.move(p2, 3)
        ref = "order:%s" % new_sku("R")
        r = self.reserve(ref, [(p1, 4), (p2, 3)])
        self.assertEqual(r.status, 201, repr(r))
        self.assertEqual(r.json, {"reference": ref, "lines": [
            {"product_id": p1, "quantity": 4},
            {"product_id": p2, "quantity": 3}]})
        self.assertEqual(self.stock(p1), (10, 4, 6))
        self.assertEqual(self.stock(p2), (3, 3, 0))
        # reserved stock cannot leave by a move either
        err = self.assertError(self.move(p1, -7, "scrap", status=409), 409,
                               "conflict")
        self.assertIn("6 available", err["message"])
        r = self.call("viewer", "GET", "/reservations/" + ref)
        self.assertEqual((r.status, r.json["lines"][0]["quantity"]),
                         (200, 4), repr(r))
        rid = new_rid("ship")
        r = self.call("manager", "POST", "/reservations/%s/ship" % ref,
                      rid=rid)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual([(m["product_id"], m["quantity"], m["reason"],
                           m["reference"], m["on_hand_after"])
                          for m in r.json["moves"]],
                         [(p1, -4, "shipment", ref, 6),
                          (p2, -3, "shipment", ref, 0)])
        self.assertEqual(self.stock(p1), (6, 0, 6))
        self.assertEqual(self.stock(p2), (0, 0, 0))
        rows = [e for e in self.audit_rows(self.org_a, "stock.ship")
                if e["request_id"] == rid]
        self.assertEqual(len(rows), 1, rows)
        r = self.call("viewer", "GET", "/reservations/" + ref)
        self.assertError(r, 404, "not_found")
        r = self.call("manager", "POST", "/reservations/%s/ship" % ref)
        self.assertError(r, 404, "not_found")
        r = self.call("viewer", "GET", "/stock/moves?reference=" + ref)
        self.assertEqual(r.json["total"], 2, r.json)

    def test_not_enough_stock_names_the_line(self):
        p1, p2 = self.product(), self.product()
        self.move(p1, 5)
        self.move(p2, 2)
        r = self.reserve("order:short", [(p1, 2), (p2, 3)])
        err = self.assertConflict(r, "lines[1].quantity")
        self.assertIn("product %d: 2 available, 3 asked" % p2,
                      err["message"])
        # all or nothing: the first line holds nothing
        self.assertEqual(self.stock(p1), (5, 0, 5))
        self.assertError(self.call("viewer", "GET",
                                   "/reservations/order:short"), 404,
                         "not_found")
        # two lines of one product count together
        r = self.reserve("order:twice", [(p1, 3), (p1, 3)])
        err = self.assertConflict(r, "lines[1].quantity")
        r = self.reserve("order:unknown", [(p1, 1), (999999, 1)])
        self.assertFields(r, {"lines[1].product_id": None})

    def test_reference_once(self):
        pid = self.product()
        self.move(pid, 5)
        self.assertEqual(self.reserve("order:once", [(pid, 1)]).status, 201)
        r = self.reserve("order:once", [(pid, 1)])
        self.assertConflict(r, "reference")
        self.assertEqual(self.stock(pid), (5, 1, 4))
        r = self.reserve("order once", [(pid, 1)])
        self.assertFields(r, {"reference": None})

    def test_release_frees_stock_without_moves(self):
        pid = self.product()
        self.move(pid, 5)
        self.assertEqual(self.reserve("order:rel", [(pid, 5)]).status, 201)
        self.assertEqual(self.stock(pid), (5, 5, 0))
        r = self.call("manager", "DELETE", "/reservations/order:rel")
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(self.stock(pid), (5, 0, 5))
        r = self.call("viewer", "GET", "/stock/moves?reference=order:rel")
        self.assertEqual(r.json["total"], 0, r.json)
        r = self.call("manager", "DELETE", "/reservations/order:rel")
        self.assertError(r, 404, "not_found")

    # -- who may do what ---------------------------------------------------

    def test_roles(self):
        pid = self.product()
        self.move(pid, 5)
        self.assertError(self.move(pid, 1, who="viewer", status=403), 403,
                         "forbidden")
        self.assertEqual(self.reserve("order:roles", [(pid, 1)],
                                      who="viewer").status, 403)
        self.assertEqual(self.reserve("order:roles", [(pid, 1)]).status,
                         201)
        for method, path in (("POST", "/reservations/order:roles/ship"),
                             ("DELETE", "/reservations/order:roles")):
            with self.subTest(path=path):
                self.assertError(self.call("clerk", method, path), 403,
                                 "forbidden")
        key = self.api_key(self.org_a, "viewer")
        r = self.call_key(key, "GET", "/stock/%d" % pid)
        self.assertEqual((r.status, r.json["reserved"]), (200, 1), repr(r))
        r = self.call_key(key, "POST", "/stock/moves", {
            "product_id": pid, "quantity": 1, "reason": "receipt"})
        self.assertError(r, 403, "forbidden")

    def test_organizations_kept_apart(self):
        pid = self.product()
        self.move(pid, 5)
        self.assertEqual(self.reserve("order:apart", [(pid, 1)]).status,
                         201)
        # outsider manages B: A's stock and reservations are not there
        r = self.call("outsider", "GET", "/reservations/order:apart",
                      org=self.org_b)
        self.assertError(r, 404, "not_found")
        r = self.call("outsider", "GET", "/stock/%d" % pid, org=self.org_b)
        self.assertError(r, 404, "not_found")
        r = self.call("outsider", "GET", "/stock/moves", org=self.org_b)
        self.assertEqual(r.json["total"], 0, r.json)
        r = self.call("outsider", "GET", "/stock")
        self.assertError(r, 403, "forbidden")
        self.assertUnauthenticated(self.server.api(
            "GET", self.org_path("/stock")))

    # -- orders ------------------------------------------------------------

    def order(self, lines):
        """A draft order of the clerk's (lines as [(product, quantity)])."""
        r = self.call("manager", "POST", "/customers", {"name": "Buyer"})
        self.assertEqual(r.status, 201, repr(r))
        r = self.call("clerk", "POST", "/orders", {
            "customer_id": r.json["id"],
            "lines": [{"product_id": p, "quantity": q} for p, q in lines]})
        self.assertEqual(r.status, 201, repr(r))
        return r.json["id"]

    def order_move(self, oid, verb, who="manager", rid=None):
        return self.call(who, "POST", "/orders/%d/%s" % (oid, verb), rid=rid)

    def test_order_confirm_reserves_and_ship_moves_out(self):
        kept, other = self.product(), self.product()
        self.move(kept, 10)
        # other has no stock row: not kept in stock, its line is passed over
        oid = self.order([(kept, 4), (other, 1)])
        ref = "order:%d" % oid
        rid = new_rid("confirm")
        r = self.order_move(oid, "confirm", "clerk", rid=rid)
        self.assertEqual((r.status, r.json["status"]), (200, "confirmed"),
                         repr(r))
        self.assertEqual(self.stock(kept), (10, 4, 6))
        r = self.call("viewer", "GET", "/reservations/" + ref)
        self.assertEqual(r.json, {"reference": ref, "lines": [
            {"product_id": kept, "quantity": 4}]})
        rows = [e for e in self.audit_rows(self.org_a, "stock.reserve")
                if e["request_id"] == rid]
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0]["details"]["reference"], ref)
        # the order's reservation is the order's: not ended by hand
        for method, path in (("POST", "/reservations/%s/ship" % ref),
                             ("DELETE", "/reservations/" + ref)):
            with self.subTest(path=path):
                self.assertConflict(self.call("manager", method, path),
                                    "reference")
        rid = new_rid("ship")
        r = self.order_move(oid, "ship", rid=rid)
        self.assertEqual((r.status, r.json["status"]), (200, "shipped"),
                         repr(r))
        self.assertEqual(self.stock(kept), (6, 0, 6))
        r = self.call("viewer", "GET", "/stock/moves?reference=" + ref)
        self.assertEqual([(m["product_id"], m["quantity"], m["reason"],
                           m["on_hand_after"], m["created_by"])
                          for m in r.json["items"]],
                         [(kept, -4, "shipment", 6, self.ids["manager"])])
        rows = [e for e in self.audit_rows(self.org_a, "stock.ship")
                if e["request_id"] == rid]
        self.assertEqual(len(rows), 1, rows)
        self.assertError(self.call("viewer", "GET", "/reservations/" + ref),
                         404, "not_found")

    def test_order_short_of_stock_is_refused_naming_the_line(self):
        p1, p2 = self.product(), self.product()
        self.move(p1, 5)
        self.move(p2, 2)
        oid = self.order([(p1, 2), (p2, 3)])
        rid = new_rid("short")
        r = self.order_move(oid, "confirm", "clerk", rid=rid)
        err = self.assertConflict(r, "lines[1].quantity")
        self.assertEqual(err["message"], "not enough stock of product %d: "
                         "2 available, 3 asked" % p2)
        # nothing of the confirmation happened
        r = self.call("viewer", "GET", "/orders/%d" % oid)
        self.assertEqual(r.json["status"], "draft")
        self.assertEqual(self.stock(p1), (5, 0, 5))
        self.assertError(self.call("viewer", "GET",
                                   "/reservations/order:%d" % oid), 404,
                         "not_found")
        self.assertEqual([e for e in self.audit_rows(self.org_a,
                                                     "order.confirm", oid)
                          if e["outcome"] == "success"], [])
        self.assertEqual([e for e in self.audit_rows(self.org_a,
                                                     "stock.reserve")
                          if e["request_id"] == rid], [])
        # lines of one product count together
        twice = self.order([(p1, 3), (p1, 3)])
        self.assertConflict(self.order_move(twice, "confirm", "clerk"),
                            "lines[1].quantity")
        # once the stock is there, the same order confirms
        self.move(p2, 1)
        self.assertEqual(self.order_move(oid, "confirm", "clerk").status,
                         200)
        self.assertEqual(self.stock(p2), (3, 3, 0))

    def test_order_cancel_releases(self):
        pid = self.product()
        self.move(pid, 5)
        oid = self.order([(pid, 5)])
        self.assertEqual(self.order_move(oid, "confirm", "clerk").status,
                         200)
        self.assertEqual(self.stock(pid), (5, 5, 0))
        # reserved stock cannot leave by hand
        self.assertConflict(self.move(pid, -1, "scrap", status=409),
                            "quantity")
        rid = new_rid("cancel")
        r = self.order_move(oid, "cancel", rid=rid)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(self.stock(pid), (5, 0, 5))
        rows = [e for e in self.audit_rows(self.org_a, "stock.release")
                if e["request_id"] == rid]
        self.assertEqual(len(rows), 1, rows)
        r = self.call("viewer", "GET", "/stock/moves?reference=order:%d" %
                      oid)
        self.assertEqual(r.json["total"], 0, r.json)
        # a draft reserved nothing: cancelling it releases nothing
        draft = self.order([(pid, 1)])
        self.assertEqual(self.order_move(draft, "cancel").status, 200)
        self.assertEqual(self.stock(pid), (5, 0, 5))

    def test_order_references_are_not_reserved_by_hand(self):
        pid = self.product()
        self.move(pid, 5)
        r = self.reserve("order:12345", [(pid, 1)])
        self.assertFields(r, {"reference": None})
        self.assertEqual(self.stock(pid), (5, 0, 5))
        # other references that start so are anyone's
        self.assertEqual(self.reserve("order:12345-b", [(pid, 1)]).status,
                         201)


if __name__ == "__main__":
    unittest.main()
