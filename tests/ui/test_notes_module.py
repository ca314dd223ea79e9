"""A module added out of tree gets its pages with no UI change: the
template's notes module (contrib/module-template), built against this
build's installed header, shows up in the navigation with a list, a
form that shows the server's field errors, and a record page."""

import os
import subprocess
import tempfile
import shutil
import unittest

from uifixture import By, new_tag
import uifixture as ui
from harness import ERPD_BIN, SOURCE_DIR


def build_notes(tmp):
    """notes.so built out of tree against erpd installed into tmp."""
    build = os.path.dirname(os.path.abspath(ERPD_BIN))
    prefix = os.path.join(tmp, "erpd")
    out = os.path.join(tmp, "notes")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True,
                                    timeout=300)
    run("cmake", "--install", build, "--prefix", prefix)
    run("cmake", "-S", os.path.join(SOURCE_DIR, "contrib", "module-template"),
        "-B", out, "-DCMAKE_PREFIX_PATH=" + prefix)
    run("cmake", "--build", out)
    return os.path.join(out, "notes.so")


class NotesModuleTest(ui.UiOrgCase):

    @classmethod
    def setUpClass(cls):
        tmp = tempfile.mkdtemp(prefix="erpd-ui-notes-")
        cls.addClassCleanup(shutil.rmtree, tmp, True)
        build = os.path.dirname(os.path.abspath(ERPD_BIN))
        cls.modules = [build_notes(tmp), os.path.join(build, "modules")]
        super().setUpClass()

    def test_notes_pages_from_meta(self):
        tag = new_tag()
        self.sign_in_as("manager")
        self.button("Notes").click()
        self.heading("Notes")
        self.button("New note").click()
        self.heading("New note")
        title = self.by_label("Title")
        self.by_label("Body").send_keys("kept " + tag)
        self.button("Save").click()
        self.wait(lambda: title.get_attribute("aria-invalid") == "true")
        self.assertIn("required", self.find("#" + title.get_attribute(
            "aria-describedby").split()[0]).text)
        self.assertEqual(self.by_label("Body").get_attribute("value"),
                         "kept " + tag)
        self.type_into(title, "Note " + tag)
        self.button("Save").click()
        self.heading("Note Note " + tag)
        self.assertIn("kept " + tag, self.find("dl.fields").text)
        self.screenshot("notes-module")
        self.button("Notes").click()
        self.wait(lambda: "Note " + tag in self.driver.page_source or
                  self.find("table.list"))
        self.find("table.list")
        # a viewer reads notes but may not write them (the fragment's roles)
        self.sign_in_as("viewer")
        self.button("Notes").click()
        self.heading("Notes")
        self.find("table.list")
        self.assertNotIn("New note", self.buttons())


if __name__ == "__main__":
    unittest.main()
