"""Keyboard only: sign in with Tab, typing and Enter; move through the
navigation with Tab; a page's heading takes focus when it opens; a
confirmation dialog opens from the keyboard and Escape closes it."""

import unittest

from selenium.webdriver.common.action_chains import ActionChains

from uifixture import By, Keys, new_tag
import uifixture as ui


class KeyboardTest(ui.UiOrgCase):

    def active(self):
        return self.driver.switch_to.active_element

    def keys(self, *k):
        ActionChains(self.driver).send_keys(*k).perform()

    def test_keyboard_sign_in_and_work(self):
        email, pw = self.logins["manager"]
        p = self.api_in("admin", "POST", "/products", {
            "sku": "KB-" + new_tag(), "name": "Keyed", "price_cents": 1})
        self.sign_out_hard()
        self.open("/")
        self.heading("Sign in to erpd")
        self.keys(Keys.TAB)
        self.assertEqual(self.active().get_attribute("type"), "email")
        self.keys(email, Keys.TAB)
        self.assertEqual(self.active().get_attribute("type"), "password")
        self.keys(pw, Keys.ENTER)
        self.find("header.top")
        # Tab reaches the navigation's links
        seen = []
        for _ in range(20):
            self.keys(Keys.TAB)
            seen.append(self.active().text)
            if self.active().text == "Products":
                break
        self.assertEqual(self.active().text, "Products", seen)
        self.keys(Keys.ENTER)
        self.heading("Products")
        h1 = self.driver.find_element(By.CSS_SELECTOR, "main h1")
        self.wait(lambda: self.active() == h1)
        # open a record, then the delete dialog, from the keyboard
        self.open("/o/%d/r/product/%d" % (self.org_a, p["id"]))
        self.heading("Product Keyed")
        delete = self.button("Delete")
        delete.send_keys(Keys.ENTER)
        dialog = self.find("dialog[open]")
        self.assertIn(self.active().text, ("Delete", "Cancel"))
        self.keys(Keys.ESCAPE)
        self.wait(lambda: not dialog.get_attribute("open"))
        r = self.call("admin", "GET", "/products/%d" % p["id"])
        self.assertEqual(r.status, 200)     # Escape deleted nothing


if __name__ == "__main__":
    unittest.main()
