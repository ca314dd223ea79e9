#!/usr/bin/python3
"""bench/ui.py: the web UI's budgets (issue 11), measured in headless
Chromium against a fresh erpd on loopback, in alternating rounds:

- first page weight: every byte the sign-in page loads (HTML, CSS,
  modules), before compression (erpd sends none); budget 150 KB;
- first page usable: navigation start to the sign-in form ready for
  input; budget 300 ms; baseline: the same for a page of one static
  HTML file with one stylesheet (what any page costs here);
- a 500-row list rendered by the UI's own Table component; budget
  100 ms; baseline: the same rows built with plain DOM calls.

Usage: bench/ui.py [build-dir] (default build; ROUNDS=5). Needs
python3-selenium, chromium and chromium-driver (contrib/deps.sh).
"""

import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                        os.path.join(SRC, "build"))
os.environ.setdefault("ERPD_BIN", os.path.join(BUILD, "erpd"))
os.environ.setdefault("ERPD_SOURCE_DIR", SRC)
sys.path.insert(0, os.path.join(SRC, "tests", "http"))
sys.path.insert(0, os.path.join(SRC, "tests", "ui"))

from harness import Server  # noqa: E402
from uifixture import browser  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))
ROWS = 500

# Run in the page before any of its scripts (not subject to its CSP):
# records when the sign-in form's Email input appears.
READY_PROBE = """
window.__ready = null;
new MutationObserver((m, o) => {
    if (document.querySelector('input[type=email], #baseline-ready')) {
        window.__ready = performance.now(); o.disconnect();
    }
}).observe(document, {childList: true, subtree: true});
"""

RENDER = """
const done = arguments[arguments.length - 1];
(async () => {
    const { html, render } = await import('/js/lib.mjs');
    const { Table } = await import('/js/pages/list.mjs');
    const { columns } = await import('/js/resource.mjs');
    const token = sessionStorage.getItem('erpd.token');
    const h = { Authorization: 'Bearer ' + token };
    const org = arguments[0];
    const meta = await (await fetch('/api/v1/orgs/' + org + '/meta',
        { headers: h })).json();
    const page = await (await fetch('/api/v1/orgs/' + org +
        '/products?limit=500', { headers: h })).json();
    const r = meta.resources.product, cols = columns(r);
    const out = { ui: [], dom: [] };
    for (let i = 0; i < arguments[1]; i++) {
        const a = document.createElement('div');
        document.body.appendChild(a);
        let t = performance.now();
        render(html`<${Table} org=${org} type="product" r=${r}
            items=${page.items} cols=${cols} sort="" onSort=${() => {}} />`, a);
        a.offsetHeight;                   // layout included
        out.ui.push(performance.now() - t);
        a.remove();
        const b = document.createElement('div');
        document.body.appendChild(b);
        t = performance.now();
        const tb = document.createElement('table');
        for (const rec of page.items) {
            const tr = document.createElement('tr');
            for (const c of cols) {
                const td = document.createElement('td');
                td.textContent = String(rec[c] ?? '');
                tr.appendChild(td);
            }
            tb.appendChild(tr);
        }
        b.appendChild(tb);
        b.offsetHeight;
        out.dom.push(performance.now() - t);
        b.remove();
    }
    out.rows = page.items.length;
    done(out);
})().catch((e) => done({ error: String(e) }));
"""


def load(driver, url):
    """(ms to usable, bytes) of one cold load of url."""
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get("about:blank")
    driver.get(url)
    for _ in range(200):
        t = driver.execute_script("return window.__ready")
        if t is not None:
            break
        driver.implicitly_wait(0)
    entries = driver.execute_script("""
        const n = performance.getEntriesByType('navigation')[0];
        const r = performance.getEntriesByType('resource');
        return [n.decodedBodySize, r.map((e) => [e.name, e.decodedBodySize])];""")
    size = entries[0] + sum(s for _, s in entries[1])
    return t, size, entries[1]


def main():
    tmp = tempfile.mkdtemp(prefix="erpd-bench-ui-")
    base = os.path.join(tmp, "baseline")
    os.makedirs(base)
    with open(os.path.join(base, "index.html"), "w") as f:
        f.write('<!doctype html><meta charset="utf-8"><title>b</title>'
                '<link rel="stylesheet" href="/app.css">'
                '<link rel="icon" href="data:,">'
                '<p id="baseline-ready">static</p>')
    shutil.copy(os.path.join(SRC, "www", "app.css"), base)
    ui = Server(env={"ERP_LOGIN_RATE": "1000/minute"}).start()
    static = Server(env={"ERP_WWW_DIR": base}).start()
    d = browser()
    try:
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                          {"source": READY_PROBE})
        ui_url = "http://127.0.0.1:%d/" % ui.port
        st_url = "http://127.0.0.1:%d/" % static.port
        t_ui, t_st = [], []
        for i in range(ROUNDS):
            order = [(ui_url, t_ui), (st_url, t_st)]
            for url, out in (order if i % 2 == 0 else order[::-1]):
                t, size, files = load(d, url)
                out.append(t)
                if url == ui_url:
                    weight, weight_files = size, files
        # a signed-in session with 500 products
        email, pw = ui.initial_admin()
        tok = ui.token(email, pw)
        org = ui.api("POST", "/api/v1/orgs", {"name": "Bench", "slug":
                     "bench"}, token=tok).json["id"]
        for i in range(ROWS):
            ui.api("POST", "/api/v1/orgs/%d/products" % org, {
                "sku": "B-%04d" % i, "name": "Bench product %d" % i,
                "price_cents": 100 + i, "description": "row %d" % i},
                token=tok)
        d.get(ui_url)
        d.execute_script("sessionStorage.setItem('erpd.token', arguments[0])",
                         tok)
        d.set_script_timeout(120)
        res = d.execute_async_script(RENDER, org, ROUNDS)
        if "error" in res:
            raise SystemExit("render: " + res["error"])
    finally:
        d.quit()
        ui.stop()
        static.stop()
        ui.cleanup()
        static.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)

    med = statistics.median
    print("first page weight: %d bytes (%.1f KB; budget 150 KB) in %d files"
          % (weight, weight / 1024, len(weight_files) + 1))
    for name, size in sorted(weight_files, key=lambda x: -x[1]):
        print("    %7d  %s" % (size, name.split("/", 3)[-1]))
    print("first page usable: median %.0f ms (rounds %s; budget 300 ms); "
          "static one-file page %.0f ms; ratio %.1fx"
          % (med(t_ui), ", ".join("%.0f" % x for x in t_ui), med(t_st),
             med(t_ui) / med(t_st)))
    print("%d-row list render: median %.1f ms (budget 100 ms); plain DOM "
          "%.1f ms; ratio %.1fx" % (res["rows"], med(res["ui"]),
                                    med(res["dom"]),
                                    med(res["ui"]) / med(res["dom"])))
    ok = weight <= 150 * 1024 and med(t_ui) < 300 and med(res["ui"]) < 100
    print("within budgets" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
