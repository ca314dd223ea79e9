// The generic create and edit form of a resource, built from its schema.
// The server's 422 lands at its fields; what was typed stays on any error.
import { html, useState, useEffect } from "../lib.mjs";
import { api } from "../api.mjs";
import { useSession } from "../app.mjs";
import { go } from "../router.mjs";
import { apiPath, pagePath, singular, can, writable, recordName } from "../resource.mjs";
import { ErrorBox, Loading, Title, Submit, fieldErrors, notify } from "../ui.mjs";
import { RuleInput, toText, fromText } from "../inputs.mjs";

// Errors of fields the form has no control for, or that name no field.
export function Unplaced({ errors, names }) {
	const rest = Object.entries(errors).filter(([p]) =>
	    !names.some((n) => p === n || p.startsWith(n + "[") || p.startsWith(n + ".")));
	if (rest.length === 0)
		return null;
	return html`<ul class="error">${rest.map(([p, m]) =>
	    html`<li><code>${p}</code> ${m}</li>`)}</ul>`;
}

// The errors of a field and everything nested under it, as one text.
export function errorAt(errors, name) {
	return Object.entries(errors).filter(([p]) => p === name ||
	    p.startsWith(name + "[") || p.startsWith(name + "."))
	    .map(([p, m]) => (p === name ? "" : p.slice(name.length) + ": ") + m)
	    .join("; ") || null;
}

/*
 * Sends a form: shows the errors found before sending (local, by field
 * name) or, when there are none, runs send with the form busy and puts
 * the server's refusal at its fields.
 */
export async function sendForm(local, { setError, setErrors, setBusy },
    send) {
	setError(null);
	setErrors(local);
	if (Object.keys(local).length)
		return;
	setBusy(true);
	try {
		await send();
	} catch (e) {
		setErrors(fieldErrors(e));
		setError(e);
	} finally {
		setBusy(false);
	}
}

export function FormPage({ type, id }) {
	const { org, meta } = useSession();
	const r = meta.resources[type];
	const fields = writable(r);
	const editing = id !== null;
	const [values, setValues] = useState(null);
	const [original, setOriginal] = useState(null);
	const [errors, setErrors] = useState({});
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);

	useEffect(() => {
		if (!editing) {
			setValues(Object.fromEntries(fields.map(([n, f]) =>
			    [n, toText(n, f, undefined)])));
			return;
		}
		api("GET", apiPath(org, r, id)).then((rec) => {
			setOriginal(rec);
			setValues(Object.fromEntries(fields.map(([n, f]) =>
			    [n, toText(n, f, rec[n])])));
		}, setError);
	}, [type, id]);

	if (!can(r, editing ? "update" : "create"))
		return html`<h1>Not allowed</h1><p>Your role may not ${editing ?
		    "change" : "create"} ${r.label.toLowerCase()}.</p>`;
	if (values === null)
		return error ? html`<${ErrorBox} error=${error} />` : html`<${Loading} />`;

	async function submit(ev) {
		ev.preventDefault();
		const body = {};
		const local = {};
		for (const [n, f] of fields) {
			const v = fromText(n, f, values[n]);
			if (v.error)
				local[n] = v.error;
			else if (!v.skip && (!editing ||
			    JSON.stringify(v.value) !== JSON.stringify(original[n] ?? null)))
				body[n] = v.value;
		}
		await sendForm(local, { setError, setErrors, setBusy },
		    async () => {
			const rec = await api(editing ? "PATCH" : "POST",
			    apiPath(org, r, editing ? id : null), body);
			notify(editing ? "Saved." : "Created " + singular(type) + ".");
			go(pagePath(org, type, rec.id));
		});
	}
	const set = (n) => (v) => setValues((s) => ({ ...s, [n]: v }));
	return html`<${Title}>${editing ? "Edit " + singular(type) + " " +
	    recordName(original) : "New " + singular(type)}<//>
		<form class="stack" onSubmit=${submit} novalidate>
			<${ErrorBox} error=${error} />
			<${Unplaced} errors=${errors} names=${fields.map(([n]) => n)} />
			${fields.map(([n, f]) => html`<${RuleInput} key=${n} name=${n}
			    rule=${f} value=${values[n]} error=${errorAt(errors, n)}
			    onInput=${set(n)} />`)}
			<p class="muted small">Fields marked * are required.</p>
			<div class="actions">
				<${Submit} busy=${busy}>Save<//>
				<a class="button" href=${"#" + (editing ? pagePath(org, type, id) :
				    pagePath(org, type))}>Cancel</a>
			</div>
		</form>`;
}
