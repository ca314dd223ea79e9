// Hash routing: every page has an address ("#/o/3/r/product/12"), so
// reload, back and a shared link work; the address never holds a token.
import { useState, useEffect } from "./lib.mjs";

// The current route: path segments and the query after "?".
export function current() {
	const raw = location.hash.replace(/^#/, "") || "/";
	const [path, qs = ""] = raw.split("?");
	return {
		path,
		parts: path.split("/").filter((s) => s !== "").map(decodeURIComponent),
		query: Object.fromEntries(new URLSearchParams(qs)),
	};
}

export function href(path, params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params || {}))
		if (v !== undefined && v !== null && v !== "")
			q.set(k, String(v));
	const s = q.toString();
	return "#" + path + (s ? "?" + s : "");
}

export function go(path, params) {
	location.hash = href(path, params);
}

export function useRoute() {
	const [route, setRoute] = useState(current);
	useEffect(() => {
		const on = () => setRoute(current());
		addEventListener("hashchange", on);
		on();	// a change between the first render and now
		return () => removeEventListener("hashchange", on);
	}, []);
	return route;
}
