"""The audit page: entries with their old and new values, filters that
narrow the list (and live in the address), and paging."""

import unittest

from selenium.webdriver.support.ui import Select

from uifixture import By, new_tag
import uifixture as ui


class AuditTest(ui.UiOrgCase):

    def test_filters_and_changes(self):
        tag = new_tag()
        p = self.api_in("admin", "POST", "/products", {
            "sku": "AU-" + tag, "name": "Audited", "price_cents": 500})
        self.api_in("admin", "PATCH", "/products/%d" % p["id"],
                    {"price_cents": 750})
        for i in range(55):
            self.api_in("admin", "POST", "/customers",
                        {"name": "Audit filler %d" % i})
        self.sign_in_as("admin", "/o/%d/admin/audit" % self.org_a)
        self.heading("Audit log")
        self.text_appears("1–50 of")
        self.type_into(self.by_label("Action"), "product.update")
        self.button("Apply filters").click()
        self.wait(lambda: "action=product.update" in self.driver.current_url)
        self.wait(lambda: all(
            "product.update" in r.text for r in self.driver.find_elements(
                By.CSS_SELECTOR, "table.list tbody tr")) and
            self.driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr"))
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
        self.assertEqual(len(rows), 1)
        changes = rows[0].find_element(By.CSS_SELECTOR, "dl.changes")
        self.assertEqual(changes.find_element(By.TAG_NAME, "del").text, "500")
        self.assertEqual(changes.find_element(By.TAG_NAME, "ins").text, "750")
        self.screenshot("audit")
        # the filter survives a reload: it is in the address
        self.driver.refresh()
        self.wait(lambda: self.by_label("Action").get_attribute("value") ==
                  "product.update")
        self.button("Clear filters").click()
        self.text_appears("1–50 of")
        self.button("Next").click()
        self.text_appears("51–")
        self.type_into(self.by_label("Actor id"), str(self.ids["viewer"]))
        Select(self.by_label("Outcome")).select_by_visible_text("success")
        self.button("Apply filters").click()
        self.text_appears("No entries match")

    def test_clerk_has_no_audit(self):
        self.sign_in_as("clerk")
        self.wait(lambda: "Products" in self.find("nav#nav").text)
        self.assertNotIn("Audit log", self.find("nav#nav").text)
        self.open("/o/%d/admin/audit" % self.org_a)
        err = self.find("[role=alert]")
        self.assertIn("Not allowed", err.text)


if __name__ == "__main__":
    unittest.main()
