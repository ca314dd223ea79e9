// How values are shown and read back: labels, money, times.

// "price_cents" -> "Price", "customer_id" -> "Customer", "vat_id" -> "Vat".
export function humanize(name) {
	const s = name.replace(/_(cents|id)$/, "").replace(/_/g, " ");
	return s.charAt(0).toUpperCase() + s.slice(1);
}

export function fieldLabel(name, rule) {
	return (rule && rule.label) || humanize(name);
}

// Money is integer cents plus a currency (docs/api.md).
export function isMoney(name) {
	return /_cents$/.test(name);
}

export function money(cents, currency) {
	if (typeof cents !== "number")
		return "";
	try {
		return new Intl.NumberFormat(undefined, { style: "currency",
		    currency: currency || "EUR" }).format(cents / 100);
	} catch (e) {	// an unknown currency code
		return (cents / 100).toFixed(2) + " " + (currency || "");
	}
}

// "12.5" -> 1250, by string arithmetic (never through floating point);
// null when the text is not an amount.
export function parseMoney(text) {
	const m = /^\s*(-?)(\d{1,13})(?:[.,](\d{0,2}))?\s*$/.exec(text);
	if (m === null)
		return null;
	const cents = (m[3] || "").padEnd(2, "0");
	const n = Number(m[2] + cents);
	return m[1] === "-" ? -n : n;
}

// 1250 -> "12.50", for editing.
export function centsText(cents) {
	if (typeof cents !== "number")
		return "";
	const neg = cents < 0;
	const s = String(Math.abs(cents)).padStart(3, "0");
	return (neg ? "-" : "") + s.slice(0, -2) + "." + s.slice(-2);
}

// RFC 3339 UTC -> the browser's locale and zone.
export function when(ts) {
	if (!ts)
		return "";
	const d = new Date(ts);
	return isNaN(d) ? ts : d.toLocaleString();
}

export function isTime(name) {
	return /_at$/.test(name);
}

// A value of a record as text for a list or a record page.
export function show(name, value, record) {
	if (value === null || value === undefined)
		return "";
	if (isMoney(name))
		return money(value, record && record.currency);
	if (isTime(name))
		return when(value);
	if (typeof value === "boolean")
		return value ? "Yes" : "No";
	if (typeof value === "object")
		return JSON.stringify(value);
	return String(value);
}
