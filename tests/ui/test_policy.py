"""The policy page: a policy whose test fails is refused with its line
marked in the gutter; the fix is saved; a later version is rolled back;
a dry-run answers; versions can be compared and the organization
reverted to the base when the server offers those endpoints."""

import unittest

from selenium.webdriver.support.ui import Select

from uifixture import By
import uifixture as ui

FAILING = """roles = { viewer = { 'customer:read' } }
tests = {
  function()
    local s = { id = 1, kind = 'user', role = 'viewer' }
    local r = { type = 'product' }
    if expect_allow then expect_allow(s, 'product:read', r)
    else assert(decide(s, 'product:read', r), 'viewers read products') end
  end,
}
"""
FIXED = FAILING.replace("{ 'customer:read' }",
                        "{ 'customer:read', 'product:read' }")


class PolicyTest(ui.UiOrgCase):

    def source(self):
        return self.find("#policy-source")

    def set_source(self, text):
        self.driver.execute_script(
            "const t = arguments[0]; t.value = arguments[1];"
            "t.dispatchEvent(new Event('input', {bubbles: true}));",
            self.source(), text)

    def test_fail_fix_rollback(self):
        org = self.make_org("Pol")
        self.addCleanup(self.call, "admin", "PUT", "/policy", {"source": ""},
                        None, org)
        self.sign_in_as("admin", "/o/%d/admin/policy" % org)
        self.heading("Policy")
        self.set_source(FAILING)
        self.button("Save policy").click()
        bad = self.find(".gutter span.bad")
        err = self.find("#policy-error").text
        self.assertIn("Line %s" % bad.text, err)
        self.assertIn(bad.text, ("3", "4", "5", "6", "7"))
        self.assertEqual(self.source().get_attribute("aria-invalid"), "true")
        self.assertEqual(self.call("admin", "GET", "/policy", org=org)
                         .json["version"], 0)
        self.screenshot("policy-error")
        # the fix: saved, the mark gone
        self.set_source(FIXED)
        self.button("Save policy").click()
        self.text_appears("saved as version 1")
        self.assertEqual(self.driver.find_elements(
            By.CSS_SELECTOR, ".gutter span.bad"), [])
        self.set_source(FIXED + "-- a second version\n")
        self.button("Save policy").click()
        self.text_appears("saved as version 2")
        self.wait(lambda: "2" in self.find("table.list tbody tr").text)
        self.find("button[aria-label='Roll back to version 1']").click()
        self.find("dialog[open]").find_element(
            By.XPATH, ".//button[text()='Roll back']").click()
        self.text_appears("Version 1 is in force again as version 3")
        p = self.call("admin", "GET", "/policy", org=org).json
        self.assertEqual((p["version"], p["source"]), (3, FIXED))
        self.assertEqual(self.source().get_attribute("value"), FIXED)
        # dry-run with the policy in force
        Select(self.by_label("Role")).select_by_visible_text("viewer")
        self.type_into(self.by_label("Action"), "order:read")
        self.type_into(self.by_label("Resource type"), "order")
        self.button("Run dry run").click()
        self.text_appears("Denied")
        self.type_into(self.by_label("Action"), "product:read")
        self.type_into(self.by_label("Resource type"), "product")
        self.button("Run dry run").click()
        self.text_appears("Allowed")
        self.screenshot("policy")
        # comparing versions needs GET …/policy/versions/{n}
        if self.call("admin", "GET", "/policy/versions/1", org=org).status == 200:
            Select(self.by_label("From version")).select_by_visible_text("2")
            Select(self.by_label("To version")).select_by_visible_text("3")
            self.button("Show diff").click()
            diff = self.find("pre.diff")
            self.assertIn("- -- a second version", diff.text)
        # reverting needs DELETE …/policy
        allow = self.server.request("OPTIONS", "/api/v1/orgs/%d/policy" % org,
                                    {"Authorization": "Bearer " +
                                     self.admin_token}).headers.get("allow", "")
        if "DELETE" in allow:
            self.button("Revert to base policy").click()
            self.find("dialog[open]").find_element(
                By.XPATH, ".//button[text()='Revert']").click()
            self.text_appears("base policy alone")
        else:
            self.assertNotIn("Revert to base policy", self.buttons())

    def test_manager_reads_only(self):
        self.sign_in_as("manager", "/o/%d/admin/policy" % self.org_a)
        self.heading("Policy")
        self.assertEqual(self.source().get_attribute("readonly"), "true")
        self.assertNotIn("Save policy", self.buttons())


if __name__ == "__main__":
    unittest.main()
