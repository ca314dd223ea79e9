// The generic list of a resource: search, filters, sorting and paging
// where the API offers them, "New …" when the caller may create.
import { html, useState, useEffect } from "../lib.mjs";
import { api, query } from "../api.mjs";
import { useSession } from "../app.mjs";
import { go, href } from "../router.mjs";
import { fieldLabel, show } from "../format.mjs";
import { apiPath, pagePath, singular, can, columns, recordName } from "../resource.mjs";
import { useLoad, Loading, ErrorBox, Pager, Title, useId } from "../ui.mjs";
import { refOf } from "../inputs.mjs";
import { Picker } from "../picker.mjs";

const LIMIT = 50;
const LIMIT_MAX = 500;		/* the API's own bound */

// The list's own parameters from the address (?q=&sort=&offset=&limit=
// &field=).
export function listParams(r, q) {
	const limit = Math.min(LIMIT_MAX, Math.max(1, Number(q.limit) || LIMIT));
	const p = { limit, offset: Number(q.offset) || 0 };
	if (r.search && q.q)
		p.q = q.q;
	if (r.sort.length && q.sort)
		p.sort = q.sort;
	for (const f of r.filters)
		if (q[f])
			p[f] = q[f];
	return p;
}

export function Search({ value, onSearch }) {
	const id = useId("search");
	const [text, setText] = useState(value || "");
	useEffect(() => setText(value || ""), [value]);	/* back, forward */
	return html`<form role="search" class="inline" onSubmit=${(e) => {
		e.preventDefault(); onSearch(text.trim()); }}>
		<label for=${id}>Search</label>
		<input id=${id} type="search" value=${text}
		    onInput=${(e) => setText(e.target.value)} />
		<button type="submit">Search</button>
	</form>`;
}

// A filter of the list: a choice for enums and yes/no, a picker for
// another record's id (with a button back to all), else typed text.
export function Filter({ name, rule, value, onChange }) {
	const { org, meta } = useSession();
	const id = useId("filter");
	const [text, setText] = useState(value || "");
	useEffect(() => setText(value || ""), [value]);
	const label = fieldLabel(name, rule);
	const ref = refOf(meta, rule);
	const choices = rule.enum ? rule.enum.map((v) => [String(v), String(v)]) :
	    rule.type === "boolean" ? [["true", "Yes"], ["false", "No"]] : null;
	return html`<div class="inline">
		<label for=${id}>${label}</label>
		${ref ? html`<${Picker} a=${{ id }} org=${org} r=${ref}
		    value=${value || ""} onInput=${(v) => v !== "" && onChange(v)} />
		    ${value && html`<button type="button" onClick=${() => onChange("")}
		        aria-label=${"Any " + label.toLowerCase()}>Any</button>`}` :
		choices ? html`<select id=${id} value=${value || ""}
		    onChange=${(e) => onChange(e.target.value)}>
			<option value="">All</option>
			${choices.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
		</select>` : html`<input id=${id} value=${text}
		    onInput=${(e) => setText(e.target.value)}
		    onChange=${() => onChange(text.trim())} />`}
	</div>`;
}

function SortHeader({ name, label, sort, sortable, onSort }) {
	if (!sortable)
		return html`<th scope="col">${label}</th>`;
	const dir = sort === name ? "ascending" : sort === "-" + name ?
	    "descending" : "none";
	const next = dir === "ascending" ? "-" + name : name;
	return html`<th scope="col" aria-sort=${dir}>
		<button type="button" class="sort" onClick=${() => onSort(next)}>
			${label}<span aria-hidden="true">${dir === "ascending" ? " ▲" :
			    dir === "descending" ? " ▼" : ""}</span></button></th>`;
}

// A table of records; rows open the record (the first cell links).
export function Table({ org, type, r, items, cols, sort, onSort }) {
	return html`<table class="list">
		<thead><tr>${cols.map((c) => html`<${SortHeader} name=${c}
		    label=${c === "id" ? "No." : fieldLabel(c, r.fields[c])}
		    sort=${sort} sortable=${r.sort.includes(c)} onSort=${onSort} />`)}
		</tr></thead>
		<tbody>${items.map((rec) => html`<tr key=${rec.id}>
			${cols.map((c, i) => html`<td data-label=${c === "id" ? "No." :
			    fieldLabel(c, r.fields[c])}>${i === 0 ?
			    html`<a href=${"#" + pagePath(org, type, rec.id)}
			        aria-label=${"Open " + singular(type) + " " + recordName(rec)}>${rec.id}</a>` :
			    show(c, rec[c], rec)}</td>`)}
		</tr>`)}</tbody>
	</table>`;
}

// A resource's meta with what its list accepts beyond what meta knows
// (a module route's own parameters, told by its page): {search, filters:
// {name: rule}}.
function withAccepts(r, accepts) {
	if (!r || !accepts)
		return r;
	const f = accepts.filters || {};
	return { ...r, search: r.search || !!accepts.search,
	    filters: [...r.filters, ...Object.keys(f)],
	    fields: { ...r.fields, ...f } };
}

export function ListPage({ type, query: q, accepts }) {
	const { org, meta } = useSession();
	const r = withAccepts(meta.resources[type], accepts);
	if (!r || !r.path)
		return html`<h1>Not found</h1><p>This organization has no such resource.</p>`;
	const params = listParams(r, q);
	const res = useLoad(() => api("GET", apiPath(org, r) + query(params)),
	    [org, type, JSON.stringify(params)]);
	const nav = (changes) => go(pagePath(org, type), { ...q, offset: 0,
	    ...changes });
	const cols = columns(r);
	const filters = r.filters.filter((f) => r.fields[f]);
	return html`<${Title}>${r.label}<//>
		<div class="toolbar">
			${can(r, "create") && html`<a class="button primary"
			    href=${href(pagePath(org, type) + "/new")}>New ${singular(type)}</a>`}
			${r.search && html`<${Search} value=${q.q} onSearch=${(s) => nav({ q: s })} />`}
			${filters.map((f) => html`<${Filter} name=${f} rule=${r.fields[f]}
			    value=${q[f]} onChange=${(v) => nav({ [f]: v })} />`)}
		</div>
		<${ErrorBox} error=${res.error} />
		${res.loading && !res.data && html`<${Loading} />`}
		${res.data && (res.data.total === 0 ? html`<p class="empty">
			No ${r.label.toLowerCase()} ${q.q || filters.some((f) => q[f]) ?
			    "match" : "yet"}.</p>` : html`
			<${Table} org=${org} type=${type} r=${r} items=${res.data.items}
			    cols=${cols} sort=${q.sort} onSort=${(s) => nav({ sort: s })} />
			<${Pager} total=${res.data.total} limit=${res.data.limit}
			    offset=${res.data.offset}
			    onPage=${(o) => go(pagePath(org, type), { ...q, offset: o })} />`)}`;
}
