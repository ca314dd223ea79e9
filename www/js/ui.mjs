// Pieces every page uses: loading and error states, labelled fields,
// the confirmation dialog, paging, and the polite status line.
import { html, useState, useEffect, useRef, useCallback } from "./lib.mjs";
import { ApiError } from "./api.mjs";

// Loads with fn() whenever deps change: {data, error, loading, reload}.
export function useLoad(fn, deps) {
	const [state, setState] = useState({ data: null, error: null,
	    loading: true });
	const [tick, setTick] = useState(0);
	useEffect(() => {
		let live = true;
		setState((s) => ({ ...s, loading: true }));
		fn().then((data) => live && setState({ data, error: null,
		    loading: false }),
		    (error) => live && setState({ data: null, error,
		    loading: false }));
		return () => { live = false; };
	}, [...deps, tick]);
	const reload = useCallback(() => setTick((t) => t + 1), []);
	return { ...state, reload };
}

// "Loading…" only when the answer takes long enough to be noticed.
export function Loading() {
	const [shown, setShown] = useState(false);
	useEffect(() => {
		const t = setTimeout(() => setShown(true), 300);
		return () => clearTimeout(t);
	}, []);
	return shown ? html`<p class="muted" role="status">Loading…</p>` : null;
}

export function errorText(e) {
	if (!(e instanceof ApiError))
		return e && e.message ? e.message : String(e);
	switch (e.status) {
	case 403:
		return "Not allowed: " + e.message;
	case 404:
		return "Not found: " + e.message;
	case 429:
	case 503:
		return (e.status === 429 ? "Too many requests" :
		    "The server is busy") + (e.retryAfter !== null ?
		    "; try again in " + e.retryAfter + " s." : "; try again soon.");
	default:
		return e.message;
	}
}

// An error as the user should see it, with the request id for support.
export function ErrorBox({ error }) {
	if (!error)
		return null;
	return html`<div class="error" role="alert">
		<p>${errorText(error)}</p>
		${error.requestId && html`<p class="muted small">Request ID:
			<code>${error.requestId}</code></p>`}
	</div>`;
}

// 422 fields as {path: message}; paths like "lines[1].quantity".
export function fieldErrors(e) {
	const out = {};
	if (e instanceof ApiError)
		for (const f of e.fields)
			if (!(f.field in out))
				out[f.field] = f.message;
	return out;
}

let seq = 0;
export function useId(prefix) {
	const r = useRef(null);
	if (r.current === null)
		r.current = (prefix || "f") + "-" + (++seq);
	return r.current;
}

// A labelled control with its error under it (aria-describedby).
export function Field({ label, error, required, hint, children, id }) {
	const eid = id + "-error";
	const hid = id + "-hint";
	const describedBy = [error ? eid : null, hint ? hid : null]
	    .filter(Boolean).join(" ") || undefined;
	return html`<div class=${"field" + (error ? " invalid" : "")}>
		<label for=${id}>${label}${required &&
		    html`<span class="req" aria-hidden="true"> *</span>`}</label>
		${children({ id, "aria-invalid": error ? "true" : undefined,
		    "aria-describedby": describedBy, required })}
		${hint && html`<p class="hint" id=${hid}>${hint}</p>`}
		${error && html`<p class="field-error" id=${eid}>${error}</p>`}
	</div>`;
}

// A destructive action confirmed in a <dialog> (Escape cancels).
export function Confirm({ open, title, text, action, onConfirm, onClose }) {
	const ref = useRef(null);
	useEffect(() => {
		const d = ref.current;
		if (open && !d.open)
			d.showModal();
		else if (!open && d.open)
			d.close();
	}, [open]);
	return html`<dialog ref=${ref} onClose=${onClose}
	    aria-labelledby="confirm-title">
		<h2 id="confirm-title">${title}</h2>
		<p>${text}</p>
		<div class="actions">
			<button type="button" class="danger"
			    onClick=${onConfirm}>${action}</button>
			<button type="button" onClick=${onClose}>Cancel</button>
		</div>
	</dialog>`;
}

// "1–50 of 230" with Previous and Next.
export function Pager({ total, limit, offset, onPage }) {
	if (total === 0)
		return null;
	const first = offset + 1;
	const last = Math.min(offset + limit, total);
	if (total <= limit && offset === 0)
		return html`<p class="pager muted">${first}–${last} of ${total}</p>`;
	return html`<nav class="pager" aria-label="Pages">
		<span>${first}–${last} of ${total}</span>
		<button type="button" disabled=${offset === 0}
		    onClick=${() => onPage(Math.max(0, offset - limit))}>Previous</button>
		<button type="button" disabled=${last >= total}
		    onClick=${() => onPage(offset + limit)}>Next</button>
	</nav>`;
}

// The polite status line: short success reports.
let announce = () => {};
export function notify(text) {
	announce(text);
}

export function StatusLine() {
	const [text, setText] = useState("");
	useEffect(() => {
		let t = null;
		announce = (s) => {
			setText(s);
			clearTimeout(t);
			t = setTimeout(() => setText(""), 5000);
		};
		return () => { announce = () => {}; };
	}, []);
	return html`<div class="status" role="status" aria-live="polite">${text}</div>`;
}

// The page's heading; takes focus when a page opens (for screen readers
// and keyboards).
export function Title({ children }) {
	const ref = useRef(null);
	useEffect(() => {
		ref.current.focus({ preventScroll: true });
		document.title = ref.current.textContent + " · erpd";
	}, []);
	return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`;
}

// A form's submit: runs work() with the button busy, keeps the error
// (the typed values stay in the form's own state either way).
export function useSubmit(work) {
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState(null);
	async function submit(ev) {
		ev.preventDefault();
		setBusy(true);
		setError(null);
		try {
			await work();
		} catch (e) {
			setError(e);
		} finally {
			setBusy(false);
		}
	}
	return { busy, error, submit };
}

// A role picker of the roles in force.
export function RoleField({ id, roles, value, onChange, error }) {
	return html`<${Field} id=${id} label="Role" required error=${error}>
		${(a) => html`<select ...${a} value=${value}
		    onChange=${(e) => onChange(e.target.value)}>
			${roles.map((r) => html`<option value=${r}>${r}</option>`)}</select>`}
	<//>`;
}

// A submit button that is busy while its request runs.
export function Submit({ busy, children }) {
	return html`<button type="submit" class="primary" disabled=${busy}
	    aria-busy=${busy ? "true" : undefined}>${children}</button>`;
}
