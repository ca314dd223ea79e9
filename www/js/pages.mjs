// Which page an address opens. Pages load on first use (dynamic import),
// so the first page stays small. A resource without a page of its own
// gets the generic list, record and form built from meta.
import { html, useState, useEffect } from "./lib.mjs";
import { ErrorBox, Loading } from "./ui.mjs";

// Resource types whose flows a generic form cannot serve.
const custom = {
	order: { list: "orders", form: "orders", record: "orders" },
	file: { list: "files" },
	// stock levels, moves and reservations: the module's own routes
	stock: { list: "inventory", form: "inventory", record: "inventory",
	    views: { moves: "Moves", reservations: "Reservations" } },
};

const loaded = new Map();

function load(name) {
	if (!loaded.has(name))
		loaded.set(name, import("./pages/" + name + ".mjs"));
	return loaded.get(name);
}

function Lazy({ module, name, props }) {
	const [mod, setMod] = useState(null);
	const [error, setError] = useState(null);
	useEffect(() => {
		let live = true;
		load(module).then((m) => live && setMod(m), (e) => live && setError(e));
		return () => { live = false; };
	}, [module]);
	if (error)
		return html`<${ErrorBox} error=${error} />`;
	if (!mod)
		return html`<${Loading} />`;
	const P = mod[name];
	return html`<${P} ...${props} />`;
}

// A page starts afresh when its address changes, except a list whose
// query changes (a filter, the search, a page): it stays, and so does
// the focus on the control that changed it.
const lazy = (module, name, props, list) =>
	html`<${Lazy} module=${module} name=${name} props=${props}
	    key=${module + name + JSON.stringify(list ? { ...props, query: null } :
	    props)} />`;

export function Page({ route }) {
	const p = route.parts;
	const q = route.query;
	if (p.length === 0)
		return lazy("home", "Home", {});
	if (p[0] === "api" && p.length === 1)
		return lazy("api-reference", "ApiReference", {});
	if (p[0] === "o" && p[2] === "api" && p.length === 3)
		return lazy("api-reference", "ApiReference", { org: p[1] });
	if (p[0] === "password" && p.length === 1)
		return lazy("password", "Password", {});
	if (p[0] === "system" && p[1] === "users")
		return lazy("system", "Users", { query: q });
	if (p[0] === "system" && p[1] === "orgs")
		return lazy("system", "Orgs", {});
	if (p[0] === "o" && p.length === 2)
		return lazy("home", "OrgHome", {});
	if (p[0] === "o" && p[2] === "admin" && p.length === 4) {
		const pages = { members: "Members", "api-keys": "ApiKeys",
		    policy: "Policy", audit: "Audit" };
		if (p[3] in pages)
			return lazy("admin-" + p[3], pages[p[3]], { query: q });
	}
	if (p[0] === "o" && p[2] === "r" && p.length >= 4) {
		const type = p[3];
		const c = custom[type] || {};
		if (p.length === 4)
			return lazy(c.list || "list", c.list ? "List" : "ListPage",
			    { type, query: q }, true);
		if (p.length === 5 && c.views && c.views[p[4]])
			return lazy(c.list, c.views[p[4]], { type, query: q }, true);
		if (p.length === 5 && p[4] === "new")
			return lazy(c.form || "form", c.form ? "Form" : "FormPage",
			    { type, id: null, query: q });
		if (p.length === 5)
			return lazy(c.record || "record", c.record ? "Record" :
			    "RecordPage", { type, id: p[4] });
		if (p.length === 6 && p[5] === "edit")
			return lazy(c.form || "form", c.form ? "Form" : "FormPage",
			    { type, id: p[4] });
	}
	return html`<h1>Not found</h1><p>No page has this address.
		<a href="#/">Go to the start page</a>.</p>`;
}
