"""docs/policies.md (v4), the policy side of the would-be record: on
create and update `resource` is the record as it would be, with the
stored one in context.before (update) and the names the body sets in
context.changed, so a rule can judge what a request would do."""

import unittest

from harness import ServerTestCase
from test_policy import PolicyCase

# Prices rise by at most 10 % at a time; a new product starts under 100.00;
# the rule reports what it saw, so the test reads it back from the 403.
PRICE_STEPS = """\
function allow(subject, action, resource, context)
  if action == "product:update" and context.before ~= nil
      and resource.price_cents > context.before.price_cents * 1.1 then
    return false, "up " .. context.before.price_cents .. " -> " ..
      resource.price_cents .. " changing " ..
      table.concat(context.changed, ",")
  end
  if action == "product:create" and context.before == nil
      and resource.price_cents >= 10000 then
    return false, "new at " .. resource.price_cents .. " setting " ..
      #context.changed .. " fields"
  end
  return base.allow(subject, action, resource, context)
end
"""


class PolicyWouldBeTest(PolicyCase, ServerTestCase):

    def api(self, method, org, path, body=None, who="alice"):
        return self.server.api(method, "/api/v1/orgs/%d%s" % (org, path),
                               body, token=self.tok(who))

    def test_update_judged_on_the_record_it_would_leave(self):
        org = self.new_org()
        r = self.api("POST", org, "/products", {"sku": "STEP-1",
                                                "name": "Step",
                                                "price_cents": 1000})
        self.assertEqual(r.status, 201, repr(r))
        pid = r.json["id"]
        self.put_ok(org, PRICE_STEPS)
        r = self.api("PATCH", org, "/products/%d" % pid,
                     {"price_cents": 1200, "name": "Dearer"})
        self.assertError(r, 403, "forbidden")
        self.assertEqual(r.json["error"]["message"],
                         "up 1000 -> 1200 changing price_cents,name")
        # nothing changed
        self.assertEqual(self.api("GET", org, "/products/%d" % pid).json[
            "price_cents"], 1000)
        r = self.api("PATCH", org, "/products/%d" % pid,
                     {"price_cents": 1100})
        self.assertEqual(r.status, 200, repr(r))
        # a body that leaves the price alone: the stored one is judged
        r = self.api("PATCH", org, "/products/%d" % pid, {"name": "Same"})
        self.assertEqual(r.status, 200, repr(r))

    def test_create_judged_on_the_body(self):
        org = self.new_org()
        self.put_ok(org, PRICE_STEPS)
        r = self.api("POST", org, "/products", {"sku": "DEAR-1",
                                                "name": "Dear",
                                                "price_cents": 10000})
        self.assertError(r, 403, "forbidden")
        self.assertEqual(r.json["error"]["message"],
                         "new at 10000 setting 3 fields")
        r = self.api("POST", org, "/products", {"sku": "FINE-1",
                                                "name": "Fine",
                                                "price_cents": 9999})
        self.assertEqual(r.status, 201, repr(r))


if __name__ == "__main__":
    unittest.main()
