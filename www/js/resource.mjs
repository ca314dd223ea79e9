// What the generic pages read from a resource's meta (docs/api.md).
import { humanize } from "./format.mjs";

export function apiPath(org, r, id, op) {
	let p = "/orgs/" + org + r.path;
	if (id !== undefined && id !== null)
		p += "/" + encodeURIComponent(id);
	if (op)
		p += "/" + op;
	return p;
}

export function pagePath(org, type, id, edit) {
	let p = "/o/" + org + "/r/" + type;
	if (id !== undefined && id !== null)
		p += "/" + id;
	if (edit)
		p += "/edit";
	return p;
}

// "product" -> "product", for "New product".
export function singular(type) {
	return humanize(type).toLowerCase();
}

export const can = (r, action) => r.actions.includes(action);

const SCALAR = ["string", "integer", "number", "boolean"];

export function isScalar(rule) {
	return !rule.type || SCALAR.includes(rule.type);
}

// Fields a body may set, in meta's order.
export function writable(r) {
	return Object.entries(r.fields).filter(([, f]) => !f.computed);
}

// The columns of a list: scalar fields the caller sees, the id first.
export function columns(r, max = 5) {
	const hidden = new Set(r.redacted);
	const cols = Object.entries(r.fields)
	    .filter(([n, f]) => isScalar(f) && !hidden.has(n))
	    .map(([n]) => n);
	return ["id", ...cols.slice(0, max - 1)];
}

// A short name for a record: its name or title, else its number.
export function recordName(rec) {
	for (const k of ["name", "title", "filename", "sku", "email"])
		if (typeof rec[k] === "string" && rec[k] !== "")
			return rec[k];
	return "#" + rec.id;
}
