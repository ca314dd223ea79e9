"""docs/policies.md (v4): redact, fields of a record left out of every
answer to a subject: single reads, lists and the record echoed after a
create or an update; a rule that fails withholds the answer."""

import unittest

from harness import ServerTestCase
from test_policy import PolicyCase

HIDDEN_PRICES = """\
roles = {
  warehouse = { "product:read", "product:create", "product:update" },
}
redact = {
  product = function(subject, record)
    if subject.role == "warehouse" then
      return { "price_cents", "currency" }
    end
    if record.sku == "SECRET-1" then return { "description" } end
    return {}
  end,
}
"""


class PolicyRedactTest(PolicyCase, ServerTestCase):

    def products(self, method, org, who, path="", body=None):
        return self.server.api(method, "/api/v1/orgs/%d/products%s" % (
            org, path), body, token=self.tok(who))

    def setUp(self):
        self.org = self.new_org()
        r = self.products("POST", self.org, "alice", body={
            "sku": "SECRET-1", "name": "Thing", "price_cents": 1234,
            "description": "only for some"})
        self.assertEqual(r.status, 201, repr(r))
        self.pid = r.json["id"]
        self.put_ok(self.org, HIDDEN_PRICES)
        self.set_role(self.org, "carl", "warehouse")

    def test_hidden_in_reads_and_lists(self):
        r = self.products("GET", self.org, "carl", "/%d" % self.pid)
        self.assertEqual(r.status, 200, repr(r))
        self.assertNotIn("price_cents", r.json)
        self.assertNotIn("currency", r.json)
        self.assertEqual(r.json["sku"], "SECRET-1")
        self.assertNotIn(b"1234", r.body)
        r = self.products("GET", self.org, "carl")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(len(r.json["items"]), 1)
        self.assertNotIn("price_cents", r.json["items"][0])
        self.assertEqual(r.json["total"], 1)
        # the record decides too: another subject, another field
        r = self.products("GET", self.org, "victor", "/%d" % self.pid)
        self.assertEqual(r.json["price_cents"], 1234)
        self.assertNotIn("description", r.json)
        self.assertNotIn("description", self.products(
            "GET", self.org, "victor").json["items"][0])

    def test_hidden_in_the_record_echoed_after_writes(self):
        r = self.products("POST", self.org, "carl", body={
            "sku": "BOX-1", "name": "Box", "price_cents": 999})
        self.assertEqual(r.status, 201, repr(r))
        self.assertNotIn("price_cents", r.json)
        self.assertNotIn(b"999", r.body)
        r = self.products("PATCH", self.org, "carl", "/%d" % r.json["id"],
                          {"name": "Big box"})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["name"], "Big box")
        self.assertNotIn("price_cents", r.json)
        # the price is stored all the same
        r = self.products("GET", self.org, "alice", "/%d" % r.json["id"])
        self.assertEqual(r.json["price_cents"], 999)

    def test_other_types_untouched(self):
        r = self.server.api("POST", "/api/v1/orgs/%d/customers" % self.org,
                            {"name": "ACME", "email": "a@acme.test"},
                            token=self.tok("mona"))
        self.assertEqual(r.status, 201, repr(r))
        self.assertEqual(r.json["email"], "a@acme.test")

    def test_meta_lists_the_redacted_fields(self):
        def redacted(who):
            r = self.server.api("GET", "/api/v1/orgs/%d/meta" % self.org,
                                token=self.tok(who))
            self.assertEqual(r.status, 200, repr(r))
            return r.json["resources"]

        res = redacted("carl")
        self.assertEqual(res["product"]["redacted"],
                         ["price_cents", "currency"])
        self.assertEqual(res["customer"]["redacted"], [])
        self.assertEqual(redacted("victor")["product"]["redacted"], [])

    def test_failing_rule_withholds_the_answer(self):
        self.put_ok(self.org, HIDDEN_PRICES.replace(
            'return { "price_cents", "currency" }',
            'return "price_cents"'))
        for path in ("", "/%d" % self.pid):
            with self.subTest(path=path):
                r = self.products("GET", self.org, "carl", path)
                self.assertError(r, 403, "forbidden")
                self.assertNotIn(b"1234", r.body)
        # a write whose echo cannot be redacted does not happen
        r = self.products("PATCH", self.org, "carl", "/%d" % self.pid,
                          {"name": "Changed"})
        self.assertError(r, 403, "forbidden")
        r = self.products("GET", self.org, "alice", "/%d" % self.pid)
        self.assertEqual(r.json["name"], "Thing")

    def test_redact_entries_must_be_functions(self):
        r = self.put_policy(self.org, "redact = { product = { 'price_cents' } }\n")
        err = self.assertInvalid(r, "redact.product must be a function")
        self.assertEqual(self.get_policy(self.org).json["version"], 1)
        self.assertIn("policy", err["message"])


if __name__ == "__main__":
    unittest.main()
