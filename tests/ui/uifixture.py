"""What the browser tests share: one erpd (tests/http/harness.py) and one
headless Chromium per test file, signing in through the UI, waiting for
the page, screenshots at a fixed size, and the rule every test follows:
no browser console error (a CSP violation is one). Runs under Debian's
/usr/bin/python3 with python3-selenium, chromium and chromium-driver."""

import os
import shutil
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "http"))

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException, StaleElementReferenceException,
    TimeoutException)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from harness import SOURCE_DIR, ServerTestCase  # noqa: E402
from erpd_testkit import OrgFixture  # noqa: E402

WAIT = float(os.environ.get("ERPD_UI_WAIT", "60"))
# Screenshots go to the build tree unless ERPD_UI_SHOTS names another
# folder (docs/screenshots to refresh the README's), so a test run never
# changes the source tree.
SHOTS = os.environ.get("ERPD_UI_SHOTS") or os.path.join(
    os.path.dirname(os.path.abspath(os.environ.get("ERPD_BIN") or os.path.join(
        SOURCE_DIR, "build", "erpd"))), "screenshots")
WIDE = (1280, 800)

__all__ = ["By", "Keys", "UiCase", "UiOrgCase", "new_tag", "NoSuchElementException"]


def new_tag():
    return uuid.uuid4().hex[:6].upper()


def browser(width=WIDE[0], height=WIDE[1], downloads=None):
    """Headless Chromium with its console log kept for the checks."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--no-first-run",
              "--disable-extensions", "--force-device-scale-factor=1",
              "--window-size=%d,%d" % (width, height)):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if downloads:
        opts.add_experimental_option("prefs", {
            "download.default_directory": downloads,
            "download.prompt_for_download": False})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    d = webdriver.Chrome(options=opts, service=service)
    d.set_window_size(width, height)
    return d


def console_errors(entries):
    """The entries that are errors of the page itself. An API answer of
    4xx is logged by Chromium as a failed resource; those the tests make
    on purpose (422, 403, 401) are the API's business, not the page's."""
    bad = []
    for e in entries:
        msg = e.get("message", "")
        if e.get("level") not in ("SEVERE", "WARNING"):
            continue
        if "Content Security Policy" in msg or "Content-Security-Policy" in msg:
            bad.append(e)
        elif e.get("level") != "SEVERE":
            continue
        elif e.get("source") == "network" and "/api/v1/" in msg:
            continue
        else:
            bad.append(e)
    return bad


class UiCase(ServerTestCase):
    """One erpd and one browser per test file. Subclasses sign in with
    sign_in(email, password)."""

    width, height = WIDE
    downloads = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.base = "http://%s:%d" % (cls.server.host, cls.server.port)
        if cls.downloads is True:
            cls.downloads = tempfile.mkdtemp(prefix="erpd-ui-dl-")
            cls.addClassCleanup(shutil.rmtree, cls.downloads, True)
        cls.driver = browser(cls.width, cls.height, cls.downloads)
        cls.addClassCleanup(cls.driver.quit)

    def setUp(self):
        super().setUp()
        self.driver.get_log("browser")      # start each test clean

    def tearDown(self):
        errors = console_errors(self.driver.get_log("browser"))
        super().tearDown()
        self.assertEqual(errors, [], "browser console errors")

    # -- navigation and waiting ------------------------------------------

    def open(self, fragment="/"):
        self.driver.get(self.base + "/#" + fragment)

    def wait(self, cond, timeout=WAIT, what="the page"):
        try:
            return WebDriverWait(self.driver, timeout, 0.05).until(
                lambda d: self._try(cond))
        except TimeoutException:
            raise AssertionError("waited %.0f s for %s; page: %s\n%s" % (
                timeout, what, self.driver.current_url,
                self.driver.find_element(By.TAG_NAME, "body").text[:2000]))

    @staticmethod
    def _try(cond):
        try:
            return cond()
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    def find(self, css, timeout=WAIT):
        return self.wait(lambda: self.driver.find_element(By.CSS_SELECTOR, css),
                         timeout, css)

    def by_label(self, label, timeout=WAIT):
        """The control whose <label> reads exactly label."""
        def get():
            for lab in self.driver.find_elements(By.TAG_NAME, "label"):
                if lab.text.replace("*", "").strip() == label and \
                        lab.get_attribute("for"):
                    return self.driver.find_element(
                        By.ID, lab.get_attribute("for"))
            return False
        return self.wait(get, timeout, "a control labelled %r" % label)

    def button(self, text, timeout=WAIT):
        """A visible button (or link styled as one) that says text."""
        def get():
            for b in self.driver.find_elements(
                    By.CSS_SELECTOR, "button, a.button, a"):
                if b.text.strip() == text and b.is_displayed():
                    return b
            return False
        return self.wait(get, timeout, "a button %r" % text)

    def buttons(self):
        return [b.text.strip() for b in self.driver.find_elements(
            By.CSS_SELECTOR, "main button, main a.button") if b.is_displayed()]

    def heading(self, text, timeout=WAIT):
        return self.wait(lambda: any(
            h.text.strip() == text for h in
            self.driver.find_elements(By.TAG_NAME, "h1")), timeout,
            "heading %r" % text)

    def text_appears(self, text, timeout=WAIT):
        return self.wait(lambda: text in self.driver.find_element(
            By.TAG_NAME, "body").text, timeout, repr(text))

    def type_into(self, el, text):
        el.clear()
        el.send_keys(text)

    # -- identity -----------------------------------------------------------

    def sign_out_hard(self):
        """Forgets the session from a page of the origin that runs no UI
        (so nothing of the app races the next navigation)."""
        self.driver.get(self.base + "/app.css")
        self.driver.execute_script("sessionStorage.clear()")

    def sign_in(self, email, password, fragment="/"):
        self.sign_out_hard()
        self.open(fragment)
        self.type_into(self.by_label("Email"), email)
        self.type_into(self.by_label("Password"), password)
        self.button("Sign in").click()
        self.find("header.top")

    def sign_out(self):
        self.find("details.usermenu summary").click()
        self.button("Sign out").click()
        self.heading("Sign in to erpd")

    # -- screenshots --------------------------------------------------------

    def screenshot(self, name):
        """SHOTS/<name>.png at the class's fixed size."""
        os.makedirs(SHOTS, exist_ok=True)
        time.sleep(0.2)    # let the status line and focus settle
        self.driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


class UiOrgCase(OrgFixture, UiCase):
    """The test kit's organizations with the browser: org A has a
    manager, a clerk and a viewer, each also as a person who signs in
    through the UI (cls.logins: role -> (email, password))."""

    @classmethod
    def setup_identity(cls):
        super().setup_identity()
        cls.logins = {"admin": (cls.admin_email, cls.admin_password)}
        tag = uuid.uuid4().hex[:8]
        for role in ("manager", "clerk", "viewer"):
            email = "ui-%s-%s@example.com" % (role, tag)
            pw = "Ui-%s-Passw0rd-%s" % (role.capitalize(), tag)
            uid = cls.create_user(email, pw, "UI " + role)["id"]
            cls.add_member(cls.org_a, uid, role)
            cls.logins[role] = (email, pw)

    def sign_in_as(self, who, fragment=None):
        if fragment is None:
            fragment = "/o/%d" % self.org_a
        self.sign_in(*self.logins[who], fragment=fragment)

    def api_in(self, who, method, path, body=None):
        """An API call under org A as who; asserts a 2xx answer."""
        r = self.call(who, method, path, body)
        self.assertLess(r.status, 300, repr(r))
        return r.json


unittest.TestCase.maxDiff = None
