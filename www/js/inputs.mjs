// One form control per schema rule: text, number, money, choice, yes/no,
// a picker for another record's id (`ref`) or JSON for nested values. Values are kept as typed (text) and turned
// into JSON only when sent, so the server's 422 can name what was wrong.
import { html } from "./lib.mjs";
import { Field, useId } from "./ui.mjs";
import { fieldLabel, isMoney, centsText, parseMoney } from "./format.mjs";
import { useSession } from "./app.mjs";
import { Picker } from "./picker.mjs";

// A stored value as the text an input shows.
export function toText(name, rule, v) {
	if (v === null || v === undefined)
		return "";
	if (rule.type === "boolean")
		return v ? "yes" : "no";
	if (isMoney(name) && typeof v === "number")
		return centsText(v);
	if (typeof v === "object")
		return JSON.stringify(v, null, 2);
	return String(v);
}

// The text back as JSON: {value} or {skip} (nothing to send) or {error}.
export function fromText(name, rule, text) {
	if (text === "")
		return rule.nullable ? { value: null } : { skip: true };
	if (rule.type === "boolean")
		return { value: text === "yes" };
	if (isMoney(name)) {
		const c = parseMoney(text);
		return c === null ? { error: "must be an amount such as 12.50" } :
		    { value: c };
	}
	if (rule.type === "integer" && /^-?\d+$/.test(text.trim()))
		return { value: Number(text.trim()) };
	if (rule.type === "number" && text.trim() !== "" && !isNaN(Number(text)))
		return { value: Number(text) };
	if (rule.type === "array" || rule.type === "object") {
		try {
			return { value: JSON.parse(text) };
		} catch (e) {
			return { error: "must be valid JSON" };
		}
	}
	// a string, or a number the server will refuse with its own reason
	return { value: text };
}

function hintOf(name, rule) {
	const parts = [];
	if (isMoney(name))
		parts.push("amount in currency units, e.g. 12.50");
	if (rule.min_len !== undefined && rule.max_len !== undefined)
		parts.push(rule.min_len + "–" + rule.max_len + " characters");
	else if (rule.max_len !== undefined)
		parts.push("at most " + rule.max_len + " characters");
	if (!isMoney(name) && rule.min !== undefined && rule.max !== undefined)
		parts.push("from " + rule.min + " to " + rule.max);
	return parts.join("; ") || null;
}

// The resource a rule's id refers to, when the caller may list it.
export function refOf(meta, rule) {
	const r = rule.ref && meta.resources[rule.ref];
	return r && r.path && r.actions.includes("read") ? r : null;
}

export function RuleInput({ name, rule, value, error, onInput }) {
	const { org, meta } = useSession();
	const id = useId("in-" + name);
	const label = fieldLabel(name, rule);
	const ref = refOf(meta, rule);
	const hint = ref ? "type to search " + ref.label.toLowerCase() +
	    ", then choose with the arrow keys and Enter" : hintOf(name, rule);
	return html`<${Field} id=${id} label=${label} error=${error}
	    required=${rule.required} hint=${hint}>
		${(a) => ref ? html`<${Picker} a=${a} org=${org} r=${ref}
		    value=${value} onInput=${onInput} />` : rule.type === "boolean" ? html`<select ...${a} value=${value}
		    onChange=${(e) => onInput(e.target.value)}>
			<option value="">${rule.nullable ? "(none)" : rule.default !== undefined ?
			    "(default: " + (rule.default ? "Yes" : "No") + ")" : "(unchanged)"}</option>
			<option value="yes">Yes</option>
			<option value="no">No</option>
		</select>` : rule.enum ? html`<select ...${a} value=${value}
		    onChange=${(e) => onInput(e.target.value)}>
			<option value="">${rule.required ? "Choose…" : "(none)"}</option>
			${rule.enum.map((v) => html`<option value=${String(v)}>${String(v)}</option>`)}
		</select>` : rule.type === "array" || rule.type === "object" ||
		    (rule.max_len || 0) > 300 ? html`<textarea ...${a} rows="4"
		    value=${value} onInput=${(e) => onInput(e.target.value)} />` :
		html`<input ...${a} type="text" value=${value}
		    inputmode=${rule.type === "integer" || rule.type === "number" ||
		    isMoney(name) ? "decimal" : undefined}
		    onInput=${(e) => onInput(e.target.value)} />`}
	<//>`;
}
