"""docs/policies.md (v4): reading an old version whole before rolling
back to it (GET …/policy/versions/{n}), a version's comment, and going
back to the base alone (DELETE …/policy) as a new version."""

import json
import unittest

from harness import ServerTestCase
from test_policy import VIEWER_AUDITS, PolicyCase


class PolicyVersionsTest(PolicyCase, ServerTestCase):

    def put_commented(self, org, source, comment, who="alice"):
        return self.call("PUT", org, body={"source": source,
                                           "comment": comment}, who=who)

    def test_version_read_whole_with_its_comment(self):
        org = self.new_org()
        r = self.put_commented(org, VIEWER_AUDITS, "viewers audit now")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["version"], 1)
        self.put_ok(org, "-- no comment\n")
        r = self.call("GET", org, "/versions/1")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(set(r.json), {"version", "source", "updated_at",
                                       "updated_by", "comment"})
        self.assertEqual(r.json["version"], 1)
        self.assertEqual(r.json["source"], VIEWER_AUDITS)
        self.assertEqual(r.json["comment"], "viewers audit now")
        self.assertEqual(r.json["updated_by"], self.users["alice"])
        r = self.call("GET", org, "/versions/2")
        self.assertEqual(r.json["source"], "-- no comment\n")
        self.assertIsNone(r.json["comment"])
        # the list carries the comments too
        items = self.call("GET", org, "/versions").json["items"]
        self.assertEqual([v["comment"] for v in items],
                         [None, "viewers audit now"])
        # a manager reads versions (policy:read); a viewer does not
        self.assertEqual(self.call("GET", org, "/versions/1",
                                   who="mona").status, 200)
        self.assertError(self.call("GET", org, "/versions/1",
                                   who="victor"), 403, "forbidden")

    def test_unknown_versions_are_404(self):
        org = self.new_org()
        other = self.new_org()
        self.put_ok(other, "-- the other org's\n")
        for n in ("1", "0", "-1", "abc", "99999999999999999999"):
            with self.subTest(n=n):
                self.assertError(self.call("GET", org, "/versions/" + n),
                                 404, "not_found")

    def test_comment_checked(self):
        org = self.new_org()
        self.assertFields(self.put_commented(org, "", 5),
                          {"comment": "type"})
        self.assertFields(self.put_commented(org, "", "x" * 501),
                          {"comment": "max_len"})
        r = self.put_commented(org, "", "é" * 500)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(self.call("GET", org, "/versions/1").json[
            "comment"], "é" * 500)

    def test_delete_returns_to_the_base_as_a_new_version(self):
        org = self.new_org()
        self.put_ok(org, VIEWER_AUDITS)
        self.assertEqual(self.org_get(org, "/audit", "victor").status, 200)
        r = self.call("DELETE", org, body={"comment": "back to base"})
        self.assertEqual(r.status, 200, repr(r))
        self.assertPolicy(r.json, 2, "", self.users["alice"])
        self.assertEqual(self.get_policy(org).json, r.json)
        # the base alone decides again, on the very next request
        self.assertError(self.org_get(org, "/audit", "victor"), 403,
                         "forbidden")
        v = self.call("GET", org, "/versions/2").json
        self.assertEqual(v["source"], "")
        self.assertEqual(v["comment"], "back to base")
        # the old version stays, for a rollback
        self.assertEqual(self.rollback(org, 1).status, 200)
        self.assertEqual(self.org_get(org, "/audit", "victor").status, 200)
        # without a body too
        r = self.call("DELETE", org)
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json["version"], 4)
        self.assertIsNone(self.call("GET", org, "/versions/4").json[
            "comment"])
        con = self.db()
        try:
            rows = con.execute("SELECT details FROM audit_log WHERE "
                               "org_id = ? AND action = 'policy.update' "
                               "ORDER BY id", (org,)).fetchall()
        finally:
            con.close()
        d = [json.loads(r["details"]) for r in rows]
        self.assertEqual(d[1], {"version": {"old": 1, "new": 2},
                                "reverted_to_base": True})
        self.assertTrue(d[3]["reverted_to_base"])
        self.assertNotIn("reverted_to_base", d[2])

    def test_delete_needs_policy_manage(self):
        org = self.new_org()
        self.put_ok(org, VIEWER_AUDITS)
        for who in ("mona", "carl", "victor", "oscar"):
            with self.subTest(who=who):
                self.assertError(self.call("DELETE", org, who=who), 403,
                                 "forbidden")
        self.assertEqual(self.get_policy(org).json["version"], 1)
        # a system admin who is not a member may (recovery)
        r = self.call("DELETE", org, who="admin")
        self.assertEqual(r.status, 200, repr(r))
        self.assertFields(self.call("DELETE", org, body={"x": 1}),
                          {"x": "unknown"})


if __name__ == "__main__":
    unittest.main()
