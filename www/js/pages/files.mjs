// Files: upload with a progress bar, the list with its search by name
// (?q=), and downloads through a signed link (POST …/files/{id}/link), which needs no other credentials.
import { html, useState, useRef } from "../lib.mjs";
import { api, upload, query } from "../api.mjs";
import { useSession } from "../app.mjs";
import { go } from "../router.mjs";
import { when } from "../format.mjs";
import { apiPath, pagePath, can } from "../resource.mjs";
import { useLoad, Loading, ErrorBox, Pager, Title, Confirm, notify, Field } from "../ui.mjs";
import { Search } from "./list.mjs";

function size(n) {
	return n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KB" :
	    (n / 1048576).toFixed(1) + " MB";
}

function Upload({ org, r, onDone }) {
	const input = useRef(null);
	const [progress, setProgress] = useState(null);
	const [error, setError] = useState(null);

	async function submit(ev) {
		ev.preventDefault();
		const file = input.current.files[0];
		if (!file)
			return;
		setError(null);
		setProgress({ loaded: 0, total: file.size });
		try {
			const f = await upload(apiPath(org, r), file,
			    (loaded, total) => setProgress({ loaded, total }));
			notify("Uploaded " + f.filename + ".");
			input.current.value = "";
			onDone();
		} catch (e) {
			setError(e);
		} finally {
			setProgress(null);
		}
	}
	return html`<form class="stack" onSubmit=${submit}>
		<${Field} id="upload-file" label="File to upload"
		    hint="PDF, PNG, JPEG, CSV or plain text">
			${(a) => html`<input ...${a} type="file" ref=${input} />`}
		<//>
		${progress && html`<label>Uploading…
			<progress max=${progress.total} value=${progress.loaded}>
			    ${Math.round(100 * progress.loaded / (progress.total || 1))}%</progress></label>`}
		<${ErrorBox} error=${error} />
		<div><button type="submit" class="primary" disabled=${progress !== null}>Upload</button></div>
	</form>`;
}

function Row({ org, r, f, onGone, onError }) {
	const [open, setOpen] = useState(false);
	async function download() {
		try {
			const link = await api("POST", apiPath(org, r, f.id, "link"));
			const a = document.createElement("a");
			a.href = link.url;
			a.download = f.filename;
			document.body.appendChild(a);
			a.click();
			a.remove();
		} catch (e) {
			onError(e);
		}
	}
	async function del() {
		setOpen(false);
		try {
			await api("DELETE", apiPath(org, r, f.id));
			notify("Deleted " + f.filename + ".");
			onGone();
		} catch (e) {
			onError(e);
		}
	}
	return html`<tr>
		<td data-label="Name">${f.filename}</td>
		<td data-label="Type">${f.content_type}</td>
		<td data-label="Size">${size(f.size)}</td>
		<td data-label="Uploaded">${when(f.created_at)}</td>
		<td data-label="Actions"><div class="actions">
			<button type="button" onClick=${download}
			    aria-label=${"Download " + f.filename}>Download</button>
			${can(r, "delete") && html`<button type="button" class="danger"
			    aria-label=${"Delete " + f.filename} onClick=${() => setOpen(true)}>Delete</button>
			<${Confirm} open=${open} title="Delete file?" action="Delete"
			    text=${"Delete " + f.filename + "? This cannot be undone."}
			    onConfirm=${del} onClose=${() => setOpen(false)} />`}
		</div></td>
	</tr>`;
}

export function List({ type, query: q }) {
	const { org, meta } = useSession();
	const r = meta.resources[type];
	const offset = Number(q.offset) || 0;
	const res = useLoad(() => api("GET", apiPath(org, r) +
	    query({ limit: 50, offset, q: q.q })), [org, offset, q.q]);
	const [error, setError] = useState(null);
	return html`<${Title}>${r.label}<//>
		${can(r, "create") && html`<${Upload} org=${org} r=${r} onDone=${res.reload} />`}
		<div class="toolbar">
			<${Search} value=${q.q} onSearch=${(s) => go(pagePath(org, type),
			    { q: s })} />
		</div>
		<${ErrorBox} error=${error || res.error} />
		${res.loading && !res.data && html`<${Loading} />`}
		${res.data && (res.data.total === 0 ? html`<p class="empty">${q.q ?
		    "No files match." : "No files yet."}</p>` : html`
		<table class="list">
			<thead><tr><th scope="col">Name</th><th scope="col">Type</th>
				<th scope="col">Size</th><th scope="col">Uploaded</th>
				<th scope="col">Actions</th></tr></thead>
			<tbody>${res.data.items.map((f) => html`<${Row} key=${f.id} org=${org}
			    r=${r} f=${f} onGone=${res.reload} onError=${setError} />`)}</tbody>
		</table>
		<${Pager} total=${res.data.total} limit=${res.data.limit} offset=${res.data.offset}
		    onPage=${(o) => go(pagePath(org, type), { q: q.q, offset: o })} />`)}`;
}
