// Asks the server whether it is ready; runs under the strict CSP
// (external script, no inline code, same-origin fetch only).
"use strict";
document.addEventListener("DOMContentLoaded", async () => {
	const out = document.getElementById("health");
	try {
		const res = await fetch("/readyz", { headers: { Accept: "application/json" } });
		const body = await res.json();
		out.textContent = res.ok ? body.status : body.error.message;
	} catch (e) {
		out.textContent = "unreachable";
	}
});
