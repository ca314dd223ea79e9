// Members of the organization: add an existing user by email, change a
// member's role, remove a member (after a confirmation).
import { html, useState } from "../lib.mjs";
import { api, query } from "../api.mjs";
import { useSession } from "../app.mjs";
import { go } from "../router.mjs";
import { useLoad, Loading, ErrorBox, Pager, Title, Confirm, Field, Submit,
	fieldErrors, notify, useId, useSubmit, RoleField } from "../ui.mjs";

function RoleSelect({ roles, value, onChange, label, id }) {
	return html`<select id=${id} aria-label=${label} value=${value}
	    onChange=${(e) => onChange(e.target.value)}>
		${roles.map((r) => html`<option value=${r}>${r}</option>`)}
	</select>`;
}

function Member({ org, m, roles, manage, onChange, onError }) {
	const [role, setRole] = useState(m.role);
	const [open, setOpen] = useState(false);
	const id = useId("role");
	async function save() {
		try {
			await api("PUT", "/orgs/" + org + "/members/" + m.user_id, { role });
			notify("Role of " + m.email + " is now " + role + ".");
			onChange();
		} catch (e) {
			onError(e);
		}
	}
	async function remove() {
		setOpen(false);
		try {
			await api("DELETE", "/orgs/" + org + "/members/" + m.user_id);
			notify("Removed " + m.email + ".");
			onChange();
		} catch (e) {
			onError(e);
		}
	}
	return html`<tr>
		<td data-label="Email">${m.email}</td>
		<td data-label="Name">${m.name}</td>
		<td data-label="Role">${manage ? html`<div class="inline">
			<${RoleSelect} id=${id} roles=${roles} value=${role} onChange=${setRole}
			    label=${"Role of " + m.email} />
			<button type="button" disabled=${role === m.role} onClick=${save}
			    aria-label=${"Save role of " + m.email}>Save</button></div>` : m.role}</td>
		${manage && html`<td data-label="Remove">
			<button type="button" class="danger" onClick=${() => setOpen(true)}
			    aria-label=${"Remove " + m.email}>Remove</button>
			<${Confirm} open=${open} title="Remove member?" action="Remove"
			    text=${"Remove " + m.email + " from this organization?"}
			    onConfirm=${remove} onClose=${() => setOpen(false)} /></td>`}
	</tr>`;
}

function Add({ org, roles, onDone }) {
	const [email, setEmail] = useState("");
	const [role, setRole] = useState(roles.includes("viewer") ? "viewer" : roles[0]);
	const { busy, error, submit } = useSubmit(async () => {
		await api("POST", "/orgs/" + org + "/members", { email: email.trim(), role });
		notify("Added " + email.trim() + ".");
		setEmail("");
		onDone();
	});
	const errs = fieldErrors(error);
	return html`<form class="stack" onSubmit=${submit}>
		<h2>Add a member</h2>
		<${ErrorBox} error=${error} />
		<${Field} id="member-email" label="Email" required error=${errs.email}>
			${(a) => html`<input ...${a} type="email" value=${email}
			    onInput=${(e) => setEmail(e.target.value)} />`}
		<//>
		<${RoleField} id="member-role" roles=${roles} value=${role}
		    onChange=${setRole} error=${errs.role} />
		<div><${Submit} busy=${busy}>Add member<//></div>
	</form>`;
}

export function Members({ query: q }) {
	const { org, meta } = useSession();
	const manage = meta.admin.member.includes("manage");
	const offset = Number(q.offset) || 0;
	const list = useLoad(() => api("GET", "/orgs/" + org + "/members" +
	    query({ limit: 50, offset })), [org, offset]);
	const roles = useLoad(() => api("GET", "/orgs/" + org + "/roles"), [org]);
	const [error, setError] = useState(null);
	if (!list.data || !roles.data)
		return html`<${ErrorBox} error=${list.error || roles.error} /><${Loading} />`;
	const names = roles.data.items.map((r) => r.name);
	return html`<${Title}>Members<//>
		<${ErrorBox} error=${error} />
		<table class="list">
			<thead><tr><th scope="col">Email</th><th scope="col">Name</th>
				<th scope="col">Role</th>${manage && html`<th scope="col">Remove</th>`}</tr></thead>
			<tbody>${list.data.items.map((m) => html`<${Member} key=${m.user_id + m.role}
			    org=${org} m=${m} roles=${names} manage=${manage}
			    onChange=${() => { setError(null); list.reload(); }} onError=${setError} />`)}</tbody>
		</table>
		<${Pager} total=${list.data.total} limit=${list.data.limit} offset=${list.data.offset}
		    onPage=${(o) => go("/o/" + org + "/admin/members", { offset: o })} />
		${manage && html`<${Add} org=${org} roles=${names} onDone=${list.reload} />`}`;
}
