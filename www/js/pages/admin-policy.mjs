// The organization's policy: its source with line numbers (a refusal
// marks its line), the versions with a diff between any two, rollback,
// revert to the base (when the server offers DELETE), and a dry-run.
import { html, useState, useEffect, useRef } from "../lib.mjs";
import { api, allowed, query } from "../api.mjs";
import { useSession } from "../app.mjs";
import { when } from "../format.mjs";
import { useLoad, Loading, ErrorBox, Title, Confirm, Field, Submit, notify,
	errorText } from "../ui.mjs";
import { diffLines } from "../../vendor/diff/diff/line.js";

// "policy:12: message" -> 12
function errorLine(e) {
	const m = e && /(?:^|\s|")policy:(\d+):/.exec(e.message || "");
	return m ? Number(m[1]) : null;
}

function Editor({ value, onInput, bad, readOnly }) {
	const gutter = useRef(null);
	const n = Math.max(1, value.split("\n").length);
	return html`<div class="editor">
		<pre class="gutter" aria-hidden="true" ref=${gutter}>${Array.from({ length: n },
		    (_, i) => html`<span class=${i + 1 === bad ? "bad" : ""}>${i + 1}</span>`)}</pre>
		<textarea id="policy-source" class="code" aria-label="Policy source"
		    rows=${Math.max(16, n + 1)} spellcheck="false" readOnly=${readOnly}
		    aria-invalid=${bad ? "true" : undefined}
		    aria-describedby=${bad ? "policy-error" : undefined}
		    value=${value} onInput=${(e) => onInput(e.target.value)} />
	</div>`;
}

function Diff({ org, versions }) {
	const vs = versions.map((v) => v.version);
	const [a, setA] = useState(vs.length > 1 ? vs[1] : vs[0]);
	const [b, setB] = useState(vs[0]);
	const [parts, setParts] = useState(null);
	const [error, setError] = useState(null);
	async function show(ev) {
		ev.preventDefault();
		setError(null);
		try {
			const [x, y] = await Promise.all([a, b].map((v) =>
			    api("GET", "/orgs/" + org + "/policy/versions/" + v)));
			setParts(diffLines(x.source, y.source));
		} catch (e) {
			setError(e);
		}
	}
	const pick = (id, label, v, set) => html`<label for=${id}>${label}</label>
		<select id=${id} value=${String(v)} onChange=${(e) => set(Number(e.target.value))}>
			${vs.map((x) => html`<option value=${String(x)}>${x}</option>`)}</select>`;
	return html`<form class="inline" onSubmit=${show}>
			${pick("diff-from", "From version", a, setA)}
			${pick("diff-to", "To version", b, setB)}
			<button type="submit">Show diff</button></form>
		<${ErrorBox} error=${error} />
		${parts && html`<pre class="diff" aria-label="Differences">${parts.map((p) =>
		    p.value.replace(/\n$/, "").split("\n").map((ln) => html`<span
			class=${p.added ? "add" : p.removed ? "del" : ""}>${p.added ? "+ " :
			p.removed ? "- " : "  "}${ln}\n</span>`))}</pre>`}`;
}

function DryRun({ org, roles, source }) {
	const [role, setRole] = useState(roles[0] || "");
	const [action, setAction] = useState("product:read");
	const [type, setType] = useState("product");
	const [id, setId] = useState("");
	const [useDraft, setUseDraft] = useState(false);
	const [out, setOut] = useState(null);
	const [error, setError] = useState(null);
	async function run(ev) {
		ev.preventDefault();
		setError(null);
		setOut(null);
		const resource = { type };
		if (/^\d+$/.test(id))
			resource.id = Number(id);
		const body = { subject: { role }, action, resource };
		if (useDraft)
			body.source = source;
		try {
			setOut(await api("POST", "/orgs/" + org + "/policy/dry-run", body));
		} catch (e) {
			setError(e);
		}
	}
	return html`<form class="stack" onSubmit=${run}>
		<h2>Dry run</h2>
		<${Field} id="dry-role" label="Role">${(a) => html`<select ...${a} value=${role}
		    onChange=${(e) => setRole(e.target.value)}>${roles.map((r) =>
		    html`<option value=${r}>${r}</option>`)}</select>`}<//>
		<${Field} id="dry-action" label="Action">${(a) => html`<input ...${a} value=${action}
		    onInput=${(e) => setAction(e.target.value)} />`}<//>
		<${Field} id="dry-type" label="Resource type">${(a) => html`<input ...${a} value=${type}
		    onInput=${(e) => setType(e.target.value)} />`}<//>
		<${Field} id="dry-id" label="Record id" hint="optional: the stored record is loaded">
		    ${(a) => html`<input ...${a} inputmode="numeric" value=${id}
		    onInput=${(e) => setId(e.target.value)} />`}<//>
		<label><input type="checkbox" checked=${useDraft}
		    onChange=${(e) => setUseDraft(e.target.checked)} /> Use the source in the editor</label>
		<div><button type="submit">Run dry run</button></div>
		<${ErrorBox} error=${error} />
		${out && html`<p role="status" class="notice">${out.allow ? "Allowed" : "Denied"}
			${out.reason && " — " + out.reason}${out.matched ? " (matched " + out.matched + ")" : ""}
			${out.line ? " at line " + out.line : ""}</p>`}
	</form>`;
}

export function Policy() {
	const { org, meta, reloadMeta } = useSession();
	const manage = meta.admin.policy.includes("manage");
	const cur = useLoad(() => api("GET", "/orgs/" + org + "/policy"), [org]);
	const vers = useLoad(() => api("GET", "/orgs/" + org + "/policy/versions" +
	    query({ limit: 500 })), [org]);
	const canRevert = useLoad(() => allowed("/orgs/" + org + "/policy")
	    .then((m) => m.includes("DELETE")), [org]);
	const roles = useLoad(() => api("GET", "/orgs/" + org + "/roles"), [org]);
	const [source, setSource] = useState(null);
	const [comment, setComment] = useState("");
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const [confirm, setConfirm] = useState(null);

	useEffect(() => {
		if (cur.data && source === null)
			setSource(cur.data.source);
	}, [cur.data]);
	if (!cur.data || source === null || !vers.data)
		return html`<${ErrorBox} error=${cur.error || vers.error} /><${Loading} />`;

	const after = (msg) => { notify(msg); setError(null); cur.reload(); vers.reload(); reloadMeta(); };
	async function save(ev) {
		ev.preventDefault();
		setBusy(true);
		setError(null);
		const body = { source };
		if (comment.trim())
			body.comment = comment.trim();
		try {
			const p = await api("PUT", "/orgs/" + org + "/policy", body);
			setSource(p.source);
			setComment("");
			after("Policy saved as version " + p.version + ".");
		} catch (e) {
			setError(e);
		} finally {
			setBusy(false);
		}
	}
	async function rollback(v) {
		setConfirm(null);
		try {
			const p = await api("POST", "/orgs/" + org + "/policy/rollback", { version: v });
			setSource(p.source);
			after("Version " + v + " is in force again as version " + p.version + ".");
		} catch (e) {
			setError(e);
		}
	}
	async function revert() {
		setConfirm(null);
		try {
			await api("DELETE", "/orgs/" + org + "/policy");
			setSource("");
			after("The organization follows the base policy alone.");
		} catch (e) {
			setError(e);
		}
	}
	const bad = errorLine(error);
	const items = vers.data.items;
	return html`<${Title}>Policy<//>
		<p class="muted">Version ${cur.data.version}${cur.data.updated_at &&
		    ", saved " + when(cur.data.updated_at)}. The organization's policy is
		    merged over the base policy.</p>
		<form class="stack wide" onSubmit=${save}>
			<${Editor} value=${source} onInput=${setSource} bad=${bad} readOnly=${!manage} />
			${error && html`<div class="error" role="alert" id="policy-error">
				<p>${bad ? "Line " + bad + ": " : ""}${errorText(error)}</p>
				${error.requestId && html`<p class="muted small">Request ID: <code>${error.requestId}</code></p>`}</div>`}
			${manage && html`
				<${Field} id="policy-comment" label="Comment">${(a) => html`<input ...${a}
				    value=${comment} onInput=${(e) => setComment(e.target.value)} />`}<//>
				<div class="actions"><${Submit} busy=${busy}>Save policy<//>
				${canRevert.data && cur.data.version > 0 && html`<button type="button"
				    class="danger" onClick=${() => setConfirm({ revert: true })}>Revert to base policy</button>`}
				</div>`}
		</form>
		<h2>Versions</h2>
		${items.length === 0 ? html`<p class="muted">No versions yet.</p>` : html`
		<table class="list">
			<thead><tr><th scope="col">Version</th><th scope="col">Saved</th>
				<th scope="col">By</th><th scope="col">Rollback</th></tr></thead>
			<tbody>${items.map((v) => html`<tr key=${v.version}>
				<td data-label="Version">${v.version}${v.comment ? " — " + v.comment : ""}</td>
				<td data-label="Saved">${when(v.updated_at)}</td>
				<td data-label="By">${v.updated_by}</td>
				<td data-label="Rollback">${manage && v.version !== cur.data.version && html`
				    <button type="button" onClick=${() => setConfirm({ version: v.version })}
				    aria-label=${"Roll back to version " + v.version}>Roll back</button>`}</td>
			</tr>`)}</tbody>
		</table>
		${items.length > 1 && html`<h2>Compare versions</h2><${Diff} org=${org} versions=${items} />`}`}
		${roles.data && html`<${DryRun} org=${org} source=${source}
		    roles=${roles.data.items.map((r) => r.name)} />`}
		<${Confirm} open=${confirm !== null} action=${confirm && confirm.revert ? "Revert" : "Roll back"}
		    title=${confirm && confirm.revert ? "Revert to the base policy?" : "Roll back?"}
		    text=${confirm && confirm.revert ? "The organization's own rules stop applying; a new, empty version is stored." :
		    confirm ? "Version " + confirm.version + " becomes the policy in force, as a new version." : ""}
		    onConfirm=${() => confirm.revert ? revert() : rollback(confirm.version)}
		    onClose=${() => setConfirm(null)} />`;
}
