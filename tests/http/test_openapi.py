"""The API document (docs/openapi.md): GET /api/v1/openapi.json for
anyone, GET /api/v1/orgs/{org}/openapi.json for members with that
organization's schemas, and `erpd openapi`, all built from the route
table; the organization's document follows its policy version."""

import json

from harness import ServerTestCase, run_erpd
from erpd_testkit import ORGS, OrgFixture

DOC = "/api/v1/openapi.json"

# A tighter SKU for one organization: 3 to 10 characters.
SHORT_SKU = """
schemas = { product = extend(base.schemas.product, {
  sku = extend(base.schemas.product.sku, { max_len = 10 }) }) }
"""


def short_sku(n):
    """SHORT_SKU with a max_len of n (a distinct policy version)."""
    return SHORT_SKU.replace("max_len = 10", "max_len = %d" % n)


class OpenAPITest(OrgFixture, ServerTestCase):

    def org_doc(self, who, org=None):
        r = self.call(who, "GET", "/openapi.json", org=org)
        self.assertEqual(r.status, 200, repr(r))
        return r.json

    def test_server_document_needs_no_credentials(self):
        r = self.server.get(DOC)
        self.assertEqual(r.status, 200, repr(r))
        self.assertTrue(r.headers["content-type"].startswith(
            "application/json"))
        doc = r.json
        self.assertEqual(doc["openapi"], "3.1.0")
        schemes = doc["components"]["securitySchemes"]
        self.assertEqual(schemes["bearer"]["scheme"], "bearer")
        self.assertEqual(schemes["apiKey"]["name"], "X-API-Key")
        # core routes, and the loaded modules' routes with their schemas
        for path, method in (("/api/v1/auth/token", "post"),
                             ("/api/v1/orgs/{org}/members", "get"),
                             ("/api/v1/orgs/{org}/products", "post"),
                             ("/api/v1/orgs/{org}/orders/{id}/confirm",
                              "post"),
                             ("/api/v1/orgs/{org}/openapi.json", "get"),
                             (DOC, "get")):
            self.assertIn(method, doc["paths"][path], path)
        op = doc["paths"]["/api/v1/orgs/{org}/products"]["post"]
        self.assertEqual(op["x-erp-permission"], "product:create")
        self.assertEqual(op["requestBody"]["content"]["application/json"]
                         ["schema"]["$ref"],
                         "#/components/schemas/product_create")
        sku = doc["components"]["schemas"]["product_create"][
            "properties"]["sku"]
        self.assertEqual((sku["minLength"], sku["maxLength"]), (3, 32))
        self.assertEqual(sku["pattern"], "^[A-Z0-9\\-]+$")
        self.assertEqual(doc["paths"][DOC]["get"]["security"], [])
        # the same stored text every time, also for HEAD
        again = self.server.get(DOC)
        self.assertEqual(again.body, r.body)
        head = self.server.request("HEAD", DOC)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")

    def test_query_parameters_are_what_the_server_accepts(self):
        paths = self.server.get(DOC).json["paths"]

        def query(path, method="get"):
            op = paths[path][method]
            return op, {p["name"]: p for p in op.get("parameters", [])
                        if p["in"] == "query"}

        # a declared resource's list, from its declaration
        op, q = query("/api/v1/orgs/{org}/products")
        self.assertEqual(set(q), {"limit", "offset", "q", "sort",
                                  "currency", "active"})
        self.assertEqual((q["limit"]["schema"]["minimum"],
                          q["limit"]["schema"]["maximum"]), (1, 500))
        self.assertEqual(q["q"]["schema"]["maxLength"], 200)
        self.assertEqual(q["sort"]["schema"]["enum"],
                         ["sku", "-sku", "name", "-name", "price_cents",
                          "-price_cents"])
        self.assertEqual(q["active"]["schema"]["type"], "boolean")
        self.assertNotIn("x-erp-query-open", op)
        self.assertIn("422", op["responses"])
        # the server refuses what the document leaves out
        r = self.call("admin", "GET", "/products?colour=red")
        self.assertEqual(r.status, 422, repr(r))
        self.assertEqual(r.json["error"]["fields"][0]["field"], "colour")
        r = self.call("admin", "GET", "/products?sort=-price_cents&"
                      "active=true&currency=EUR&q=x&limit=5&offset=0")
        self.assertEqual(r.status, 200, repr(r))
        # a module route's declared query: the signed download's link
        op, q = query("/api/v1/files/download/{id}")
        self.assertEqual({n: (p["required"], p["schema"]["type"])
                          for n, p in q.items()},
                         {"exp": (True, "integer"), "org": (True, "integer"),
                          "sig": (True, "string")})
        op, q = query("/api/v1/orgs/{org}/stock/moves")
        self.assertEqual(set(q), {"limit", "offset", "product_id", "reason",
                                  "reference"})
        # inventory's custom routes declare their answers
        for path, method, status in (
                ("/api/v1/orgs/{org}/stock", "get", "200"),
                ("/api/v1/orgs/{org}/stock/moves", "post", "201"),
                ("/api/v1/orgs/{org}/reservations", "post", "201"),
                ("/api/v1/orgs/{org}/reservations/{ref}/ship", "post",
                 "200"),
                ("/api/v1/orgs/{org}/reservations/{ref}", "delete", "204")):
            responses = paths[path][method]["responses"]
            self.assertIn(status, responses, path)
            self.assertNotIn("2XX", responses, path)

    def test_cli_prints_the_served_document(self):
        p = run_erpd(["openapi"], env={
            "ERP_DATA_DIR": self.server.data_dir + "-cli"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), self.server.get(DOC).json)

    def test_cli_refuses_arguments(self):
        p = run_erpd(["openapi", "extra"])
        self.assertEqual(p.returncode, 2)

    def test_organization_document_is_for_members(self):
        path = "%s/%d/openapi.json" % (ORGS, self.org_a)
        self.assertEqual(self.server.get(path).status, 401)
        self.assertEqual(self.api_as("outsider", "GET", path).status, 403)
        self.assertEqual(self.api_as("viewer", "GET", path).status, 200)
        self.assertEqual(self.server.api(
            "GET", "%s/0/openapi.json" % ORGS,
            token=self.tokens["viewer"]).status, 404)

    def test_organization_document_follows_its_policy(self):
        org = self.make_org("Doc")
        self.set_member(org, "clerk", "clerk")
        base = self.server.get(DOC).json
        # without a policy of its own: the base schemas
        self.assertEqual(self.org_doc("clerk", org), base)
        self.set_policy(org, SHORT_SKU)
        doc = self.org_doc("clerk", org)
        sku = doc["components"]["schemas"]["product_create"][
            "properties"]["sku"]
        self.assertEqual(sku["maxLength"], 10)
        self.assertEqual(doc["info"]["x-erp-organization"], org)
        version = doc["info"]["x-erp-policy-version"]
        self.assertGreater(version, 0)
        # nobody else's document changed
        self.assertEqual(self.server.get(DOC).json, base)
        self.assertEqual(self.org_doc("clerk", self.org_a), base)
        # a new version is in force on the very next request
        self.set_policy(org, short_sku(12))
        doc = self.org_doc("clerk", org)
        self.assertEqual(doc["components"]["schemas"]["product_create"][
            "properties"]["sku"]["maxLength"], 12)
        self.assertGreater(doc["info"]["x-erp-policy-version"], version)

    def test_an_api_key_reads_its_organization_document(self):
        r = self.call("admin", "POST", "/api-keys",
                      {"name": "doc reader", "role": "viewer"})
        self.assertEqual(r.status, 201, repr(r))
        key = self.keep(r.json["key"])
        path = "%s/%d/openapi.json" % (ORGS, self.org_a)
        r = self.server.request("GET", path, headers={"X-API-Key": key})
        self.assertEqual(r.status, 200, repr(r))

    def test_many_versions_stay_right(self):
        """More organization documents than the cache keeps (64): each
        answer still has its organization's version in force."""
        org = self.make_org("Versions")
        for n in range(70):
            self.set_policy(org, short_sku(10 + n % 20))
            doc = self.org_doc("admin", org)
            self.assertEqual(doc["components"]["schemas"][
                "product_create"]["properties"]["sku"]["maxLength"],
                10 + n % 20)
        # documents of other organizations were built meanwhile too
        self.assertEqual(self.org_doc("admin", self.org_a),
                         self.server.get(DOC).json)
