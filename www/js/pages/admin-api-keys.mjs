// API keys: create (the key is shown once, with a copy button), list,
// revoke after a confirmation.
import { html, useState } from "../lib.mjs";
import { api, query } from "../api.mjs";
import { useSession } from "../app.mjs";
import { when } from "../format.mjs";
import { useLoad, Loading, ErrorBox, Title, Confirm, Field, Submit,
	fieldErrors, notify, useSubmit, RoleField } from "../ui.mjs";

function NewKey({ k, onDismiss }) {
	const [copied, setCopied] = useState(false);
	async function copy() {
		try {
			await navigator.clipboard.writeText(k.key);
			setCopied(true);
		} catch (e) {
			setCopied(false);
		}
	}
	return html`<section class="notice" aria-labelledby="newkey">
		<h2 id="newkey">API key ${k.name} created</h2>
		<p><strong>Copy it now: it will not be shown again.</strong></p>
		<div class="keybox"><code id="new-key">${k.key}</code>
			<button type="button" onClick=${copy}>Copy key</button>
			${copied && html`<span role="status">Copied.</span>`}</div>
		<p><button type="button" onClick=${onDismiss}>Done</button></p>
	</section>`;
}

function Create({ org, roles, onMade }) {
	const [name, setName] = useState("");
	const [role, setRole] = useState(roles.includes("viewer") ? "viewer" : roles[0]);
	const [days, setDays] = useState("");
	const { busy, error, submit } = useSubmit(async () => {
		const body = { name: name.trim(), role };
		if (days.trim() !== "")
			body.expires_in_days = /^\d+$/.test(days.trim()) ? Number(days) : days;
		onMade(await api("POST", "/orgs/" + org + "/api-keys", body));
		setName("");
		setDays("");
	});
	const errs = fieldErrors(error);
	return html`<form class="stack" onSubmit=${submit}>
		<h2>New API key</h2>
		<${ErrorBox} error=${error} />
		<${Field} id="key-name" label="Name" required error=${errs.name}>
			${(a) => html`<input ...${a} type="text" value=${name}
			    onInput=${(e) => setName(e.target.value)} />`}<//>
		<${RoleField} id="key-role" roles=${roles} value=${role}
		    onChange=${setRole} error=${errs.role} />
		<${Field} id="key-days" label="Expires in days" error=${errs.expires_in_days}
		    hint="leave empty for a key that does not expire">
			${(a) => html`<input ...${a} type="text" inputmode="numeric" value=${days}
			    onInput=${(e) => setDays(e.target.value)} />`}<//>
		<div><${Submit} busy=${busy}>Create API key<//></div>
	</form>`;
}

function Key({ org, k, revoke, onGone, onError }) {
	const [open, setOpen] = useState(false);
	async function del() {
		setOpen(false);
		try {
			await api("DELETE", "/orgs/" + org + "/api-keys/" + k.id);
			notify("Revoked " + k.name + ".");
			onGone();
		} catch (e) {
			onError(e);
		}
	}
	return html`<tr>
		<td data-label="Name">${k.name}</td><td data-label="Prefix"><code>${k.prefix}</code></td>
		<td data-label="Role">${k.role}</td>
		<td data-label="Expires">${k.expires_at ? when(k.expires_at) : "never"}</td>
		<td data-label="Status">${k.revoked_at ? "revoked " + when(k.revoked_at) : "active"}</td>
		<td data-label="Revoke">${revoke && !k.revoked_at && html`<button type="button"
		    class="danger" aria-label=${"Revoke " + k.name}
		    onClick=${() => setOpen(true)}>Revoke</button>
			<${Confirm} open=${open} title="Revoke API key?" action="Revoke"
			    text=${"Revoke " + k.name + "? Clients using it stop working at once."}
			    onConfirm=${del} onClose=${() => setOpen(false)} />`}</td>
	</tr>`;
}

export function ApiKeys() {
	const { org, meta } = useSession();
	const acts = meta.admin.apikey;
	const list = useLoad(() => api("GET", "/orgs/" + org + "/api-keys" +
	    query({ limit: 500 })), [org]);
	const roles = useLoad(() => meta.admin.member.includes("read") ?
	    api("GET", "/orgs/" + org + "/roles") :
	    Promise.resolve({ items: [{ name: meta.role }] }), [org]);
	const [made, setMade] = useState(null);
	const [error, setError] = useState(null);
	if (!list.data || !roles.data)
		return html`<${ErrorBox} error=${list.error || roles.error} /><${Loading} />`;
	return html`<${Title}>API keys<//>
		${made && html`<${NewKey} k=${made} onDismiss=${() => setMade(null)} />`}
		<${ErrorBox} error=${error} />
		${list.data.total === 0 ? html`<p class="empty">No API keys yet.</p>` : html`
		<table class="list">
			<thead><tr><th scope="col">Name</th><th scope="col">Prefix</th>
				<th scope="col">Role</th><th scope="col">Expires</th>
				<th scope="col">Status</th><th scope="col">Revoke</th></tr></thead>
			<tbody>${list.data.items.map((k) => html`<${Key} key=${k.id} org=${org} k=${k}
			    revoke=${acts.includes("revoke")} onGone=${list.reload} onError=${setError} />`)}</tbody>
		</table>`}
		${acts.includes("create") && html`<${Create} org=${org}
		    roles=${roles.data.items.map((r) => r.name)}
		    onMade=${(k) => { setMade(k); list.reload(); }} />`}`;
}
