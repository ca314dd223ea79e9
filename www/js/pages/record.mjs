// The generic record page: the actions the caller may take at the top,
// the fields as a definition list, and the record's history from the
// audit log when the caller may read it.
import { html, useState } from "../lib.mjs";
import { api, query } from "../api.mjs";
import { useSession } from "../app.mjs";
import { go, href } from "../router.mjs";
import { fieldLabel, show, when } from "../format.mjs";
import { apiPath, pagePath, singular, can, recordName } from "../resource.mjs";
import { useLoad, Loading, ErrorBox, Confirm, Title, notify } from "../ui.mjs";

// Delete, after a confirmation in a dialog.
export function DeleteButton({ org, type, r, rec, onError }) {
	const [open, setOpen] = useState(false);
	async function del() {
		setOpen(false);
		try {
			await api("DELETE", apiPath(org, r, rec.id));
			notify("Deleted " + singular(type) + " " + recordName(rec) + ".");
			go(pagePath(org, type));
		} catch (e) {
			onError(e);
		}
	}
	return html`<button type="button" class="danger"
	    onClick=${() => setOpen(true)}>Delete</button>
		<${Confirm} open=${open} title=${"Delete " + singular(type) + "?"}
		    text=${"Delete " + singular(type) + " " + recordName(rec) +
		    "? This cannot be undone."} action="Delete"
		    onConfirm=${del} onClose=${() => setOpen(false)} />`;
}

// Old and new values of an audit entry's details.
export function Changes({ details }) {
	if (!details || typeof details !== "object")
		return null;
	const rows = Object.entries(details.changes || details);
	return html`<dl class="changes">${rows.map(([k, v]) => html`
		<dt>${k}</dt><dd>${v && typeof v === "object" && "old" in v ?
		    html`<del>${JSON.stringify(v.old)}</del> → <ins>${JSON.stringify(v.new)}</ins>` :
		    JSON.stringify(v)}</dd>`)}</dl>`;
}

export function History({ org, type, id }) {
	const res = useLoad(() => api("GET", "/orgs/" + org + "/audit" +
	    query({ resource_type: type, resource_id: id, limit: 20 })).then((p) =>
	    // a server without these filters answers the whole log: keep ours
	    ({ ...p, items: p.items.filter((e) => e.resource_type === type &&
	    e.resource_id === String(id)) })), [org, type, id]);
	return html`<section aria-labelledby="hist">
		<h2 id="hist">History</h2>
		<${ErrorBox} error=${res.error} />
		${res.data && (res.data.items.length === 0 ? html`<p class="muted">No entries.</p>` :
		html`<ol class="history">${res.data.items.map((e) => html`<li key=${e.id}>
			<strong>${e.action}</strong> ${e.outcome !== "success" && html`<em>(${e.outcome})</em>`}
			<span class="muted"> ${when(e.ts)} by ${e.actor_type} ${e.actor_id ?? ""}</span>
			<${Changes} details=${e.details} />
		</li>`)}</ol>`)}
	</section>`;
}

export function Fields({ r, rec }) {
	const hidden = new Set(r.redacted);
	return html`<dl class="fields">${Object.entries(rec)
	    .filter(([k]) => !hidden.has(k)).map(([k, v]) => html`
		<dt>${k === "id" ? "No." : fieldLabel(k, r.fields[k])}</dt>
		<dd>${show(k, v, rec)}</dd>`)}</dl>`;
}

export function RecordPage({ type, id }) {
	const { org, meta } = useSession();
	const r = meta.resources[type];
	const res = useLoad(() => api("GET", apiPath(org, r, id)), [org, type, id]);
	const [error, setError] = useState(null);
	const rec = res.data;

	async function op(name) {
		setError(null);
		try {
			await api("POST", apiPath(org, r, id, name));
			notify("Done: " + name + ".");
			res.reload();
		} catch (e) {
			setError(e);
		}
	}
	if (!rec)
		return res.error ? html`<${ErrorBox} error=${res.error} />` : html`<${Loading} />`;
	return html`<${Title}>${r.label.replace(/s$/, "")} ${recordName(rec)}<//>
		<div class="toolbar">
			${can(r, "update") && html`<a class="button"
			    href=${href(pagePath(org, type, id, true))}>Edit</a>`}
			${r.operations.filter((o) => can(r, o.action) && (!o.from || !r.state ||
			    o.from.includes(rec[r.state]))).map((o) => html`
			    <button type="button" onClick=${() => op(o.name)}>${o.name.charAt(0)
			        .toUpperCase() + o.name.slice(1)}</button>`)}
			${can(r, "delete") && html`<${DeleteButton} org=${org} type=${type}
			    r=${r} rec=${rec} onError=${setError} />`}
		</div>
		<${ErrorBox} error=${error} />
		<${Fields} r=${r} rec=${rec} />
		${meta.admin.audit.includes("read") && html`<${History} org=${org}
		    type=${type} id=${id} />`}`;
}
