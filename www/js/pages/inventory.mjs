// Inventory (docs/inventory.md): stock levels, the moves with their
// reasons, a move made by hand, and reservations by reference. Its routes
// are the module's own, so this page says what they take; the move and
// reservation forms are built from the stock_move and reservation
// schemas in meta (a product picker for their product_id), and "not
// enough stock" (409) lands at the quantity that asked too much.
import { html, useState, useEffect } from "../lib.mjs";
import { api, query } from "../api.mjs";
import { useSession } from "../app.mjs";
import { go, href } from "../router.mjs";
import { when } from "../format.mjs";
import { can, pagePath } from "../resource.mjs";
import {
	useLoad, Loading, ErrorBox, Pager, Title, Submit, Confirm,
	notify,
} from "../ui.mjs";
import { RuleInput, toText, fromText } from "../inputs.mjs";
import { refText } from "../picker.mjs";
import { errorAt, sendForm, Unplaced } from "./form.mjs";
import { Filter } from "./list.mjs";

// Reasons a move may have (GET …/stock/moves?reason=); shipment moves
// are made only by shipping a reservation.
const REASONS = ["receipt", "return", "scrap", "adjustment", "shipment"];

const base = (org) => "/orgs/" + org;

// Product names by id, for the tables (the first 500, as orders does).
function useProducts(org, meta) {
	const r = meta.resources.product;
	return useLoad(async () => {
		if (!r || !can(r, "read"))
			return new Map();
		const page = await api("GET", base(org) + r.path + "?limit=500");
		return new Map(page.items.map((p) => [p.id, p]));
	}, [org]);
}

function ProductName({ products, id }) {
	const p = products.data && products.data.get(id);
	return p ? refText(p) : "#" + id;
}

// The way between the views; at: the one shown.
function Views({ org, r, at }) {
	const to = (v) => "#" + pagePath(org, "stock") + (v ? "/" + v : "");
	const view = (v, label) => html`<a class="button" href=${to(v)}
	    aria-current=${v === at ? "page" : undefined}>${label}</a>`;
	return html`<div class="toolbar">
		${can(r, "move") && html`<a class="button primary"
		    href=${to("new")}>New move</a>`}
		${view("", "Stock levels")}${view("moves", "Moves")}
		${view("reservations", "Reservations")}
	</div>`;
}

const PRODUCT = { ref: "product", label: "Product" };

export function List({ type, query: q }) {
	const { org, meta } = useSession();
	const r = meta.resources[type];
	const products = useProducts(org, meta);
	const offset = Number(q.offset) || 0;
	const res = useLoad(() => api("GET", base(org) + "/stock" + query({
	    product_id: q.product_id, limit: 50, offset })),
	    [org, q.product_id, offset]);
	const nav = (p) => go(pagePath(org, type), p);
	return html`<${Title}>Stock levels<//>
		<${Views} org=${org} r=${r} at="" />
		<div class="toolbar"><${Filter} name="product_id" rule=${PRODUCT}
		    value=${q.product_id} onChange=${(v) => nav({ product_id: v })} /></div>
		<${ErrorBox} error=${res.error} />
		${res.loading && !res.data && html`<${Loading} />`}
		${res.data && (res.data.total === 0 ? html`<p class="empty">${q.product_id ?
		    "No stock of this product yet" : "No stock yet"}: a move brings it in.</p>` : html`
		<table class="list">
			<thead><tr><th scope="col">Product</th><th scope="col">On hand</th>
				<th scope="col">Reserved</th><th scope="col">Available</th></tr></thead>
			<tbody>${res.data.items.map((s) => html`<tr key=${s.product_id}>
				<td data-label="Product"><a href=${"#" + pagePath(org, type,
				    s.product_id)}><${ProductName} products=${products}
				    id=${s.product_id} /></a></td>
				<td data-label="On hand">${s.on_hand}</td>
				<td data-label="Reserved">${s.reserved}</td>
				<td data-label="Available">${s.available}</td>
			</tr>`)}</tbody>
		</table>
		<${Pager} total=${res.data.total} limit=${res.data.limit}
		    offset=${res.data.offset}
		    onPage=${(o) => nav({ ...q, offset: o })} />`)}`;
}

function MoveTable({ items, products }) {
	return html`<table class="list">
		<thead><tr><th scope="col">Time</th><th scope="col">Product</th>
			<th scope="col">Quantity</th><th scope="col">Reason</th>
			<th scope="col">Reference</th><th scope="col">On hand after</th>
			<th scope="col">Note</th></tr></thead>
		<tbody>${items.map((m) => html`<tr key=${m.id}>
			<td data-label="Time">${when(m.created_at)}</td>
			<td data-label="Product"><${ProductName} products=${products}
			    id=${m.product_id} /></td>
			<td data-label="Quantity">${m.quantity > 0 ? "+" + m.quantity :
			    String(m.quantity)}</td>
			<td data-label="Reason">${m.reason}</td>
			<td data-label="Reference">${m.reference || ""}</td>
			<td data-label="On hand after">${m.on_hand_after}</td>
			<td data-label="Note">${m.note || ""}</td>
		</tr>`)}</tbody>
	</table>`;
}

export function Moves({ type, query: q }) {
	const { org, meta } = useSession();
	const r = meta.resources[type];
	const products = useProducts(org, meta);
	const offset = Number(q.offset) || 0;
	const params = { product_id: q.product_id, reason: q.reason,
	    reference: q.reference };
	const res = useLoad(() => api("GET", base(org) + "/stock/moves" +
	    query({ ...params, limit: 50, offset })),
	    [org, JSON.stringify(params), offset]);
	const nav = (p) => go(pagePath(org, type) + "/moves", { ...params,
	    ...p });
	return html`<${Title}>Stock moves<//>
		<${Views} org=${org} r=${r} at="moves" />
		<div class="toolbar">
			<${Filter} name="product_id" rule=${PRODUCT} value=${q.product_id}
			    onChange=${(v) => nav({ product_id: v })} />
			<${Filter} name="reason" rule=${{ enum: REASONS, label: "Reason" }}
			    value=${q.reason} onChange=${(v) => nav({ reason: v })} />
			<${Filter} name="reference" rule=${{ type: "string" }}
			    value=${q.reference} onChange=${(v) => nav({ reference: v })} />
		</div>
		<${ErrorBox} error=${res.error} />
		${res.loading && !res.data && html`<${Loading} />`}
		${res.data && (res.data.total === 0 ? html`<p class="empty">${Object.values(
		    params).some(Boolean) ? "No moves match." : "No moves yet."}</p>` : html`
		<${MoveTable} items=${res.data.items} products=${products} />
		<${Pager} total=${res.data.total} limit=${res.data.limit}
		    offset=${res.data.offset}
		    onPage=${(o) => nav({ offset: o })} />`)}`;
}

// One product's stock and its latest moves.
export function Record({ type, id }) {
	const { org, meta } = useSession();
	const r = meta.resources[type];
	const products = useProducts(org, meta);
	const res = useLoad(() => Promise.all([
	    api("GET", base(org) + "/stock/" + encodeURIComponent(id)),
	    api("GET", base(org) + "/stock/moves" + query({ product_id: id,
	        limit: 20 }))]), [org, id]);
	if (!res.data)
		return res.error ? html`<${ErrorBox} error=${res.error} />` :
		    html`<${Loading} />`;
	const [s, moves] = res.data;
	return html`<${Title}>Stock of <${ProductName} products=${products}
	    id=${s.product_id} /><//>
		<div class="toolbar">
			${can(r, "move") && html`<a class="button primary"
			    href=${href(pagePath(org, type) + "/new",
			    { product_id: s.product_id })}>New move</a>`}
			<a class="button" href=${href(pagePath(org, type) + "/moves",
			    { product_id: s.product_id })}>All its moves</a>
			<a class="button" href=${"#" + pagePath(org, type)}>Stock levels</a>
		</div>
		<dl class="fields">
			<dt>On hand</dt><dd>${s.on_hand}</dd>
			<dt>Reserved</dt><dd>${s.reserved}</dd>
			<dt>Available</dt><dd>${s.available}</dd>
		</dl>
		<h2>Latest moves</h2>
		${moves.total === 0 ? html`<p class="muted">No moves yet.</p>` :
		    html`<${MoveTable} items=${moves.items} products=${products} />`}`;
}

// The controls of a schema's fields (meta's stock_move, reservation's
// line): values kept as typed, the server's errors at their fields.
function SchemaFields({ fields, values, errors, prefix, onInput }) {
	return fields.map(([n, f]) => html`<${RuleInput} key=${n} name=${n}
	    rule=${f} value=${values[n]} error=${errorAt(errors, prefix + n)}
	    onInput=${(v) => onInput({ ...values, [n]: v })} />`);
}

// The body of typed values, or {errors} of values that cannot be sent.
function bodyOf(fields, values, prefix) {
	const body = {};
	const errors = {};
	for (const [n, f] of fields) {
		const v = fromText(n, f, values[n]);
		if (v.error)
			errors[prefix + n] = v.error;
		else if (!v.skip)
			body[n] = v.value;
	}
	return { body, errors };
}

const blank = (fields, preset) => Object.fromEntries(fields.map(([n, f]) =>
    [n, toText(n, f, preset ? preset[n] : undefined)]));

// A move by hand (POST …/stock/moves), at …/stock/new.
export function Form({ type, query: q }) {
	const { org, meta } = useSession();
	const r = meta.resources[type];
	const s = meta.resources.stock_move;
	const fields = s ? Object.entries(s.fields) : [];
	const [values, setValues] = useState(() => blank(fields,
	    q && /^\d+$/.test(q.product_id || "") ?
	    { product_id: Number(q.product_id) } : null));
	const [errors, setErrors] = useState({});
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	if (!can(r, "move") || !s)
		return html`<h1>Not allowed</h1><p>Your role may not move stock.</p>`;

	async function submit(ev) {
		ev.preventDefault();
		const { body, errors: local } = bodyOf(fields, values, "");
		await sendForm(local, { setError, setErrors, setBusy },
		    async () => {
			const m = await api("POST", base(org) + "/stock/moves", body);
			notify("Moved " + m.quantity + ": " + m.on_hand_after +
			    " on hand now.");
			go(pagePath(org, type, m.product_id));
		});
	}
	return html`<${Title}>New stock move<//>
		<form class="stack" onSubmit=${submit} novalidate>
			<p class="muted small">Receipt and return bring stock in (a
			    positive quantity), scrap takes it out (negative), an
			    adjustment after a count goes either way.</p>
			<${ErrorBox} error=${error} />
			<${Unplaced} errors=${errors} names=${fields.map(([n]) => n)} />
			<${SchemaFields} fields=${fields} values=${values} errors=${errors}
			    prefix="" onInput=${setValues} />
			<div class="actions">
				<${Submit} busy=${busy}>Save move<//>
				<a class="button" href=${"#" + pagePath(org, type)}>Cancel</a>
			</div>
		</form>`;
}

// The lines of one reservation, with Ship and Release where allowed.
function Reservation({ org, r, products, reference, onGone }) {
	const res = useLoad(() => api("GET", base(org) + "/reservations/" +
	    encodeURIComponent(reference)), [org, reference]);
	const [error, setError] = useState(null);
	const [confirm, setConfirm] = useState(false);
	const path = base(org) + "/reservations/" + encodeURIComponent(reference);
	async function end(how) {
		setConfirm(false);
		setError(null);
		try {
			await api(how === "ship" ? "POST" : "DELETE", path +
			    (how === "ship" ? "/ship" : ""));
			notify((how === "ship" ? "Shipped " : "Released ") + reference + ".");
			onGone();
		} catch (e) {
			setError(e);
		}
	}
	if (!res.data)
		return res.error ? html`<${ErrorBox} error=${res.error} />` : html`<${Loading} />`;
	return html`<section aria-labelledby="res-title">
		<h2 id="res-title">Reservation ${reference}</h2>
		<div class="toolbar">
			${can(r, "ship") && html`<button type="button" class="primary"
			    onClick=${() => end("ship")}>Ship reservation</button>`}
			${can(r, "release") && html`<button type="button" class="danger"
			    onClick=${() => setConfirm(true)}>Release reservation</button>
			<${Confirm} open=${confirm} title="Release reservation?"
			    text=${"Free the stock held for " + reference + "?"}
			    action="Release" onConfirm=${() => end("release")}
			    onClose=${() => setConfirm(false)} />`}
		</div>
		<${ErrorBox} error=${error} />
		<table class="list">
			<thead><tr><th scope="col">Product</th><th scope="col">Quantity</th></tr></thead>
			<tbody>${res.data.lines.map((l, i) => html`<tr key=${i}>
				<td data-label="Product"><${ProductName} products=${products}
				    id=${l.product_id} /></td>
				<td data-label="Quantity">${l.quantity}</td></tr>`)}</tbody>
		</table>
	</section>`;
}

function NewReservation({ org, meta, onDone }) {
	const s = meta.resources.reservation;
	const ref = s.fields.reference;
	const lineFields = Object.entries(s.fields.lines.items.fields);
	const [reference, setReference] = useState("");
	const [lines, setLines] = useState(() => [blank(lineFields)]);
	const [errors, setErrors] = useState({});
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);

	async function submit(ev) {
		ev.preventDefault();
		const local = {};
		const body = { reference, lines: lines.map((l, i) => {
			const b = bodyOf(lineFields, l, "lines[" + i + "].");
			Object.assign(local, b.errors);
			return b.body;
		}) };
		await sendForm(local, { setError, setErrors, setBusy },
		    async () => {
			await api("POST", base(org) + "/reservations", body);
			notify("Reserved for " + reference + ".");
			onDone(reference);
		});
	}
	return html`<form class="stack" onSubmit=${submit} novalidate
	    aria-labelledby="new-res">
		<h2 id="new-res">New reservation</h2>
		<${ErrorBox} error=${error} />
		${errors.lines && html`<p class="field-error">Lines: ${errors.lines}</p>`}
		<${RuleInput} name="reference" rule=${{ ...ref, label: "Reference" }}
		    value=${reference} error=${errors.reference} onInput=${setReference} />
		${lines.map((l, i) => html`<fieldset class="line" key=${i}>
			<legend>Line ${i + 1}</legend>
			<${SchemaFields} fields=${lineFields} values=${l} errors=${errors}
			    prefix=${"lines[" + i + "]."} onInput=${(v) => setLines(
			    lines.map((x, k) => k === i ? v : x))} />
			${lines.length > 1 && html`<button type="button" onClick=${() =>
			    setLines(lines.filter((x, k) => k !== i))}>Remove line ${i + 1}</button>`}
		</fieldset>`)}
		<div class="actions">
			<button type="button" onClick=${() => setLines([...lines,
			    blank(lineFields)])}>Add line</button>
			<${Submit} busy=${busy}>Reserve<//>
		</div>
	</form>`;
}

export function Reservations({ type, query: q }) {
	const { org, meta } = useSession();
	const r = meta.resources[type];
	const products = useProducts(org, meta);
	const [ref, setRef] = useState(q.reference || "");
	useEffect(() => setRef(q.reference || ""), [q.reference]);
	const show = (v) => go(pagePath(org, type) + "/reservations",
	    { reference: v });
	return html`<${Title}>Reservations<//>
		<${Views} org=${org} r=${r} at="reservations" />
		<form role="search" class="inline" onSubmit=${(e) => {
		    e.preventDefault(); show(ref.trim()); }}>
			<label for="res-ref">Find by reference</label>
			<input id="res-ref" value=${ref} placeholder="e.g. PO-7"
			    onInput=${(e) => setRef(e.target.value)} />
			<button type="submit">Open reservation</button>
		</form>
		${q.reference && html`<${Reservation} key=${q.reference} org=${org}
		    r=${r} products=${products} reference=${q.reference}
		    onGone=${() => show("")} />`}
		${can(r, "reserve") && meta.resources.reservation && html`
		    <${NewReservation} key=${q.reference || ""} org=${org} meta=${meta}
		        onDone=${show} />`}`;
}
