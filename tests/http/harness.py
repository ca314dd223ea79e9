"""harness: the test kit (contrib/testkit/erpd_testkit.py, installed with
erpd) for the tests of this source tree, which run the erpd built in
build/ unless ERPD_BIN names another. Environment: ERPD_BIN (the built
erpd), ERPD_SOURCE_DIR.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("ERPD_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(HERE))
ERPD_BIN = os.environ.setdefault("ERPD_BIN", os.path.join(
    SOURCE_DIR, "build", "erpd"))
sys.path.insert(0, os.path.join(SOURCE_DIR, "contrib", "testkit"))

from erpd_testkit import (  # noqa: E402,F401  (re-exported for the tests)
    DEV_ADMIN_EMAIL, FRESH_ID_RE, HSTS, LOGIN_PATH, PROD_JWT_SECRET,
    PROD_SECRET_KEY, PRODUCTION_ENV, REQUEST_ID_RE, SECURITY_HEADERS,
    IdentityMixin, Response, Server, ServerTestCase, bearer, clean_env,
    free_port, json_lines, log_lines, parse_head, read_response, run_erpd)
