"""A viewer is offered nothing it may not do: no New, Edit, Delete,
workflow or upload controls, no admin navigation; a write page opened by
its address says so instead of offering a form."""

import unittest

from uifixture import By, new_tag
import uifixture as ui


class ViewerTest(ui.UiOrgCase):

    def write_controls(self):
        """Buttons of the page but those that only read: search, sorting
        headers and paging."""
        return [b.text.strip() for b in self.driver.find_elements(
            By.CSS_SELECTOR, "main button, main a.button")
            if b.is_displayed() and not self.driver.execute_script(
                "return !!arguments[0].closest('th, form[role=search], "
                ".pager')", b)]

    def test_no_write_controls(self):
        tag = new_tag()
        p = self.api_in("admin", "POST", "/products", {
            "sku": "V-" + tag, "name": "Seen only", "price_cents": 100})
        c = self.api_in("admin", "POST", "/customers", {"name": "Viewed"})
        o = self.api_in("admin", "POST", "/orders", {
            "customer_id": c["id"],
            "lines": [{"product_id": p["id"], "quantity": 1}]})
        self.sign_in_as("viewer")
        self.wait(lambda: "Products" in self.find("nav#nav").text)
        nav = self.find("nav#nav").text
        self.assertNotIn("ADMIN", nav.upper())
        for word in ("Members", "API keys", "Policy", "Audit log", "Users"):
            self.assertNotIn(word, nav)
        org = "/o/%d" % self.org_a
        for frag, title in (
                (org + "/r/product", "Products"),
                (org + "/r/product/%d" % p["id"], "Product Seen only"),
                (org + "/r/customer", "Customers"),
                (org + "/r/customer/%d" % c["id"], "Customer Viewed"),
                (org + "/r/order", "Orders"),
                (org + "/r/order/%d" % o["id"], "Order %d" % o["id"]),
                (org + "/r/file", "Files")):
            with self.subTest(page=frag):
                self.open(frag)
                self.heading(title)
                self.find("main table, main dl, main .empty")
                self.assertEqual(self.write_controls(), [], frag)
                self.assertEqual(self.driver.find_elements(
                    By.CSS_SELECTOR, "main input[type=file]"), [])
        self.screenshot("viewer-order")
        self.open(org + "/r/product/new")
        self.heading("Not allowed")
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR,
                                                   "main form"), [])


if __name__ == "__main__":
    unittest.main()
