"""docs/api.md (v4): an API key never outlives its creator's rights.
Demoting its creator below the key's role, removing the creator from the
organization, a policy that redefines the roles, deactivating the creator
or taking a system admin's rights away stops the key at once (401) and
revokes it, audited as apikey.revoke with details.reason; keys the change
leaves covered, and keys of a system admin, keep working."""

import unittest
import uuid

from harness import IdentityMixin, ServerTestCase

ORGS = "/api/v1/orgs"
NO_LIMIT = {"ERP_LOGIN_RATE": "1000/minute"}


class KeyFollowTest(IdentityMixin, ServerTestCase):
    server_env = NO_LIMIT

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        r = cls.server.api("POST", ORGS, {"name": "Keys", "slug": "keys"},
                           token=cls.admin_token)
        assert r.status == 201, r
        cls.org = r.json["id"]

    def path(self, tail):
        return "%s/%s%s" % (ORGS, self.org, tail)

    def person(self, role=None, is_admin=False):
        """A new user (a member with role, if given); returns (id, token)."""
        tag = uuid.uuid4().hex[:8]
        email, pw = "u-%s@example.com" % tag, "Follow-Passw0rd-%s" % tag
        uid = self.create_user(email, pw, "U " + tag, is_admin)["id"]
        if role is not None:
            self.add_member(self.org, uid, role)
        return uid, self.keep(self.server.token(email, pw))

    def key(self, token, role):
        r = self.server.api("POST", self.path("/api-keys"),
                            {"name": "k " + role, "role": role}, token=token)
        self.assertEqual(r.status, 201, repr(r))
        self.keep(r.json["key"])
        return r.json

    def works(self, key):
        return self.server.api("GET", self.path("/products"),
                               headers={"X-API-Key": key["key"]}).status

    def as_admin(self, method, tail, body=None):
        return self.server.api(method, self.path(tail), body,
                               token=self.admin_token)

    def assertRevoked(self, key, reason):
        """key is refused, listed as revoked, and its revocation audited
        once with a reason holding the words given."""
        self.assertUnauthenticated(self.server.api(
            "GET", self.path("/products"), headers={"X-API-Key": key["key"]}))
        keys = {k["id"]: k for k in self.as_admin(
            "GET", "/api-keys?limit=500").json["items"]}
        self.assertIsNotNone(keys[key["id"]]["revoked_at"])
        rows = [e for e in self.as_admin(
            "GET", "/audit?limit=500&action=apikey.revoke").json["items"]
            if e["resource_id"] == str(key["id"])]
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0]["resource_type"], "api_key")
        self.assertEqual(rows[0]["org_id"], self.org)
        self.assertIn(reason, rows[0]["details"]["reason"])
        self.assertEqual(rows[0]["details"]["role"], key["role"])

    def test_demotion_revokes_only_what_the_new_role_does_not_cover(self):
        uid, token = self.person("manager")
        manager_key, viewer_key = self.key(token, "manager"), \
            self.key(token, "viewer")
        self.assertEqual(self.works(manager_key), 200)
        r = self.as_admin("PUT", "/members/%d" % uid, {"role": "viewer"})
        self.assertEqual(r.status, 200, repr(r))
        self.assertRevoked(manager_key, "role viewer no longer holds")
        self.assertEqual(self.works(viewer_key), 200)
        # a promotion later does not bring the key back
        self.as_admin("PUT", "/members/%d" % uid, {"role": "manager"})
        self.assertUnauthenticated(self.server.api(
            "GET", self.path("/products"),
            headers={"X-API-Key": manager_key["key"]}))

    def test_removal_revokes_every_key_of_the_member(self):
        uid, token = self.person("manager")
        keys = [self.key(token, "viewer"), self.key(token, "clerk")]
        r = self.as_admin("DELETE", "/members/%d" % uid)
        self.assertEqual(r.status, 204, repr(r))
        for k in keys:
            self.assertRevoked(k, "no longer a member")

    def test_policy_redefining_roles_revokes_uncovered_keys(self):
        _, token = self.person("manager")
        clerk_key, manager_key = self.key(token, "clerk"), \
            self.key(token, "manager")
        admin_key = self.key(self.admin_token, "clerk")
        src = 'roles = { manager = { "product:*", "apikey:*" } }\n'
        try:
            r = self.as_admin("PUT", "/policy", {"source": src})
            self.assertEqual(r.status, 200, repr(r))
            self.assertRevoked(clerk_key, "role manager no longer holds")
            # the creator's own role covers itself; a system admin's key
            # depends only on the admin
            self.assertEqual(self.works(manager_key), 200)
            self.assertEqual(self.works(admin_key), 200)
        finally:
            self.as_admin("PUT", "/policy", {"source": "roles = {}\n"})

    def test_deactivation_is_audited_per_key(self):
        uid, token = self.person("manager")
        k = self.key(token, "viewer")
        r = self.server.api("PATCH", "/api/v1/users/%d" % uid,
                            {"is_active": False}, token=self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        self.assertRevoked(k, "deactivated")

    def test_system_admin_keys_follow_only_the_admin(self):
        uid, token = self.person("admin", is_admin=True)
        k = self.key(token, "manager")
        # removed from the organization, it holds the key's rights still
        r = self.as_admin("DELETE", "/members/%d" % uid)
        self.assertEqual(r.status, 204, repr(r))
        self.assertEqual(self.works(k), 200)
        r = self.as_admin("PUT", "/policy",
                          {"source": 'roles = { manager = { "*" } }\n'})
        self.assertEqual(r.status, 200, repr(r))
        self.as_admin("PUT", "/policy", {"source": "roles = {}\n"})
        self.assertEqual(self.works(k), 200)
        # once no longer a system admin, it holds nothing here
        r = self.server.api("PATCH", "/api/v1/users/%d" % uid,
                            {"is_admin": False}, token=self.admin_token)
        self.assertEqual(r.status, 200, repr(r))
        self.assertRevoked(k, "no longer a member")


if __name__ == "__main__":
    unittest.main()
