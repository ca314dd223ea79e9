// The API reference, built from the server's own OpenAPI document: the
// organization's (its policy's rules) inside an organization, else the
// server's. Operations grouped by tag, each with its permission, its
// parameters, its body's fields and the shape of each answer.
import { html, useState } from "../lib.mjs";
import { api } from "../api.mjs";
import { ErrorBox, Loading, Title, useLoad } from "../ui.mjs";

const METHODS = ["get", "post", "put", "patch", "delete"];
const RULES = [
	["minimum", "≥"], ["maximum", "≤"], ["minLength", "length ≥"],
	["maxLength", "length ≤"], ["minItems", "items ≥"],
	["maxItems", "items ≤"], ["pattern", "matches"],
];

function resolve(doc, s) {
	for (let i = 0; s && s.$ref && i < 8; i++)
		s = s.$ref.split("/").slice(1).reduce((o, k) => o && o[k], doc);
	return s || {};
}

function typeText(doc, s) {
	if (s.$ref)
		return s.$ref.split("/").pop();
	if (s.anyOf)
		return s.anyOf.map((x) => typeText(doc, x)).join(" or ");
	const t = [].concat(s.type || "any").join(" or ");
	if (s.type === "array" && s.items)
		return "array of " + typeText(doc, s.items);
	return s.format === "date-time" ? t + " (time)" : t;
}

function rulesText(s) {
	const out = RULES.filter(([k]) => s[k] !== undefined)
	    .map(([k, w]) => w + " " + s[k]);
	if (s.enum)
		out.push("one of " + s.enum.map((v) => JSON.stringify(v)).join(", "));
	if (s.const !== undefined)
		out.push("always " + JSON.stringify(s.const));
	if (s["x-erp-check"])
		out.push("checked by the policy");
	return out.join("; ");
}

// An object's fields as a table, nested objects inside their row.
function Fields({ doc, schema, depth = 0 }) {
	const s = resolve(doc, schema);
	const item = s.type === "array" ? resolve(doc, s.items) : s;
	const props = item.properties;
	if (!props || depth > 4)
		return html`<span>${typeText(doc, schema)}</span>`;
	const req = new Set(item.required || []);
	return html`<table class="list fields">
		<thead><tr><th>Field</th><th>Type</th><th>Rules</th></tr></thead>
		<tbody>${Object.entries(props).map(([name, p]) => {
			const r = resolve(doc, p);
			const inner = r.properties || (r.items && resolve(doc, r.items).properties);
			return html`<tr>
				<td data-label="Field"><code>${name}</code>${req.has(name) ? " (required)" : ""}</td>
				<td data-label="Type">${typeText(doc, p)}</td>
				<td data-label="Rules">${rulesText(r)}
				${inner && html`<${Fields} doc=${doc} schema=${p} depth=${depth + 1} />`}</td>
			</tr>`;
		})}</tbody>
	</table>`;
}

function Operation({ doc, path, method, op }) {
	const body = op.requestBody && Object.entries(op.requestBody.content)[0];
	const params = op.parameters || [];
	return html`<details class="operation">
		<summary><code>${method.toUpperCase()} ${path}</code> ${op.summary}</summary>
		<dl>
			<dt>Who</dt>
			<dd>${op["x-erp-permission"] ? html`permission <code>${op["x-erp-permission"]}</code>` :
			    op["x-erp-access"]}${op.security && op.security.length ?
			    " (bearer token" + (op.security.some((x) => x.apiKey) ? " or X-API-Key)" : ")") : ""}</dd>
			${params.length > 0 && html`<dt>Parameters</dt>
			<dd><ul>${params.map((p) => html`<li><code>${p.name}</code> (${p.in}${p.required ? ", required" : ""}): ${typeText(doc, p.schema)}</li>`)}</ul></dd>`}
			${body && html`<dt>Body (${body[0]})</dt>
			<dd><${Fields} doc=${doc} schema=${body[1].schema} /></dd>`}
			<dt>Answers</dt>
			<dd><ul>${Object.entries(op.responses).map(([status, r]) => {
				const resp = resolve(doc, r);
				const c = resp.content && Object.entries(resp.content)[0];
				return html`<li><strong>${status}</strong> ${resp.description}
					${c && c[1].schema && status.startsWith("2") &&
					    html`<${Fields} doc=${doc} schema=${c[1].schema} />`}</li>`;
			})}</ul></dd>
		</dl>
	</details>`;
}

export function ApiReference({ org }) {
	const [filter, setFilter] = useState("");
	const { data: doc, error } = useLoad(() => api("GET", org ?
	    "/orgs/" + org + "/openapi.json" : "/openapi.json"), [org]);
	if (error)
		return html`<${ErrorBox} error=${error} />`;
	if (!doc)
		return html`<${Loading} />`;
	const groups = new Map();
	for (const [path, item] of Object.entries(doc.paths))
		for (const m of METHODS) {
			const op = item[m];
			if (!op || (filter && !(path + " " + op.summary).toLowerCase()
			    .includes(filter.toLowerCase())))
				continue;
			const tag = (op.tags || ["other"])[0];
			if (!groups.has(tag))
				groups.set(tag, []);
			groups.get(tag).push({ path, method: m, op });
		}
	const src = org ? "/api/v1/orgs/" + org + "/openapi.json" : "/api/v1/openapi.json";
	return html`<${Title}>API reference<//>
		<p>Every operation of this server and its modules, from
		${org ? html`<code>${src}</code>` : html`<a href=${src}>${src}</a>`}
		(OpenAPI ${doc.openapi}${org ? ", with this organization's rules" :
		    ""}).</p>
		<p><label for="api-filter">Filter</label>
		<input id="api-filter" type="search" value=${filter}
		    onInput=${(e) => setFilter(e.target.value)} /></p>
		${[...groups.entries()].map(([tag, ops]) => html`<section>
			<h2>${tag}</h2>
			${ops.map((o) => html`<${Operation} doc=${doc} ...${o} />`)}
		</section>`)}`;
}
