"""docs/modules.md (v4, ABI 2): a declared resource served by the host,
seen from outside with the tickets fixture (tickets/tickets.c) next to the
shipped products: list with ?q=, filters and ?sort= (unknown parameters
422), ETag on every record answer and If-Match (412), the policy's
decision on the would-be record with context.before and context.changed,
computed fields refused from bodies and filled by the compute hook,
references checked in the organization, transitions with their own
permission (409 from another state), the check hook inside the
transaction (its side effect rolled back with a refusal) and the audit
entries with old and new values."""

import os
import unittest

from harness import ServerTestCase
from erpd_testkit import OrgFixture, new_rid, new_sku
from test_loader import SHIPPED, fixture, products_so


def shipped(name):
    return os.path.join(SHIPPED, name + ".so")


class ResourcesTest(OrgFixture, ServerTestCase):

    modules = [products_so(), shipped("customers"), shipped("orders"),
               fixture("tickets"), fixture("ticket_watch"),
               fixture("abi_2_0")]

    def ticket(self, org=None, **fields):
        body = {"title": "Printer jams"}
        body.update(fields)
        r = self.call("admin", "POST", "/tickets", body, org=org)
        self.assertEqual(r.status, 201, repr(r))
        return r.json

    def test_create_defaults_and_compute(self):
        rid = new_rid("create")
        r = self.call("admin", "POST", "/tickets", {"title": "A"}, rid=rid)
        self.assertEqual(r.status, 201, repr(r))
        t = r.json
        self.assertEqual((t["title"], t["priority"], t["status"],
                          t["score"], t["product_id"]),
                         ("A", 3, "open", 30, None))
        self.assertRegex(r.headers["etag"], r'^"[0-9a-f]{24}"$')
        e = self.assertAudited(self.org_a, "ticket.create", t["id"],
                               "admin", rid)
        self.assertEqual(e["details"], {"title": "A", "priority": 3,
                                        "status": "open", "score": 30})
        g = self.call("admin", "GET", "/tickets/%d" % t["id"])
        self.assertEqual(g.json, t)
        self.assertEqual(g.headers["etag"], r.headers["etag"])

    def test_computed_and_unknown_fields_refused(self):
        for body in ({"title": "x", "status": "closed"},
                     {"title": "x", "score": 1}, {"title": "x", "id": 3},
                     {"title": "x", "colour": "red"}):
            with self.subTest(body=body):
                r = self.call("admin", "POST", "/tickets", body)
                self.assertError(r, 422, "validation_failed")

    def test_bounds_and_types(self):
        for body, field in (({"title": ""}, "title"),
                            ({"title": "x", "priority": 6}, "priority"),
                            ({"title": "x", "priority": 2.5}, "priority"),
                            ({"title": "x" * 101}, "title"), ({}, "title")):
            with self.subTest(body=body):
                r = self.call("admin", "POST", "/tickets", body)
                err = self.assertError(r, 422, "validation_failed")
                self.assertEqual(err["fields"][0]["field"], field, err)

    def test_reference_stays_in_the_organization(self):
        r = self.call("admin", "POST", "/products", {
            "sku": new_sku(), "name": "B's", "price_cents": 1},
            org=self.org_b)
        self.assertEqual(r.status, 201, repr(r))
        r = self.call("admin", "POST", "/tickets", {
            "title": "x", "product_id": r.json["id"]})
        err = self.assertError(r, 422, "validation_failed")
        self.assertEqual(err["fields"][0]["field"], "product_id")
        p = self.call("admin", "POST", "/products", {
            "sku": new_sku(), "name": "A's", "price_cents": 1}).json
        t = self.ticket(product_id=p["id"])
        self.assertEqual(t["product_id"], p["id"])

    def test_meta_names_the_declared_list(self):
        # GET /tickets-log (ticket:read too) is no list of tickets
        m = self.call("viewer", "GET", "/meta")
        self.assertEqual(m.status, 200, repr(m))
        t = m.json["resources"]["ticket"]
        self.assertEqual((t["path"], t["label"]), ("/tickets", "Tickets"))
        self.assertEqual(t["fields"]["product_id"]["ref"], "product")

    def test_list_filter_sort_search(self):
        org = self.make_org("Tickets")
        made = [self.ticket(org, title=t, priority=p) for t, p in
                (("Beta", 2), ("alpha", 5), ("Gamma", 2), ("delta", 1))]
        ids = [t["id"] for t in made]

        def listed(qs):
            r = self.call("admin", "GET", "/tickets" + qs, org=org)
            self.assertEqual(r.status, 200, repr(r))
            return [t["id"] for t in r.json["items"]], r.json["total"]

        self.assertEqual(listed(""), (ids, 4))
        self.assertEqual(listed("?sort=title")[0],
                         [ids[1], ids[0], ids[3], ids[2]])
        self.assertEqual(listed("?sort=-priority")[0],
                         [ids[1], ids[2], ids[0], ids[3]])
        self.assertEqual(listed("?sort=priority&limit=2&offset=1"),
                         ([ids[0], ids[2]], 4))
        self.assertEqual(listed("?priority=2"), ([ids[0], ids[2]], 2))
        self.assertEqual(listed("?priority=2&q=GAM"), ([ids[2]], 1))
        self.assertEqual(listed("?status=open&sort=-score")[0][0], ids[1])
        self.assertEqual(listed("?q=%25"), ([], 0))  # % is no wildcard
        for qs, field in (("?colour=red", "colour"), ("?sort=colour", "sort"),
                          ("?sort=-title&title=x", "title"),
                          ("?priority=high", "priority"),
                          ("?status=lost", "status"), ("?q=" + "x" * 201, "q"),
                          ("?limit=501", "limit")):
            with self.subTest(qs=qs):
                r = self.call("admin", "GET", "/tickets" + qs, org=org)
                err = self.assertError(r, 422, "validation_failed")
                self.assertEqual(err["fields"][0]["field"], field, err)

    def test_if_match(self):
        t = self.ticket()
        path = "/api/v1/orgs/%d/tickets/%d" % (self.org_a, t["id"])
        etag = self.call("admin", "GET", "/tickets/%d" % t["id"]) \
            .headers["etag"]
        stale = '"000000000000000000000000"'
        for method, suffix, body in (("PATCH", "", {"title": "B"}),
                                     ("POST", "/start", None),
                                     ("DELETE", "", None)):
            with self.subTest(method=method, suffix=suffix):
                r = self.server.api(method, path + suffix, body,
                                    token=self.admin_token,
                                    headers={"If-Match": stale})
                self.assertError(r, 412, "precondition_failed")
        r = self.server.api("PATCH", path, {"title": "B"},
                            token=self.admin_token,
                            headers={"If-Match": stale + ", " + etag})
        self.assertEqual(r.status, 200, repr(r))
        self.assertNotEqual(r.headers["etag"], etag)
        # the old tag no longer matches; "*" always does
        r = self.server.api("DELETE", path, token=self.admin_token,
                            headers={"If-Match": etag})
        self.assertError(r, 412, "precondition_failed")
        r = self.server.api("DELETE", path, token=self.admin_token,
                            headers={"If-Match": "*"})
        self.assertEqual(r.status, 204, repr(r))

    def test_update_audits_old_and_new(self):
        t = self.ticket(priority=2)
        rid = new_rid("update")
        r = self.call("admin", "PATCH", "/tickets/%d" % t["id"],
                      {"priority": 4, "title": t["title"]}, rid=rid)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual((r.json["priority"], r.json["score"]), (4, 40))
        e = self.assertAudited(self.org_a, "ticket.update", t["id"],
                               "admin", rid)
        self.assertEqual(e["details"], {
            "priority": {"old": 2, "new": 4},
            "score": {"old": 20, "new": 40}})

    def test_transitions(self):
        t = self.ticket()
        r = self.call("admin", "POST", "/tickets/%d/start" % t["id"])
        self.assertEqual((r.status, r.json["status"]), (200, "working"))
        self.assertIn("etag", r.headers)
        r = self.call("admin", "POST", "/tickets/%d/start" % t["id"])
        err = self.assertError(r, 409, "conflict")
        self.assertEqual(err["message"],
                         "cannot start a ticket that is working")
        rid = new_rid("close")
        r = self.call("admin", "POST", "/tickets/%d/close" % t["id"],
                      rid=rid)
        self.assertEqual((r.status, r.json["status"]), (200, "closed"))
        e = self.assertAudited(self.org_a, "ticket.close", t["id"],
                               "admin", rid)
        self.assertEqual(e["details"], {"status": {"old": "working",
                                                   "new": "closed"}})
        # a transition is its own permission: managers hold none of ticket:*
        t = self.ticket()
        r = self.call("manager", "POST", "/tickets/%d/close" % t["id"])
        self.assertError(r, 403, "forbidden")

    def test_committed_events_and_imports(self):
        org = self.make_org("Events")
        closed = self.ticket(org, title="to close")
        locked = self.ticket(org, title="locked")
        r = self.call("admin", "POST", "/tickets/%d/close" % closed["id"],
                      org=org)
        self.assertEqual(r.status, 200, repr(r))
        # refused and rolled back: nothing to hear
        r = self.call("admin", "POST", "/tickets/%d/close" % locked["id"],
                      org=org)
        self.assertError(r, 409, "conflict")
        self.call("admin", "POST", "/tickets/%d/start" % locked["id"],
                  org=org)
        r = self.call("admin", "GET", "/watch", org=org)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json, {"heard": ["to close"], "title_max": 100})
        # a custom route's event: orders emits order.confirmed
        c = self.call("admin", "POST", "/customers", {"name": "C"},
                      org=org).json
        p = self.call("admin", "POST", "/products", {
            "sku": new_sku(), "name": "P", "price_cents": 5}, org=org).json
        o = self.call("admin", "POST", "/orders", {
            "customer_id": c["id"], "lines": [
                {"product_id": p["id"], "quantity": 2}]}, org=org).json
        r = self.call("admin", "POST", "/orders/%d/confirm" % o["id"],
                      org=org)
        self.assertEqual(r.status, 200, repr(r))
        r = self.call("admin", "GET", "/watch", org=org)
        self.assertEqual(r.json["heard"], ["to close", "order %d" % o["id"]])

    def test_a_2_0_descriptor_is_read_to_its_size(self):
        # abi_2_0 keeps, past its 2.0 size, a tx subscriber that refuses
        # every confirmation: a host that read it would answer 409
        org = self.make_org("Legacy")
        c = self.call("admin", "POST", "/customers", {"name": "C"},
                      org=org).json
        p = self.call("admin", "POST", "/products", {
            "sku": new_sku(), "name": "P", "price_cents": 5}, org=org).json
        o = self.call("admin", "POST", "/orders", {
            "customer_id": c["id"], "lines": [
                {"product_id": p["id"], "quantity": 1}]}, org=org).json
        r = self.call("admin", "POST", "/orders/%d/confirm" % o["id"],
                      org=org)
        self.assertEqual((r.status, r.json["status"]), (200, "confirmed"),
                         repr(r))
        r = self.server.api("GET", "/api/v1/modules",
                            token=self.tokens["viewer"])
        self.assertIn({"name": "abi_2_0", "version": "1.0.0", "abi": "2.0"},
                      r.json["items"])

    def test_check_hook_runs_in_the_transaction(self):
        org = self.make_org("Checks")
        t = self.ticket(org, title="locked")
        r = self.call("admin", "POST", "/tickets/%d/close" % t["id"],
                      org=org)
        err = self.assertError(r, 409, "conflict")
        self.assertEqual(err["fields"][0]["field"], "title")
        r = self.call("admin", "GET", "/tickets/%d" % t["id"], org=org)
        self.assertEqual(r.json["status"], "open")
        # the refused close's log row went with its rollback
        r = self.call("admin", "GET", "/tickets-log", org=org)
        self.assertEqual(r.json, ["create"])
        r = self.call("admin", "DELETE", "/tickets/%d" % t["id"], org=org)
        self.assertEqual(r.status, 204, repr(r))
        r = self.call("admin", "GET", "/tickets-log", org=org)
        self.assertEqual(r.json, ["create", "delete"])

    def test_policy_decides_on_the_would_be_record(self):
        org = self.make_org("Guarded")
        self.set_policy(org, """
roles = { manager = { "ticket:*" } }
function allow(subject, action, resource, context)
  if action == "ticket:create" and resource.score > 40 and
      subject.role ~= "admin" then
    return false, "score " .. resource.score .. " needs an admin"
  end
  if action == "ticket:update" then
    local names = table.concat(context.changed, ",")
    if context.before.priority == 5 and resource.priority ~= 5 then
      return false, "was " .. context.before.priority .. ", changes " ..
        names .. ", would be " .. resource.priority
    end
  end
  return base.allow(subject, action, resource, context)
end
""")
        self.set_member(org, "manager", "manager")
        r = self.call("manager", "POST", "/tickets",
                      {"title": "hot", "priority": 5}, org=org)
        err = self.assertError(r, 403, "forbidden")
        self.assertEqual(err["message"], "score 50 needs an admin")
        r = self.call("manager", "POST", "/tickets",
                      {"title": "warm", "priority": 4}, org=org)
        self.assertEqual(r.status, 201, repr(r))
        hot = self.ticket(org, title="hot", priority=5)
        r = self.call("manager", "PATCH", "/tickets/%d" % hot["id"],
                      {"priority": 1}, org=org)
        err = self.assertError(r, 403, "forbidden")
        self.assertEqual(err["message"],
                         "was 5, changes priority, would be 1")
        r = self.call("manager", "PATCH", "/tickets/%d" % hot["id"],
                      {"title": "still hot"}, org=org)
        self.assertEqual(r.status, 200, repr(r))

    def test_other_organization(self):
        t = self.ticket()
        for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""),
                               ("POST", "/start")):
            with self.subTest(method=method):
                r = self.call("admin", method, "/tickets/%d%s" % (
                    t["id"], suffix), {"title": "x"} if method == "PATCH"
                    else None, org=self.org_b)
                self.assertError(r, 404, "not_found")


if __name__ == "__main__":
    unittest.main()
