"""Inventory in the browser: a move made from the keyboard with the
product picker, the stock levels and moves it shows, "not enough stock"
(409) at the move's Quantity and at a reservation line's Quantity, a
reservation opened by its reference (a clerk is offered no Ship or
Release), and the pages at 360 px."""

import unittest

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

from uifixture import By, Keys, new_tag
import uifixture as ui


class InventoryTest(ui.UiOrgCase):

    def active(self):
        return self.driver.switch_to.active_element

    def keys(self, *k):
        ActionChains(self.driver).send_keys(*k).perform()

    def pick(self, control, text, want):
        """Chooses the product named want by typing text into control."""
        control.send_keys(text)
        self.wait(lambda: [o.text for o in self.driver.find_elements(
            By.CSS_SELECTOR, "[role=listbox]:not([hidden]) [role=option]")]
            == [want])
        control.send_keys(Keys.ENTER)
        self.wait(lambda: control.get_attribute("value") == want)

    def field_error(self, control):
        """The error text the control is described by."""
        self.wait(lambda: control.get_attribute("aria-invalid") == "true")
        ids = control.get_attribute("aria-describedby").split()
        return " ".join(self.driver.find_element(By.ID, i).text for i in ids)

    def level(self, name):
        """(on hand, reserved, available) of the stock row of name."""
        for tr in self.driver.find_elements(By.CSS_SELECTOR,
                                            "table.list tbody tr"):
            cell = lambda c: tr.find_element(
                By.CSS_SELECTOR, "td[data-label='%s']" % c).text
            if cell("Product") == name:
                return cell("On hand"), cell("Reserved"), cell("Available")
        return None

    def rows(self):
        return [tr.text for tr in self.driver.find_elements(
            By.CSS_SELECTOR, "table.list tbody tr")]

    def test_moves_levels_and_reservations(self):
        tag = new_tag()
        p = self.api_in("admin", "POST", "/products", {
            "sku": "INV-" + tag, "name": "Crate " + tag, "price_cents": 500})
        name = "INV-%s — Crate %s" % (tag, tag)
        self.sign_in_as("clerk", "/o/%d/r/stock" % self.org_a)
        self.heading("Stock levels")
        self.button("New move").click()
        self.heading("New stock move")
        # the whole move from the keyboard: product, quantity, reason
        product = self.by_label("Product")
        product.click()
        self.pick(product, "inv-" + tag.lower(), name)
        self.keys(Keys.TAB)
        self.assertEqual(self.active(), self.by_label("Quantity"))
        self.keys("5", Keys.TAB)
        self.assertEqual(self.active(), self.by_label("Reason"))
        self.keys("receipt", Keys.TAB, "Delivery " + tag, Keys.TAB,
                  "PO-" + tag, Keys.ENTER)
        self.heading("Stock of " + name)
        fields = self.find("dl.fields").text
        self.assertIn("On hand\n5", fields)
        self.assertIn("Available\n5", fields)
        self.wait(lambda: any("+5" in r and "receipt" in r and "PO-" + tag in r
                              for r in self.rows()))
        # a move out of more than is there: 409 at Quantity, typing kept
        self.button("New move").click()
        self.heading("New stock move")
        self.wait(lambda: self.by_label("Product").get_attribute("value") == name)
        self.type_into(self.by_label("Quantity"), "-9")
        Select(self.by_label("Reason")).select_by_visible_text("scrap")
        self.button("Save move").click()
        qty = self.by_label("Quantity")
        err = self.field_error(qty)
        self.assertIn("not enough stock", err)
        self.assertIn("5 available, 9 asked", err)
        self.assertEqual(qty.get_attribute("value"), "-9")
        self.assertEqual(self.by_label("Product").get_attribute("aria-invalid"),
                         None)
        self.screenshot("stock-move-409")
        # the moves list filters by reason
        self.open("/o/%d/r/stock/moves" % self.org_a)
        self.heading("Stock moves")
        Select(self.by_label("Reason")).select_by_visible_text("scrap")
        self.text_appears("No moves match.")
        Select(self.by_label("Reason")).select_by_visible_text("receipt")
        self.wait(lambda: any("Crate " + tag in r for r in self.rows()))
        # a reservation: too much is refused at its line, then one that fits
        self.button("Reservations").click()
        self.heading("Reservations")
        ref = "PO-T" + tag
        self.type_into(self.by_label("Reference"), ref)
        line = self.driver.find_element(By.CSS_SELECTOR, "fieldset.line")
        self.pick(line.find_element(By.CSS_SELECTOR, "[role=combobox]"),
                  "INV-" + tag, name)
        qty = line.find_element(By.CSS_SELECTOR, "input:not([role])")
        self.type_into(qty, "9")
        self.button("Reserve").click()
        self.assertIn("5 available, 9 asked", self.field_error(qty))
        self.type_into(qty, "2")
        self.button("Reserve").click()
        self.wait(lambda: "reference=PO-T" in self.driver.current_url)
        self.find("#res-title")
        self.wait(lambda: any("Crate " + tag in r and "2" in r
                              for r in self.rows()))
        self.assertNotIn("Ship reservation", self.buttons())
        self.assertNotIn("Release reservation", self.buttons())
        self.screenshot("reservation")
        # the levels show what is reserved
        self.button("Stock levels").click()
        self.heading("Stock levels")
        self.wait(lambda: self.level(name) == ("5", "2", "3"))
        self.screenshot("stock")

    def test_manager_ships_and_pages_fit_360(self):
        tag = new_tag()
        p = self.api_in("admin", "POST", "/products", {
            "sku": "SHP-" + tag, "name": "Pallet " + tag, "price_cents": 1})
        self.api_in("admin", "POST", "/stock/moves", {
            "product_id": p["id"], "quantity": 4, "reason": "receipt"})
        ref = "PO-S" + tag
        self.api_in("admin", "POST", "/reservations", {
            "reference": ref, "lines": [{"product_id": p["id"],
                                         "quantity": 3}]})
        self.sign_in_as("manager", "/o/%d/r/stock/reservations?reference=%s"
                        % (self.org_a, ref))
        self.heading("Reservations")
        self.button("Ship reservation").click()
        self.text_appears("Shipped " + ref)
        s = self.call("manager", "GET", "/stock/%d" % p["id"]).json
        self.assertEqual((s["on_hand"], s["reserved"]), (1, 0))
        self.driver.set_window_size(360, 740)
        try:
            org = "/o/%d/r/stock" % self.org_a
            for frag, title in ((org, "Stock levels"),
                                (org + "/moves", "Stock moves"),
                                (org + "/new", "New stock move"),
                                (org + "/%d" % p["id"], None),
                                (org + "/reservations", "Reservations")):
                with self.subTest(page=frag):
                    self.open(frag)
                    if title:
                        self.heading(title)
                    else:
                        self.find("dl.fields")
                    over = self.driver.execute_script(
                        "return document.documentElement.scrollWidth - "
                        "document.documentElement.clientWidth")
                    self.assertLessEqual(over, 0, frag)
        finally:
            self.driver.set_window_size(*ui.WIDE)


if __name__ == "__main__":
    unittest.main()
