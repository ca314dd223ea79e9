// Starts the web UI (loaded by index.html as a module; no inline script).
import { html, render } from "./lib.mjs";
import { App } from "./app.mjs";

render(html`<${App} />`, document.getElementById("app"));
