"""An order made in the browser: a customer, lines with the product
picker and quantities, the server's 422 at lines[i].quantity, the
server's total, and the workflow steps offered only when the caller may
take them and the status allows (a clerk confirms but never ships)."""

import unittest

from selenium.webdriver.support.ui import Select

from uifixture import By, new_tag
import uifixture as ui


class OrderTest(ui.UiOrgCase):

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        tag = new_tag()
        cls.cust = cls.api_as("admin", "POST", "/api/v1/orgs/%d/customers"
                              % cls.org_a, {"name": "Acme " + tag}).json
        cls.prods = [cls.api_as("admin", "POST", "/api/v1/orgs/%d/products"
                                % cls.org_a, {"sku": "O%d-%s" % (i, tag),
                                              "name": "Part %d" % i,
                                              "price_cents": cents}).json
                     for i, cents in ((1, 1250), (2, 199))]

    def test_order_through_confirm(self):
        self.sign_in_as("clerk", "/o/%d/r/order" % self.org_a)
        self.heading("Orders")
        self.button("New order").click()
        self.heading("New order")
        Select(self.by_label("Customer")).select_by_visible_text(
            self.cust["name"])
        pick = lambda i: Select(self.driver.find_element(
            By.ID, "line-%d-product" % i))
        pick(0).select_by_value(str(self.prods[0]["id"]))
        self.type_into(self.driver.find_element(By.ID, "line-0-quantity"), "2")
        self.button("Add line").click()
        pick(1).select_by_value(str(self.prods[1]["id"]))
        q1 = self.driver.find_element(By.ID, "line-1-quantity")
        self.type_into(q1, "0")
        self.button("Save").click()
        # the server's error for lines[1].quantity, at that input
        self.wait(lambda: q1.get_attribute("aria-invalid") == "true")
        self.assertIn("at least 1", self.driver.find_element(
            By.ID, "line-1-quantity-error").text)
        self.assertEqual(self.driver.find_element(
            By.ID, "line-0-quantity").get_attribute("aria-invalid"), None)
        self.screenshot("order-form-error")
        self.type_into(q1, "3")
        self.button("Save").click()
        self.wait(lambda: self.driver.find_element(
            By.CSS_SELECTOR, "main h1").text.startswith("Order "))
        # the server's total: 2 x 12.50 + 3 x 1.99 = 30.97
        self.wait(lambda: "30.97" in self.find("dd.total").text)
        actions = self.buttons()
        self.assertIn("Confirm order", actions)
        self.assertIn("Edit", actions)
        self.assertNotIn("Ship order", actions)
        self.assertNotIn("Cancel order", actions)   # clerk: no order:cancel
        self.assertNotIn("Delete", actions)         # clerk: no order:delete
        self.button("Confirm order").click()
        self.wait(lambda: self.find(".badge").text == "confirmed")
        actions = self.buttons()
        self.assertNotIn("Confirm order", actions)
        self.assertNotIn("Edit", actions)       # only drafts change
        self.assertNotIn("Ship order", actions)  # clerk: no order:ship
        self.screenshot("order")
        orders = self.api_in("admin", "GET", "/orders?limit=500")["items"]
        o = [x for x in orders if x["customer_id"] == self.cust["id"]][-1]
        self.assertEqual(o["status"], "confirmed")
        self.assertEqual(o["total_cents"], 3097)

    def test_manager_ships(self):
        o = self.api_in("admin", "POST", "/orders", {
            "customer_id": self.cust["id"],
            "lines": [{"product_id": self.prods[1]["id"], "quantity": 1}]})
        self.api_in("admin", "POST", "/orders/%d/confirm" % o["id"])
        self.sign_in_as("manager", "/o/%d/r/order/%d" % (self.org_a, o["id"]))
        self.heading("Order %d" % o["id"])
        self.assertEqual(set(self.buttons()), {"Ship order", "Cancel order"})
        self.button("Ship order").click()
        self.wait(lambda: self.find(".badge").text == "shipped")
        self.assertEqual(self.buttons(), [])


if __name__ == "__main__":
    unittest.main()
