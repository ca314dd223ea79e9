"""docs/api.md (v4): each permission denial is its own audit entry
naming the record the request did and the policy version that decided;
both audit listings filter by until, outcome, request_id, resource_type
and resource_id, and an unknown parameter is 422 naming it."""

import time
import unittest
import urllib.parse

from harness import ServerTestCase
from erpd_testkit import OrgFixture, new_rid, new_sku

SYSTEM_AUDIT = "/api/v1/audit"


class AuditFiltersTest(OrgFixture, ServerTestCase):

    def org_audit(self, **params):
        return self.call("admin", "GET", "/audit?" +
                         urllib.parse.urlencode(params))

    def items(self, r):
        self.assertEqual(r.status, 200, repr(r))
        return r.json["items"]

    def product(self):
        r = self.call("admin", "POST", "/products", {
            "sku": new_sku(), "name": "Audited", "price_cents": 5})
        self.assertEqual(r.status, 201, repr(r))
        return r.json["id"]

    def test_every_denial_names_its_record_and_version(self):
        pid = self.product()
        version = self.call("admin", "GET", "/policy").json["version"]
        rids = [new_rid("del") for _ in range(3)]
        for rid in rids:
            r = self.call("viewer", "DELETE", "/products/%d" % pid, rid=rid)
            self.assertError(r, 403, "forbidden")
        rows = self.items(self.org_audit(
            resource_type="product", resource_id=pid, outcome="denied"))
        self.assertEqual([e["request_id"] for e in rows], rids[::-1])
        for e in rows:
            self.assertEqual(e["action"], "product.delete")
            self.assertEqual(e["actor_id"], self.ids["viewer"])
            self.assertEqual(e["resource_id"], str(pid))
            self.assertEqual(e["details"]["version"], version)
            self.assertTrue(e["details"]["reason"])
        # a denial on a list names no record
        rid = new_rid("list")
        self.assertError(self.call("viewer", "GET", "/audit", rid=rid), 403,
                         "forbidden")
        e, = self.items(self.org_audit(request_id=rid))
        self.assertIsNone(e["resource_type"])
        self.assertIsNone(e["resource_id"])
        self.assertEqual(e["outcome"], "denied")

    def test_filters(self):
        pid = self.product()
        rid = new_rid("patch")
        r = self.call("admin", "PATCH", "/products/%d" % pid,
                      {"name": "Renamed"}, rid=rid)
        self.assertEqual(r.status, 200, repr(r))
        e, = self.items(self.org_audit(request_id=rid))
        self.assertEqual(e["action"], "product.update")
        got = self.items(self.org_audit(resource_type="product",
                                        resource_id=pid, outcome="success"))
        self.assertEqual({x["action"] for x in got},
                         {"product.create", "product.update"})
        self.assertEqual(self.items(self.org_audit(
            resource_id=pid, outcome="failure")), [])
        # until: nothing after it; since..until brackets the entry
        self.assertEqual(self.items(self.org_audit(
            request_id=rid, until="2000-01-01T00:00:00Z")), [])
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 5))
        self.assertEqual(len(self.items(self.org_audit(
            request_id=rid, since=e["ts"], until=now))), 1)
        self.assertEqual(len(self.items(self.org_audit(
            request_id=rid, until=e["ts"]))), 1)
        # the system log takes the same filters
        sys_rows = self.items(self.server.api(
            "GET", SYSTEM_AUDIT + "?outcome=success&resource_type=org",
            token=self.admin_token))
        self.assertTrue(sys_rows)
        self.assertTrue(all(x["resource_type"] == "org" and
                            x["outcome"] == "success" for x in sys_rows))

    def test_unknown_and_bad_parameters(self):
        for path in ("/api/v1/orgs/%d/audit" % self.org_a, SYSTEM_AUDIT):
            with self.subTest(path=path):
                for query, field in (("actor=3", "actor"),
                                     ("limit=5&Action=x", "Action"),
                                     ("outcome=ok", "outcome"),
                                     ("until=yesterday", "until"),
                                     ("resource_id=" + "9" * 200,
                                      "resource_id")):
                    r = self.server.api("GET", path + "?" + query,
                                        token=self.admin_token)
                    self.assertFields(r, {field: None})


if __name__ == "__main__":
    unittest.main()
