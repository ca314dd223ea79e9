"""Files in the browser: an upload shows its progress, lands in the list,
downloads through a signed link (no token in it), and a type the server
refuses is reported with its reason."""

import os
import time
import unittest

from uifixture import By
import uifixture as ui


class FilesTest(ui.UiOrgCase):

    downloads = True

    def test_upload_list_download(self):
        tmp = self.downloads
        src = os.path.join(tmp, "..", "erpd-ui-upload-%d.csv" % os.getpid())
        src = os.path.abspath(src)
        rows = "".join("%d,item %d,%d\n" % (i, i, i * 7) for i in range(120000))
        with open(src, "w") as f:
            f.write("id,name,qty\n" + rows)
        self.addCleanup(os.remove, src)
        self.sign_in_as("clerk", "/o/%d/r/file" % self.org_a)
        self.heading("Files")
        self.driver.execute_script("""
            window.__seen = [];
            new MutationObserver(() => {
                const p = document.querySelector('progress');
                if (p) window.__seen.push(Number(p.getAttribute('value')));
            }).observe(document.body, {subtree: true, childList: true,
                                       attributes: true});""")
        self.by_label("File to upload").send_keys(src)
        self.button("Upload").click()
        name = os.path.basename(src)
        self.wait(lambda: name in self.find("table.list").text)
        self.text_appears("Uploaded " + name)
        seen = self.driver.execute_script("return window.__seen")
        self.assertTrue(seen, "no progress bar was shown")
        self.assertGreater(max(seen), 0, "the progress never moved")
        self.screenshot("files")
        # download: the signed link needs no credentials
        links = []
        self.driver.execute_script("""
            const orig = window.fetch;
            window.__links = [];
            window.fetch = async (...a) => {
                const r = await orig(...a);
                if (String(a[0]).endsWith('/link'))
                    r.clone().json().then((j) => window.__links.push(j.url));
                return r;
            };""")
        self.driver.find_element(
            By.CSS_SELECTOR, "button[aria-label='Download %s']" % name).click()
        path = os.path.join(tmp, name)
        deadline = time.monotonic() + ui.WAIT
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        with open(src, "rb") as a, open(path, "rb") as b:
            self.assertEqual(a.read(), b.read())
        links = self.driver.execute_script("return window.__links")
        self.assertEqual(len(links), 1)
        self.assertNotIn("Bearer", links[0])
        r = self.server.get(links[0])          # no credentials
        self.assertEqual(r.status, 200, repr(r))
        self.assertIn("attachment", r.headers.get("content-disposition", ""))

    def test_refused_type_says_why(self):
        src = os.path.abspath(os.path.join(self.downloads, "..",
                                           "erpd-ui-%d.png" % os.getpid()))
        with open(src, "w") as f:
            f.write("not a picture at all\n")
        self.addCleanup(os.remove, src)
        self.sign_in_as("clerk", "/o/%d/r/file" % self.org_a)
        self.by_label("File to upload").send_keys(src)
        self.button("Upload").click()
        err = self.find("[role=alert]")
        self.assertTrue(err.text.strip())
        self.assertIn("Request ID", err.text)

    def test_viewer_cannot_upload(self):
        self.sign_in_as("viewer", "/o/%d/r/file" % self.org_a)
        self.heading("Files")
        self.assertEqual(self.driver.find_elements(
            By.CSS_SELECTOR, "input[type=file]"), [])


if __name__ == "__main__":
    unittest.main()
