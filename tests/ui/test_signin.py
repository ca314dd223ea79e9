"""Signing in and out through the UI: a wrong password is refused with
the server's message, the right one opens the user's organization, the
token stays out of the address and cookies, and signing out ends it."""

import unittest
import uuid

from uifixture import By
import uifixture as ui


class SignInTest(ui.UiOrgCase):

    def test_sign_in_and_out(self):
        email, pw = self.logins["clerk"]
        self.sign_out_hard()
        self.open("/")
        self.heading("Sign in to erpd")
        self.screenshot("signin")
        self.type_into(self.by_label("Email"), email)
        self.type_into(self.by_label("Password"), "not-the-password-1")
        self.button("Sign in").click()
        self.text_appears("invalid")
        self.type_into(self.by_label("Password"), pw)
        self.button("Sign in").click()
        self.find("header.top")
        # one organization: straight to it, its resources in the nav
        self.wait(lambda: "/o/%d" % self.org_a in self.driver.current_url)
        self.wait(lambda: "Products" in self.find("nav#nav").text)
        nav = self.find("nav#nav").text
        for label in ("Products", "Customers", "Orders", "Files"):
            self.assertIn(label, nav)
        self.assertNotIn("Members", nav)    # a clerk holds no member:read
        token = self.driver.execute_script(
            "return sessionStorage.getItem('erpd.token')")
        self.assertTrue(token)
        self.keep(token)
        self.assertNotIn(token, self.driver.current_url)
        self.assertEqual(self.driver.get_cookies(), [])
        # a reload keeps the session and the page
        self.driver.refresh()
        self.find("header.top")
        self.sign_out()
        self.assertIsNone(self.driver.execute_script(
            "return sessionStorage.getItem('erpd.token')"))
        r = self.server.api("GET", "/api/v1/users/me", token=token)
        self.assertUnauthenticated(r)     # the token died with sign-out
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR,
                                                   "header.top"), [])

    def test_change_password(self):
        email = "pw-%s@example.com" % uuid.uuid4().hex[:8]
        old, new = "Old-Passw0rd-for-ui", "New-Passw0rd-for-ui"
        self.create_user(email, old, "Pw")
        self.keep(new)
        self.sign_in(email, old, "/password")
        self.heading("Change password")
        before = self.driver.execute_script(
            "return sessionStorage.getItem('erpd.token')")
        self.keep(before)
        self.type_into(self.by_label("Current password"), "wrong-Passw0rd-1")
        self.type_into(self.by_label("New password"), new)
        self.button("Change password").click()
        self.find("[role=alert]")
        self.type_into(self.by_label("Current password"), old)
        self.type_into(self.by_label("New password"), "short")
        self.button("Change password").click()
        self.wait(lambda: self.by_label("New password").get_attribute(
            "aria-invalid") == "true")
        self.type_into(self.by_label("New password"), new)
        self.button("Change password").click()
        self.text_appears("Password changed")
        after = self.driver.execute_script(
            "return sessionStorage.getItem('erpd.token')")
        self.keep(after)
        self.assertNotEqual(before, after)
        self.assertUnauthenticated(self.me(before))
        self.assertEqual(self.me(after).status, 200)
        self.sign_in(email, new)
        self.find("header.top")


if __name__ == "__main__":
    unittest.main()
