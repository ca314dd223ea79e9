"""What the module tests share: a server with two organizations and users
in each role, requests under /api/v1/orgs/{org}, the organization's own
policy and its audit rows."""

import re
import uuid

from harness import IdentityMixin

ORGS = "/api/v1/orgs"
NO_LIMIT = {"ERP_LOGIN_RATE": "1000/minute"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ROLES = ("manager", "clerk", "viewer", "outsider")


class OrgFixture(IdentityMixin):
    """Two organizations: A with a manager, a clerk and a viewer (the
    bootstrap admin created both and is admin of both), and B whose only
    other member, outsider, is a manager there and no member of A."""

    server_env = NO_LIMIT

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        cls.ids = {"admin": cls.api_as("admin", "GET",
                                       "/api/v1/users/me").json["id"]}
        cls.tokens = {"admin": cls.admin_token}
        tag = uuid.uuid4().hex[:8]
        for role in ROLES:
            pw = "%s-Module-Passw0rd-%s" % (role.capitalize(), tag)
            email = "%s-%s@example.com" % (role, tag)
            cls.ids[role] = cls.create_user(email, pw, role)["id"]
            cls.tokens[role] = cls.keep(cls.server.token(email, pw))
        cls.org_a = cls.make_org("A")
        cls.org_b = cls.make_org("B")
        for role in ("manager", "clerk", "viewer"):
            cls.set_member(cls.org_a, role, role)
        cls.set_member(cls.org_b, "outsider", "manager")

    @classmethod
    def api_as(cls, who, method, path, body=None, headers=None):
        token = cls.tokens[who] if hasattr(cls, "tokens") else \
            cls.admin_token
        return cls.server.api(method, path, body, token=token,
                              headers=headers)

    @classmethod
    def make_org(cls, name):
        slug = "%s-%s" % (name.lower(), uuid.uuid4().hex[:8])
        r = cls.api_as("admin", "POST", ORGS, {"name": name, "slug": slug})
        if r.status != 201:
            raise AssertionError("creating org %s: %r" % (name, r))
        return r.json["id"]

    @classmethod
    def set_member(cls, org, who, role):
        cls.add_member(org, cls.ids[who], role)

    def call(self, who, method, path, body=None, org=None, rid=None):
        """A request under /api/v1/orgs/{org} (org A unless given)."""
        headers = {"X-Request-ID": rid} if rid else None
        return self.api_as(who, method, "%s/%d%s" % (
            ORGS, self.org_a if org is None else org, path), body,
            headers=headers)

    def set_policy(self, org, source):
        """Makes source the organization's own policy."""
        r = self.call("admin", "PUT", "/policy", {"source": source}, org=org)
        self.assertEqual(r.status, 200, repr(r))

    def audit_rows(self, org, action, resource_id=None):
        """The organization's audit rows of action, newest first."""
        r = self.call("admin", "GET", "/audit?limit=500&action=" + action,
                      org=org)
        self.assertEqual(r.status, 200, repr(r))
        rows = r.json["items"]
        if resource_id is not None:
            rows = [e for e in rows if e["resource_id"] == str(resource_id)]
        return rows

    def assertAudited(self, org, action, resource_id, who, rid):
        """Exactly one success row of action on resource_id by who, written
        by the request rid; returns it."""
        rows = [e for e in self.audit_rows(org, action, resource_id)
                if e["request_id"] == rid]
        self.assertEqual(len(rows), 1, rows)
        e = rows[0]
        self.assertEqual(e["org_id"], org, e)
        self.assertEqual(e["actor_type"], "user", e)
        self.assertEqual(e["actor_id"], self.ids[who], e)
        self.assertEqual(e["outcome"], "success", e)
        return e


def new_rid(tag):
    return "%s.%s" % (tag, uuid.uuid4().hex)


_skus = [0]


def new_sku(prefix="SKU"):
    _skus[0] += 1
    return "%s-%d-%s" % (prefix, _skus[0], uuid.uuid4().hex[:6].upper())
