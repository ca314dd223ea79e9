"""docs/policies.md (v4): a dry-run agrees with the server. A resource of
only {type, id} is the stored record, loaded as the real request loads it;
context can be given; the answer names the version that decided and the
line of the deciding return."""

import unittest

from harness import ServerTestCase
from test_policy import PolicyCase

# Prices over 10.00 may be changed by managers only.
PRICE_GUARD = """\
function allow(subject, action, resource, context)
  if action == "product:update" and (resource.price_cents or 0) > 1000
      and subject.role ~= "manager" then
    return false, "only managers touch products over 10.00"
  end
  if action == "product:delete" and context.changed then
    return false, "changed: " .. table.concat(context.changed, ",")
  end
  return base.allow(subject, action, resource, context)
end
"""


class PolicyDryRunTest(PolicyCase, ServerTestCase):

    def product(self, org, price, sku):
        r = self.server.api("POST", "/api/v1/orgs/%d/products" % org,
                            {"sku": sku, "name": "Thing",
                             "price_cents": price},
                            token=self.tok("alice"))
        self.assertEqual(r.status, 201, repr(r))
        return r.json["id"]

    def ask(self, org, role, action, resource, **extra):
        body = {"subject": {"role": role}, "action": action,
                "resource": resource}
        body.update(extra)
        return self.dry_run(org, body)

    def test_record_is_loaded_for_type_and_id(self):
        org = self.new_org()
        cheap = self.product(org, 500, "CHEAP-1")
        dear = self.product(org, 5000, "DEAR-1")
        v = self.put_ok(org, PRICE_GUARD)["version"]
        r = self.ask(org, "admin", "product:update",
                     {"type": "product", "id": dear})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json, {
            "allow": False, "reason": "only managers touch products over "
            "10.00", "role": "admin", "matched": "allow", "version": v,
            "line": 4})
        # the server decides the same on the real request
        real = self.server.api("PATCH", "/api/v1/orgs/%d/products/%d" % (
            org, dear), {"name": "Other"}, token=self.tok("alice"))
        self.assertError(real, 403, "forbidden")
        self.assertEqual(real.json["error"]["message"], r.json["reason"])
        r = self.ask(org, "admin", "product:update",
                     {"type": "product", "id": cheap})
        self.assertIs(r.json["allow"], True, repr(r))
        self.assertEqual(r.json["matched"], "*")
        self.assertIs(self.ask(org, "manager", "product:update",
                               {"type": "product", "id": dear}).json[
            "allow"], True)
        # attributes given are taken as given: no load
        r = self.ask(org, "admin", "product:update",
                     {"type": "product", "id": dear, "price_cents": 1})
        self.assertIs(r.json["allow"], True, repr(r))

    def test_record_loaded_only_for_who_may_read_it(self):
        # a manager (policy:read) who may not read a record learns
        # nothing of it through a dry-run
        org = self.new_org()
        pid = self.product(org, 5000, "HIDDEN-1")
        self.put_ok(org, "function allow(s, a, r, c)\n"
                         "  if a == 'product:read' and s.role == 'manager'\n"
                         "      and (r.price_cents or 0) > 1000 then\n"
                         "    return false, 'not this one'\n"
                         "  end\n"
                         "  return base.allow(s, a, r, c)\n"
                         "end\n")
        body = {"subject": {"role": "admin"}, "action": "product:update",
                "resource": {"type": "product", "id": pid}}
        r = self.dry_run(org, body, who="mona")
        self.assertError(r, 403, "forbidden")
        self.assertEqual(r.json["error"]["message"],
                         "you may not read this record")
        self.assertEqual(self.dry_run(org, body).status, 200)

    def test_missing_record_is_404(self):
        org = self.new_org()
        other = self.new_org()
        theirs = self.product(other, 100, "THEIRS-1")
        for rid in (theirs, 987654):
            with self.subTest(id=rid):
                self.assertError(self.ask(org, "admin", "product:read",
                                          {"type": "product", "id": rid}),
                                 404, "not_found")
        # an id no integer can hold is no record (and no crash)
        r = self.ask(org, "admin", "product:read",
                     {"type": "product", "id": 1e300})
        self.assertEqual(r.status, 200, repr(r))
        self.assertFields(self.dry_run(org, {
            "subject": {"user_id": 1e300}, "action": "product:read",
            "resource": {"type": "product"}}), {"subject.user_id": "type"})
        # a type nothing loads is decided on {type, id} as given
        r = self.ask(org, "admin", "widget:read",
                     {"type": "widget", "id": 3})
        self.assertEqual(r.status, 200, repr(r))
        self.assertIs(r.json["allow"], True)

    def test_context_is_merged_over_the_servers(self):
        org = self.new_org()
        self.put_ok(org, PRICE_GUARD)
        r = self.ask(org, "admin", "product:delete", {"type": "product"},
                     context={"changed": ["sku", "name"]})
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["reason"], "changed: sku,name")
        self.assertEqual(r.json["line"], 7)
        # time and ip come from the server unless given
        r = self.dry_run(org, {
            "source": "function allow(s, a, r, c)\n"
                      "  return c.time > 1600000000 and c.ip ~= ''\n"
                      "    and c.note == 'x'\n"
                      "end\n",
            "subject": {"role": "viewer"}, "action": "product:read",
            "resource": {"type": "product"}, "context": {"note": "x"}})
        self.assertIs(r.json["allow"], True, repr(r))
        r = self.dry_run(org, {
            "source": "function allow(s, a, r, c)\n"
                      "  return c.time == 5\n"
                      "end\n",
            "subject": {"role": "viewer"}, "action": "product:read",
            "resource": {"type": "product"}, "context": {"time": 5}})
        self.assertIs(r.json["allow"], True, repr(r))
        self.assertFields(self.ask(org, "admin", "product:read",
                                   {"type": "product"}, context=[]),
                          {"context": "type"})

    def test_default_deny_is_not_a_rule(self):
        # an organization's allow that falls through to the base: the
        # base's default deny matched nothing
        org = self.new_org()
        self.put_ok(org, PRICE_GUARD)
        r = self.ask(org, "viewer", "order:ship", {"type": "order"})
        self.assertIs(r.json["allow"], False)
        self.assertIsNone(r.json["matched"])
        self.assertEqual(r.json["version"], 1)


if __name__ == "__main__":
    unittest.main()
