"""What the API's own lists accept, offered in the browser and used from
the keyboard: the orders list filters by status (?status=), the files
list searches names (?q=); each keeps its choice in the address."""

import unittest
import uuid

from selenium.webdriver.common.action_chains import ActionChains

from uifixture import By, Keys, new_tag
import uifixture as ui


class ListFiltersTest(ui.UiOrgCase):

    def keys(self, *k):
        ActionChains(self.driver).send_keys(*k).perform()

    def rows(self):
        return [tr.text for tr in self.driver.find_elements(
            By.CSS_SELECTOR, "table.list tbody tr")]

    def upload(self, name, text):
        """name uploaded to org A through the API (multipart)."""
        b = uuid.uuid4().hex
        body = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
                "filename=\"%s\"\r\nContent-Type: text/plain\r\n\r\n%s\r\n"
                "--%s--\r\n" % (b, name, text, b)).encode()
        r = self.server.request(
            "POST", "/api/v1/orgs/%d/files" % self.org_a, body=body,
            headers={"Authorization": "Bearer " + self.tokens["admin"],
                     "Content-Type": "multipart/form-data; boundary=" + b})
        self.assertEqual(r.status, 201, repr(r))
        return r.json

    def test_orders_by_status(self):
        tag = new_tag()
        c = self.api_in("admin", "POST", "/customers", {"name": "F " + tag})
        p = self.api_in("admin", "POST", "/products", {
            "sku": "F-" + tag, "name": "Filtered", "price_cents": 100})
        made = [self.api_in("admin", "POST", "/orders", {
            "customer_id": c["id"],
            "lines": [{"product_id": p["id"], "quantity": 1}]})
            for _ in range(2)]
        self.api_in("admin", "POST", "/orders/%d/confirm" % made[1]["id"])
        self.sign_in_as("clerk", "/o/%d/r/order" % self.org_a)
        self.heading("Orders")
        status = self.by_label("Status")
        self.assertEqual(
            [o.get_attribute("value") for o in status.find_elements(
                By.TAG_NAME, "option")],
            ["", "draft", "confirmed", "shipped", "cancelled"])
        # the keyboard chooses: focus, arrow to "confirmed", the list
        # follows and the focus stays on the filter
        self.driver.execute_script("arguments[0].focus()", status)
        self.keys(Keys.ARROW_DOWN)
        self.wait(lambda: "status=draft" in self.driver.current_url)
        self.keys(Keys.ARROW_DOWN)
        self.wait(lambda: "status=confirmed" in self.driver.current_url)
        self.wait(lambda: self.rows() and all(
            "confirmed" in r for r in self.rows()))
        ids = [a.text for a in self.driver.find_elements(
            By.CSS_SELECTOR, "table.list tbody tr td:first-child a")]
        self.assertIn(str(made[1]["id"]), ids)
        self.assertNotIn(str(made[0]["id"]), ids)
        self.assertEqual(self.driver.switch_to.active_element,
                         self.by_label("Status"))
        # a reload keeps the filter
        self.driver.refresh()
        self.heading("Orders")
        self.assertEqual(self.by_label("Status").get_attribute("value"),
                         "confirmed")
        self.screenshot("orders-by-status")

    def test_files_search(self):
        tag = new_tag().lower()
        self.upload("report-%s.txt" % tag, "quarterly\n")
        self.upload("REPORT-%s-draft.txt" % tag, "draft\n")
        self.upload("photo-%s.txt" % tag, "not a photo\n")
        self.sign_in_as("viewer", "/o/%d/r/file" % self.org_a)
        self.heading("Files")
        box = self.by_label("Search")
        box.send_keys("Report-" + tag, Keys.ENTER)
        self.wait(lambda: "q=Report-" in self.driver.current_url)
        self.wait(lambda: len(self.rows()) == 2)
        names = sorted(td.text for td in self.driver.find_elements(
            By.CSS_SELECTOR, "table.list td[data-label=Name]"))
        self.assertEqual(names, ["REPORT-%s-draft.txt" % tag,
                                 "report-%s.txt" % tag])
        self.screenshot("files-search")
        box = self.by_label("Search")
        self.type_into(box, "no-such-file-" + tag)
        box.send_keys(Keys.ENTER)
        self.text_appears("No files match.")


if __name__ == "__main__":
    unittest.main()
