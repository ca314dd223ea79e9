"""A token that dies mid-work (here revoked by a logout elsewhere, as an
expired one is refused the same way): the user signs in again in a
dialog, the request that failed is repeated, and what was typed is kept;
a reload with a dead token asks to sign in and returns to the same
page."""

import unittest

from uifixture import By, new_tag
import uifixture as ui


class ExpiredTest(ui.UiOrgCase):

    def kill_browser_token(self):
        token = self.driver.execute_script(
            "return sessionStorage.getItem('erpd.token')")
        self.keep(token)
        r = self.server.api("POST", "/api/v1/auth/logout", token=token)
        self.assertEqual(r.status, 204, repr(r))

    def test_sign_in_again_keeps_typed_input(self):
        tag = new_tag()
        email, pw = self.logins["manager"]
        self.sign_in_as("manager", "/o/%d/r/product/new" % self.org_a)
        self.heading("New product")
        self.type_into(self.by_label("SKU"), "EXP-" + tag)
        self.type_into(self.by_label("Name"), "Typed before expiry")
        self.type_into(self.by_label("Price"), "9.99")
        self.kill_browser_token()
        self.button("Save").click()
        dialog = self.find("dialog.reauth[open]")
        self.assertIn("Signed out", dialog.text)
        self.screenshot("signed-out")
        self.assertEqual(self.driver.find_element(
            By.ID, "reauth-email").get_attribute("value"), email)
        self.driver.find_element(By.ID, "reauth-password").send_keys(pw)
        dialog.find_element(By.XPATH, ".//button[text()='Sign in']").click()
        # the save went through after the new sign-in
        self.heading("Product Typed before expiry")
        items = self.api_in("admin", "GET", "/products?limit=500")["items"]
        made = [p for p in items if p["sku"] == "EXP-" + tag]
        self.assertEqual(len(made), 1)
        self.assertEqual(made[0]["price_cents"], 999)

    def test_reload_with_dead_token_returns_to_page(self):
        page = "/o/%d/r/customer" % self.org_a
        self.sign_in_as("clerk", page)
        self.heading("Customers")
        self.kill_browser_token()
        self.driver.refresh()
        self.heading("Sign in to erpd")
        self.text_appears("session has ended")
        self.assertTrue(self.driver.current_url.endswith("#" + page))
        email, pw = self.logins["clerk"]
        self.type_into(self.by_label("Email"), email)
        self.type_into(self.by_label("Password"), pw)
        self.button("Sign in").click()
        self.heading("Customers")


if __name__ == "__main__":
    unittest.main()
