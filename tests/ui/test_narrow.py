"""Every page at 360 px: no horizontal scrolling, the navigation folded
behind a Menu button that says whether it is open (aria-expanded)."""

import unittest

from uifixture import By, new_tag
import uifixture as ui


class NarrowTest(ui.UiOrgCase):

    width, height = 360, 740

    def no_horizontal_scroll(self, where):
        over = self.driver.execute_script(
            "return document.documentElement.scrollWidth - "
            "document.documentElement.clientWidth")
        self.assertLessEqual(over, 0, "%s scrolls sideways by %d px" % (
            where, over))

    def test_pages_fit_360(self):
        tag = new_tag()
        p = self.api_in("admin", "POST", "/products", {
            "sku": "N-" + tag, "name": "A rather long product name " * 3,
            "price_cents": 123456, "description": "x" * 300})
        c = self.api_in("admin", "POST", "/customers", {"name": "Narrow Ltd"})
        o = self.api_in("admin", "POST", "/orders", {
            "customer_id": c["id"],
            "lines": [{"product_id": p["id"], "quantity": 3}]})
        self.sign_in_as("admin")
        menu = self.button("Menu")
        self.assertEqual(menu.get_attribute("aria-expanded"), "false")
        self.assertFalse(self.find("nav#nav").is_displayed())
        menu.click()
        self.assertEqual(menu.get_attribute("aria-expanded"), "true")
        self.assertTrue(self.find("nav#nav").is_displayed())
        self.button("Products").click()
        self.heading("Products")
        self.assertFalse(self.find("nav#nav").is_displayed())
        org = "/o/%d" % self.org_a
        pages = [
            (org + "/r/product", "Products"),
            (org + "/r/product/%d" % p["id"], None),
            (org + "/r/product/new", "New product"),
            (org + "/r/order", "Orders"),
            (org + "/r/order/%d" % o["id"], "Order %d" % o["id"]),
            (org + "/r/order/new", "New order"),
            (org + "/r/file", "Files"),
            (org + "/admin/members", "Members"),
            (org + "/admin/api-keys", "API keys"),
            (org + "/admin/policy", "Policy"),
            (org + "/admin/audit", "Audit log"),
            ("/system/users", "Users"),
            ("/system/orgs", "Organizations"),
            ("/password", "Change password"),
        ]
        for frag, title in pages:
            with self.subTest(page=frag):
                self.open(frag)
                if title:
                    self.heading(title)
                else:
                    self.find("dl.fields")
                self.find("main h1")
                self.no_horizontal_scroll(frag)
        self.open(org + "/r/order/%d" % o["id"])
        self.heading("Order %d" % o["id"])
        self.screenshot("order-360")


if __name__ == "__main__":
    unittest.main()
