"""Admin pages: members (add by email, change a role, remove after a
dialog) and API keys (the key shown once with a copy button, listed by
its prefix only, revoked after a dialog)."""

import unittest
import uuid

from selenium.webdriver.support.ui import Select

from uifixture import By
import uifixture as ui


class AdminTest(ui.UiOrgCase):

    def test_members(self):
        email = "newcomer-%s@example.com" % uuid.uuid4().hex[:8]
        uid = self.create_user(email, "Newcomer-Passw0rd-1", "Newcomer")["id"]
        self.sign_in_as("admin", "/o/%d/admin/members" % self.org_a)
        self.heading("Members")
        self.type_into(self.by_label("Email"), "nobody-%s@example.com" %
                       uuid.uuid4().hex[:6])
        self.button("Add member").click()
        self.text_appears("no user has this email")
        self.type_into(self.by_label("Email"), email)
        Select(self.by_label("Role")).select_by_visible_text("clerk")
        self.button("Add member").click()
        self.wait(lambda: email in self.find("table.list").text)
        self.assertEqual(self.call("admin", "GET", "/members?limit=500")
                         .json["items"][-1]["role"], "clerk")
        sel = Select(self.driver.find_element(
            By.CSS_SELECTOR, "select[aria-label='Role of %s']" % email))
        sel.select_by_visible_text("viewer")
        self.driver.find_element(
            By.CSS_SELECTOR, "button[aria-label='Save role of %s']" % email).click()
        self.text_appears("is now viewer")
        roles = {m["user_id"]: m["role"] for m in self.call(
            "admin", "GET", "/members?limit=500").json["items"]}
        self.assertEqual(roles[uid], "viewer")
        self.screenshot("members")
        self.driver.find_element(
            By.CSS_SELECTOR, "button[aria-label='Remove %s']" % email).click()
        self.find("dialog[open]").find_element(
            By.XPATH, ".//button[text()='Remove']").click()
        self.wait(lambda: email not in self.find("table.list").text)
        roles = {m["user_id"] for m in self.call(
            "admin", "GET", "/members?limit=500").json["items"]}
        self.assertNotIn(uid, roles)

    def test_api_keys(self):
        self.sign_in_as("admin", "/o/%d/admin/api-keys" % self.org_a)
        self.heading("API keys")
        self.type_into(self.by_label("Name"), "ui-robot")
        Select(self.by_label("Role")).select_by_visible_text("viewer")
        self.button("Create API key").click()
        key = self.find("#new-key").text.strip()
        self.keep(key)
        self.assertRegex(key, r"^erp_[0-9a-f]{12}_")
        self.assertIn("will not be shown again", self.find("main").text)
        self.assertTrue(self.button("Copy key").is_displayed())
        self.screenshot("api-key-created")
        r = self.server.api("GET", "/api/v1/orgs/%d/meta" % self.org_a,
                            headers={"X-API-Key": key})
        self.assertEqual(r.status, 200, repr(r))
        self.button("Done").click()
        self.wait(lambda: not self.driver.find_elements(By.ID, "new-key"))
        table = self.find("table.list").text
        self.assertIn("ui-robot", table)
        self.assertNotIn(key, self.driver.page_source)   # shown once only
        self.driver.find_element(
            By.CSS_SELECTOR, "button[aria-label='Revoke ui-robot']").click()
        self.find("dialog[open]").find_element(
            By.XPATH, ".//button[text()='Revoke']").click()
        self.text_appears("Revoked ui-robot")
        r = self.server.api("GET", "/api/v1/orgs/%d/meta" % self.org_a,
                            headers={"X-API-Key": key})
        self.assertUnauthenticated(r)

    def test_manager_reads_members_only(self):
        self.sign_in_as("manager", "/o/%d/admin/members" % self.org_a)
        self.heading("Members")
        self.find("table.list")
        self.assertNotIn("Add member", self.buttons())
        self.assertEqual(self.driver.find_elements(
            By.CSS_SELECTOR, "main select"), [])


if __name__ == "__main__":
    unittest.main()
