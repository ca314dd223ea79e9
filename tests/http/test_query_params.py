"""docs/api.md: every /api route refuses a query parameter its document
does not name (422 validation_failed, code unknown, the parameter as the
field), so a mistyped filter is never read as no filter; what it names
still works."""

import unittest

from harness import ServerTestCase
from erpd_testkit import OrgFixture


class QueryParamsTest(OrgFixture, ServerTestCase):

    def system(self, method, path):
        return self.server.api(method, "/api/v1" + path,
                               token=self.admin_token)

    def test_core_lists_refuse_unknown_parameters(self):
        calls = (
            (lambda q: self.system("GET", "/users" + q), "limt"),
            (lambda q: self.system("GET", "/orgs" + q), "offest"),
            (lambda q: self.call("admin", "GET", "/members" + q), "rol"),
            (lambda q: self.call("admin", "GET", "/api-keys" + q), "role"),
            (lambda q: self.call("admin", "GET", "/policy/versions" + q),
             "version"),
        )
        for call, name in calls:
            with self.subTest(name=name):
                self.assertFields(call("?limit=5&%s=1" % name),
                                  {name: "unknown"})
                # the name is decoded before it is compared
                self.assertFields(call("?%6Cimt=5"), {"limt": "unknown"})
                r = call("?limit=1&offset=0")
                self.assertEqual(r.status, 200, repr(r))
                self.assertEqual(r.json["limit"], 1)
                self.assertLessEqual(len(r.json["items"]), 1)

    def test_routes_without_a_query_take_none(self):
        for call in (lambda q: self.system("GET", "/users/me" + q),
                     lambda q: self.call("viewer", "GET", "/meta" + q),
                     lambda q: self.call("admin", "GET", "/policy" + q),
                     lambda q: self.call("admin", "GET", "/roles" + q)):
            r = call("")
            self.assertEqual(r.status, 200, repr(r))
            self.assertFields(call("?x=1"), {"x": "unknown"})
        r = self.server.api("GET", "/api/v1/openapi.json")
        self.assertEqual(r.status, 200, repr(r))


if __name__ == "__main__":
    unittest.main()
