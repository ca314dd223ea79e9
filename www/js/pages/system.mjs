// System admins: users (create, deactivate, reactivate) and
// organizations (create).
import { html, useState } from "../lib.mjs";
import { api, query } from "../api.mjs";
import { useSession } from "../app.mjs";
import { go } from "../router.mjs";
import { useLoad, Loading, ErrorBox, Pager, Title, Field, Submit, Confirm,
	fieldErrors, notify, useSubmit } from "../ui.mjs";

function Form({ title, fields, submitLabel, onSubmit }) {
	const [values, setValues] = useState(Object.fromEntries(fields.map((f) =>
	    [f.name, f.type === "checkbox" ? false : ""])));
	const { busy, error, submit } = useSubmit(async () => {
		await onSubmit(values);
		setValues(Object.fromEntries(fields.map((f) =>
		    [f.name, f.type === "checkbox" ? false : ""])));
	});
	const errs = fieldErrors(error);
	return html`<form class="stack" onSubmit=${submit}>
		<h2>${title}</h2>
		<${ErrorBox} error=${error} />
		${fields.map((f) => f.type === "checkbox" ? html`<label>
			<input type="checkbox" checked=${values[f.name]}
			    onChange=${(e) => setValues({ ...values, [f.name]: e.target.checked })} />
			${" " + f.label}</label>` : html`<${Field} id=${"sys-" + f.name}
			    label=${f.label} required=${f.required} error=${errs[f.name]} hint=${f.hint}>
			${(a) => html`<input ...${a} type=${f.type || "text"} value=${values[f.name]}
			    onInput=${(e) => setValues({ ...values, [f.name]: e.target.value })} />`}<//>`)}
		<div><${Submit} busy=${busy}>${submitLabel}<//></div>
	</form>`;
}

function UserRow({ u, self, onChange, onError }) {
	const [open, setOpen] = useState(false);
	async function setActive(active) {
		setOpen(false);
		try {
			await api("PATCH", "/users/" + u.id, { is_active: active });
			notify((active ? "Reactivated " : "Deactivated ") + u.email + ".");
			onChange();
		} catch (e) {
			onError(e);
		}
	}
	return html`<tr>
		<td data-label="Email">${u.email}</td><td data-label="Name">${u.name}</td>
		<td data-label="System admin">${u.is_admin ? "yes" : "no"}</td>
		<td data-label="Status">${u.is_active ? "active" : "deactivated"}</td>
		<td data-label="Change">${!self && (u.is_active ? html`<button type="button" class="danger"
		    aria-label=${"Deactivate " + u.email} onClick=${() => setOpen(true)}>Deactivate</button>
			<${Confirm} open=${open} title="Deactivate user?" action="Deactivate"
			    text=${u.email + " is signed out at once and cannot sign in; their API keys stop working."}
			    onConfirm=${() => setActive(false)} onClose=${() => setOpen(false)} />` :
		    html`<button type="button" aria-label=${"Reactivate " + u.email}
			onClick=${() => setActive(true)}>Reactivate</button>`)}</td>
	</tr>`;
}

export function Users({ query: q }) {
	const { me } = useSession();
	const offset = Number(q.offset) || 0;
	const list = useLoad(() => api("GET", "/users" + query({ limit: 50, offset })), [offset]);
	const [error, setError] = useState(null);
	if (!me.is_admin)
		return html`<h1>Not allowed</h1><p>System admins only.</p>`;
	return html`<${Title}>Users<//>
		<${ErrorBox} error=${error || list.error} />
		${!list.data ? html`<${Loading} />` : html`<table class="list">
			<thead><tr><th scope="col">Email</th><th scope="col">Name</th>
				<th scope="col">System admin</th><th scope="col">Status</th>
				<th scope="col">Change</th></tr></thead>
			<tbody>${list.data.items.map((u) => html`<${UserRow} key=${u.id + String(u.is_active)}
			    u=${u} self=${u.id === me.id} onChange=${list.reload} onError=${setError} />`)}</tbody>
		</table>
		<${Pager} total=${list.data.total} limit=${list.data.limit} offset=${list.data.offset}
		    onPage=${(o) => go("/system/users", { offset: o })} />`}
		<${Form} title="New user" submitLabel="Create user" fields=${[
			{ name: "email", label: "Email", type: "email", required: true },
			{ name: "name", label: "Name" },
			{ name: "password", label: "Password", type: "password", required: true,
			  hint: "at least 12 characters, letters mixed with digits, spaces or symbols" },
			{ name: "is_admin", label: "System admin", type: "checkbox" }]}
		    onSubmit=${async (v) => {
			const u = await api("POST", "/users", v);
			notify("Created " + u.email + ".");
			list.reload(); }} />`;
}

export function Orgs() {
	const { me, reloadMe } = useSession();
	const list = useLoad(() => api("GET", "/orgs?limit=500"), []);
	if (!me.is_admin)
		return html`<h1>Not allowed</h1><p>System admins only.</p>`;
	return html`<${Title}>Organizations<//>
		<${ErrorBox} error=${list.error} />
		${!list.data ? html`<${Loading} />` : html`<table class="list">
			<thead><tr><th scope="col">Name</th><th scope="col">Slug</th>
				<th scope="col">Your role</th></tr></thead>
			<tbody>${list.data.items.map((o) => html`<tr key=${o.id}>
				<td data-label="Name"><a href=${"#/o/" + o.id}>${o.name}</a></td>
				<td data-label="Slug">${o.slug}</td>
				<td data-label="Your role">${o.role || "(not a member)"}</td></tr>`)}</tbody>
		</table>`}
		<${Form} title="New organization" submitLabel="Create organization" fields=${[
			{ name: "name", label: "Name", required: true },
			{ name: "slug", label: "Slug", required: true, hint: "lower-case letters, digits and -" }]}
		    onSubmit=${async (v) => {
			const o = await api("POST", "/orgs", v);
			notify("Created " + o.name + "; you are its admin.");
			list.reload(); reloadMe(); }} />`;
}
