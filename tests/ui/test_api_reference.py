"""The API reference page: built from the OpenAPI document the server
serves, reached from the navigation, inside an organization with that
organization's rules; no console errors (a CSP violation is one)."""

import unittest

import uifixture as ui

SHORT_SKU = """
schemas = { product = extend(base.schemas.product, {
  sku = extend(base.schemas.product.sku, { max_len = 12 }) }) }
"""


class ApiReferenceTest(ui.UiOrgCase):

    def test_reference_from_the_menu(self):
        self.set_policy(self.org_a, SHORT_SKU)
        self.sign_in_as("viewer")
        self.wait(lambda: "API reference" in self.find("nav#nav").text)
        self.find("nav#nav a[href$='/api']").click()
        self.heading("API reference")
        self.text_appears("POST /api/v1/orgs/{org}/products")
        op = next(d for d in self.driver.find_elements(
            ui.By.CSS_SELECTOR, "details.operation")
            if "POST /api/v1/orgs/{org}/products" in d.text)
        op.find_element(ui.By.TAG_NAME, "summary").click()
        self.wait(lambda: "product:create" in op.text)
        # the organization's rule, not the base's 32
        self.assertIn("length ≤ 12", op.text)
        self.assertIn("sku (required)", op.text)
        self.screenshot("api-reference")

    def test_filter_and_server_document(self):
        self.sign_in_as("viewer", fragment="/api")
        self.heading("API reference")
        self.text_appears("GET /healthz")
        self.type_into(self.by_label("Filter"), "openapi")
        self.wait(lambda: "GET /healthz" not in self.find("main").text)
        self.assertIn("GET /api/v1/openapi.json", self.find("main").text)


if __name__ == "__main__":
    unittest.main()
