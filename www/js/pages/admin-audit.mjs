// The organization's audit log: filters, old and new values, paging.
import { html, useState } from "../lib.mjs";
import { api, query } from "../api.mjs";
import { useSession } from "../app.mjs";
import { go } from "../router.mjs";
import { when } from "../format.mjs";
import { useLoad, Loading, ErrorBox, Pager, Title } from "../ui.mjs";
import { Changes } from "./record.mjs";

const FILTERS = [
	["action", "Action", "e.g. product.create"],
	["outcome", "Outcome", null],
	["actor_id", "Actor id", null],
	["resource_type", "Resource type", "e.g. product"],
	["resource_id", "Resource id", null],
	["since", "Since", "RFC 3339, e.g. 2026-01-31T00:00:00Z"],
	["until", "Until", "RFC 3339"],
	["request_id", "Request ID", null],
];

export function Audit({ query: q }) {
	const { org } = useSession();
	const [form, setForm] = useState(() => Object.fromEntries(
	    FILTERS.map(([k]) => [k, q[k] || ""])));
	const offset = Number(q.offset) || 0;
	const active = Object.fromEntries(FILTERS.map(([k]) => [k, q[k]]));
	const res = useLoad(() => api("GET", "/orgs/" + org + "/audit" +
	    query({ ...active, limit: 50, offset })), [org, JSON.stringify(q)]);
	const path = "/o/" + org + "/admin/audit";
	return html`<${Title}>Audit log<//>
		<form class="filters" onSubmit=${(e) => { e.preventDefault(); go(path, form); }}>
			${FILTERS.map(([k, label, hint]) => html`<div class="field">
				<label for=${"audit-" + k}>${label}</label>
				${k === "outcome" ? html`<select id=${"audit-" + k} value=${form[k]}
				    onChange=${(e) => setForm({ ...form, [k]: e.target.value })}>
					<option value="">Any</option><option value="success">success</option>
					<option value="denied">denied</option><option value="failure">failure</option>
				</select>` : html`<input id=${"audit-" + k} value=${form[k]}
				    placeholder=${hint || ""}
				    onInput=${(e) => setForm({ ...form, [k]: e.target.value })} />`}
			</div>`)}
			<div class="actions"><button type="submit" class="primary">Apply filters</button>
			<a class="button" href=${"#" + path}>Clear filters</a></div>
		</form>
		<${ErrorBox} error=${res.error} />
		${res.loading && !res.data && html`<${Loading} />`}
		${res.data && (res.data.total === 0 ? html`<p class="empty">No entries match.</p>` : html`
		<table class="list audit">
			<thead><tr><th scope="col">Time</th><th scope="col">Actor</th>
				<th scope="col">Action</th><th scope="col">Resource</th>
				<th scope="col">Outcome</th><th scope="col">Details</th></tr></thead>
			<tbody>${res.data.items.map((e) => html`<tr key=${e.id}>
				<td data-label="Time">${when(e.ts)}</td>
				<td data-label="Actor">${e.actor_type} ${e.actor_id ?? ""}</td>
				<td data-label="Action">${e.action}</td>
				<td data-label="Resource">${e.resource_type || ""} ${e.resource_id || ""}</td>
				<td data-label="Outcome">${e.outcome}</td>
				<td data-label="Details"><${Changes} details=${e.details} /></td>
			</tr>`)}</tbody>
		</table>
		<${Pager} total=${res.data.total} limit=${res.data.limit} offset=${res.data.offset}
		    onPage=${(o) => go(path, { ...q, offset: o })} />`)}`;
}
