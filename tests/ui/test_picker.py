"""A generic form's field that holds another record's id (`ref` in meta)
gets a picker with no UI code: the tickets fixture module's product_id
is searched by typing, chosen with the arrow keys and Enter, shown by
name and sent as the id; editing shows the stored product's name;
Escape closes the options; the list's product filter is a picker; at
360 px nothing scrolls sideways."""

import os
import unittest

from selenium.webdriver.common.action_chains import ActionChains

from uifixture import By, Keys, new_tag
import uifixture as ui
from harness import ERPD_BIN


def fixture(name):
    """A fixture module built by tests/modules (build/tests/modules)."""
    build = os.path.dirname(os.path.abspath(ERPD_BIN))
    return os.path.join(build, "tests", "modules", "fixtures", name + ".so")


class PickerTest(ui.UiOrgCase):

    modules = [fixture("tickets"), os.path.join(
        os.path.dirname(os.path.abspath(ERPD_BIN)), "modules")]

    def active(self):
        return self.driver.switch_to.active_element

    def keys(self, *k):
        ActionChains(self.driver).send_keys(*k).perform()

    def options(self):
        return [o.text for o in self.driver.find_elements(
            By.CSS_SELECTOR, "[role=listbox]:not([hidden]) [role=option]")]

    def test_pick_a_product_from_the_keyboard(self):
        tag = new_tag()
        blue, red = [self.api_in("admin", "POST", "/products", {
            "sku": "PK%d-%s" % (i, tag), "name": "%s widget %s" % (c, tag),
            "price_cents": 100}) for i, c in ((1, "Blue"), (2, "Red"))]
        self.sign_in_as("admin", "/o/%d/r/ticket/new" % self.org_a)
        self.heading("New ticket")
        self.by_label("Title").click()
        self.keys("Jammed " + tag, Keys.TAB, Keys.TAB)
        product = self.by_label("Product")
        self.assertEqual(self.active(), product)
        self.assertEqual(product.get_attribute("role"), "combobox")
        self.assertEqual(product.get_attribute("aria-expanded"), "false")
        self.keys("red widget " + tag.lower())
        self.wait(lambda: self.options() == [
            "PK2-%s — Red widget %s" % (tag, tag)])
        self.assertEqual(product.get_attribute("aria-expanded"), "true")
        self.assertTrue(product.get_attribute("aria-activedescendant"))
        self.screenshot("picker")
        self.keys(Keys.ENTER)           # chooses; the form is not sent
        self.wait(lambda: product.get_attribute("aria-expanded") == "false")
        self.assertEqual(product.get_attribute("value"),
                         "PK2-%s — Red widget %s" % (tag, tag))
        self.heading("New ticket")
        # arrows open the choices again and move; Escape closes them only
        self.keys(Keys.ARROW_DOWN)
        self.wait(lambda: len(self.options()) >= 2)
        self.keys(Keys.ESCAPE)
        self.wait(lambda: product.get_attribute("aria-expanded") == "false")
        self.heading("New ticket")
        self.keys(Keys.ENTER)           # now Enter sends the form
        self.heading("Ticket Jammed " + tag)
        t = [x for x in self.call("admin", "GET", "/tickets?q=" + tag)
             .json["items"]][0]
        self.assertEqual(t["product_id"], red["id"])
        # editing shows the stored product's name, and a new choice sticks
        self.button("Edit").click()
        self.heading("Edit ticket Jammed " + tag)
        product = self.by_label("Product")
        self.wait(lambda: product.get_attribute("value") ==
                  "PK2-%s — Red widget %s" % (tag, tag))
        product.click()
        self.type_into(product, "PK1-" + tag)
        self.wait(lambda: self.options() == [
            "PK1-%s — Blue widget %s" % (tag, tag)])
        self.driver.find_element(
            By.CSS_SELECTOR, "[role=listbox] [role=option]").click()
        self.button("Save").click()
        self.heading("Ticket Jammed " + tag)
        self.assertEqual(self.call("admin", "GET", "/tickets/%d" % t["id"])
                         .json["product_id"], blue["id"])
        # the list's filter on product_id is a picker too
        self.open("/o/%d/r/ticket" % self.org_a)
        self.heading("Tickets")
        product = self.by_label("Product")
        self.assertEqual(product.get_attribute("role"), "combobox")
        product.send_keys("PK1-" + tag)
        self.wait(lambda: len(self.options()) == 1)
        product.send_keys(Keys.ENTER)
        self.wait(lambda: "product_id=%d" % blue["id"] in
                  self.driver.current_url)
        self.wait(lambda: [a.text for a in self.driver.find_elements(
            By.CSS_SELECTOR, "table.list tbody td:first-child a")] ==
            [str(t["id"])])

    def test_typed_but_not_chosen_sends_no_id(self):
        # text that names no record sends none (product_id is nullable)
        self.sign_in_as("admin", "/o/%d/r/ticket/new" % self.org_a)
        self.heading("New ticket")
        self.type_into(self.by_label("Title"), "Unpicked")
        product = self.by_label("Product")
        product.send_keys("no such product at all")
        self.wait(lambda: "No matches" in self.driver.find_element(
            By.CSS_SELECTOR, "[role=listbox]").text)
        self.button("Save").click()
        self.heading("Ticket Unpicked")
        t = self.call("admin", "GET", "/tickets?q=Unpicked").json["items"]
        self.assertEqual([x["product_id"] for x in t], [None])
        self.driver.set_window_size(360, 740)
        try:
            self.open("/o/%d/r/ticket/new" % self.org_a)
            self.heading("New ticket")
            self.by_label("Product").send_keys("w")
            over = self.driver.execute_script(
                "return document.documentElement.scrollWidth - "
                "document.documentElement.clientWidth")
            self.assertLessEqual(over, 0)
        finally:
            self.driver.set_window_size(*ui.WIDE)


if __name__ == "__main__":
    unittest.main()
