"""A product made through the generic form: the server's 422 lands at
its field with the typed values kept, the fix saves, the price is
entered in currency units and shown in the record's currency, the list
pages, and a delete asks first in a dialog."""

import unittest

from uifixture import By, Keys, new_tag
import uifixture as ui


class ProductTest(ui.UiOrgCase):

    def test_create_with_field_error_then_delete(self):
        tag = new_tag()
        self.sign_in_as("manager", "/o/%d/r/product" % self.org_a)
        self.heading("Products")
        self.button("New product").click()
        self.heading("New product")
        sku = self.by_label("SKU")
        self.type_into(sku, "bad sku!")
        self.type_into(self.by_label("Name"), "Widget " + tag)
        self.type_into(self.by_label("Price"), "12.5")
        self.by_label("Description").send_keys("typed and kept")
        self.button("Save").click()
        # the server's pattern error, at the SKU field
        self.wait(lambda: sku.get_attribute("aria-invalid") == "true")
        err = self.driver.find_element(
            By.ID, sku.get_attribute("aria-describedby").split()[0])
        self.assertIn("format", err.text)
        self.assertEqual(self.by_label("Name").get_attribute("value"),
                         "Widget " + tag)
        self.assertEqual(self.by_label("Description").get_attribute("value"),
                         "typed and kept")
        self.screenshot("product-form-error")
        self.type_into(sku, "W-" + tag)
        self.button("Save").click()
        self.heading("Product Widget " + tag)
        body = self.find("dl.fields").text
        self.assertRegex(body, r"12[.,]50")
        self.assertIn("W-" + tag, body)
        items = self.api_in("manager", "GET", "/products?limit=500")["items"]
        made = [p for p in items if p["sku"] == "W-" + tag]
        self.assertEqual(len(made), 1)
        self.assertEqual(made[0]["price_cents"], 1250)
        self.assertEqual(made[0]["description"], "typed and kept")
        # edit: only the changed field is sent, the new value shows
        self.button("Edit").click()
        self.heading("Edit product Widget " + tag)
        self.type_into(self.by_label("Price"), "13")
        self.by_label("Price").send_keys(Keys.ENTER)
        self.heading("Product Widget " + tag)
        self.wait(lambda: "13" in self.find("dl.fields").text)
        # delete: a dialog first; Cancel keeps it
        self.button("Delete").click()
        dialog = self.find("dialog[open]")
        self.assertIn("cannot be undone", dialog.text)
        dialog.find_element(By.XPATH, ".//button[text()='Cancel']").click()
        self.wait(lambda: not self.driver.find_elements(
            By.CSS_SELECTOR, "dialog[open]"))
        self.button("Delete").click()
        self.find("dialog[open]").find_element(
            By.XPATH, ".//button[text()='Delete']").click()
        self.heading("Products")
        self.text_appears("Deleted product")
        r = self.call("manager", "GET", "/products/%d" % made[0]["id"])
        self.assertEqual(r.status, 404)

    def test_list_pages(self):
        for i in range(55):
            self.api_in("admin", "POST", "/products", {
                "sku": "PG-%02d-%s" % (i, new_tag()), "name": "Paged %d" % i,
                "price_cents": 100 + i})
        total = self.api_in("admin", "GET", "/products?limit=1")["total"]
        self.sign_in_as("viewer", "/o/%d/r/product" % self.org_a)
        self.text_appears("1–50 of %d" % total)
        self.screenshot("product-list")
        self.assertNotIn("New product", self.buttons())  # a viewer
        self.button("Next").click()
        self.text_appears("51–%d of %d" % (min(100, total), total))
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
        self.assertEqual(len(rows), min(50, total - 50))
        # search (meta says products search), then sort by a header
        self.type_into(self.by_label("Search"), "Paged 1")
        self.button("Search").click()
        self.wait(lambda: "q=Paged" in self.driver.current_url)
        self.text_appears("1–11 of 11")        # Paged 1, 10 ... 19
        self.button("Name").click()
        self.wait(lambda: self.find("th[aria-sort=ascending]"))
        first = lambda: self.driver.find_element(
            By.CSS_SELECTOR, "table.list tbody tr").text
        self.wait(lambda: "Paged 1 " in first() + " ")
        self.button("Name ▲").click()
        self.wait(lambda: self.find("th[aria-sort=descending]"))
        self.wait(lambda: "Paged 19 " in first() + " ")


if __name__ == "__main__":
    unittest.main()
