// Orders: the list with its status filter, a form with lines (a product
// picker and a quantity each) and a record page with the server's total and the workflow steps, offered
// only when the caller may take them and the order's status allows.
import { html, useState, useEffect } from "../lib.mjs";
import { api } from "../api.mjs";
import { useSession } from "../app.mjs";
import { go, href } from "../router.mjs";
import { money, when } from "../format.mjs";
import { apiPath, pagePath, can } from "../resource.mjs";
import {
	useLoad, Loading, ErrorBox, Title, Submit, Field, fieldErrors, notify,
} from "../ui.mjs";
import { DeleteButton, History } from "./record.mjs";
import { ListPage } from "./list.mjs";

// The moves docs/api.md allows from each status.
const STEPS = {
	draft: ["confirm", "cancel"],
	confirmed: ["ship", "cancel"],
	shipped: [],
	cancelled: [],
};
const STEP_LABEL = { confirm: "Confirm order", ship: "Ship order",
    cancel: "Cancel order" };

// The generic list, with the filter the API's list takes (?status=,
// docs/api.md), which meta cannot know of a module's own route.
export function List(props) {
	return html`<${ListPage} ...${props} accepts=${{ filters: {
	    status: { type: "string", enum: Object.keys(STEPS), label: "Status" },
	} }} />`;
}

// Every record of a resource the caller may read (for pickers), by id.
function useAll(org, meta, type) {
	const r = meta.resources[type];
	return useLoad(async () => {
		if (!r || !r.actions.includes("read"))
			return new Map();
		const page = await api("GET", apiPath(org, r) + "?limit=500");
		return new Map(page.items.map((x) => [x.id, x]));
	}, [org, type]);
}

function LineRow({ i, line, products, errors, onChange, onRemove, only }) {
	const pe = errors["lines[" + i + "].product_id"];
	const qe = errors["lines[" + i + "].quantity"];
	const p = products.get(Number(line.product_id));
	return html`<fieldset class="line">
		<legend>Line ${i + 1}</legend>
		<${Field} id=${"line-" + i + "-product"} label="Product" required error=${pe}>
			${(a) => html`<select ...${a} value=${String(line.product_id)}
			    onChange=${(e) => onChange({ ...line, product_id: e.target.value })}>
				<option value="">Choose a product…</option>
				${[...products.values()].map((x) => html`<option value=${String(x.id)}>
				    ${x.sku} — ${x.name} (${money(x.price_cents, x.currency)})</option>`)}
			</select>`}
		<//>
		<${Field} id=${"line-" + i + "-quantity"} label="Quantity" required error=${qe}>
			${(a) => html`<input ...${a} type="text" inputmode="numeric"
			    value=${line.quantity}
			    onInput=${(e) => onChange({ ...line, quantity: e.target.value })} />`}
		<//>
		${p && /^\d+$/.test(line.quantity) && html`<p class="muted small">
			${money(p.price_cents * Number(line.quantity), p.currency)} at today's price</p>`}
		${!only && html`<button type="button" onClick=${onRemove}>Remove line ${i + 1}</button>`}
	</fieldset>`;
}

const intOrText = (s) => /^\s*\d+\s*$/.test(s) ? Number(s) : s;

export function Form({ id }) {
	const { org, meta } = useSession();
	const r = meta.resources.order;
	const editing = id !== null;
	const customers = useAll(org, meta, "customer");
	const products = useAll(org, meta, "product");
	const [customer, setCustomer] = useState("");
	const [lines, setLines] = useState([{ product_id: "", quantity: "1" }]);
	const [errors, setErrors] = useState({});
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const [ready, setReady] = useState(!editing);

	useEffect(() => {
		if (!editing)
			return;
		api("GET", apiPath(org, r, id)).then((o) => {
			setCustomer(String(o.customer_id));
			setLines(o.lines.map((l) => ({ product_id: String(l.product_id),
			    quantity: String(l.quantity) })));
			setReady(true);
		}, setError);
	}, [id]);

	if (!can(r, editing ? "update" : "create"))
		return html`<h1>Not allowed</h1><p>Your role may not ${editing ?
		    "change" : "create"} orders.</p>`;
	if (!ready || !customers.data || !products.data)
		return html`<${ErrorBox} error=${error || customers.error || products.error} />
			<${Loading} />`;

	async function submit(ev) {
		ev.preventDefault();
		setBusy(true);
		setError(null);
		setErrors({});
		const body = {
			lines: lines.map((l) => ({ product_id: intOrText(l.product_id),
			    quantity: intOrText(l.quantity) })),
		};
		if (!editing || customer !== "")
			body.customer_id = intOrText(customer);
		try {
			const o = await api(editing ? "PATCH" : "POST",
			    apiPath(org, r, editing ? id : null), body);
			notify(editing ? "Order saved." : "Order created.");
			go(pagePath(org, "order", o.id));
		} catch (e) {
			setErrors(fieldErrors(e));
			setError(e);
		} finally {
			setBusy(false);
		}
	}
	const setLine = (i) => (l) => setLines(lines.map((x, k) => k === i ? l : x));
	return html`<${Title}>${editing ? "Edit order " + id : "New order"}<//>
		<form class="stack" onSubmit=${submit} novalidate>
			<${ErrorBox} error=${error} />
			${errors.lines && html`<p class="field-error">Lines: ${errors.lines}</p>`}
			<${Field} id="order-customer" label="Customer" required
			    error=${errors.customer_id}>
				${(a) => html`<select ...${a} value=${customer}
				    onChange=${(e) => setCustomer(e.target.value)}>
					<option value="">Choose a customer…</option>
					${[...customers.data.values()].map((c) => html`
					    <option value=${String(c.id)}>${c.name}</option>`)}
				</select>`}
			<//>
			${lines.map((l, i) => html`<${LineRow} key=${i} i=${i} line=${l}
			    products=${products.data} errors=${errors} only=${lines.length === 1}
			    onChange=${setLine(i)}
			    onRemove=${() => setLines(lines.filter((x, k) => k !== i))} />`)}
			<button type="button" onClick=${() => setLines([...lines,
			    { product_id: "", quantity: "1" }])}>Add line</button>
			<p class="muted small">Prices and the total are set by the server
			    when you save.</p>
			<div class="actions">
				<${Submit} busy=${busy}>Save<//>
				<a class="button" href=${"#" + (editing ? pagePath(org, "order", id) :
				    pagePath(org, "order"))}>Cancel</a>
			</div>
		</form>`;
}

export function Record({ id }) {
	const { org, meta } = useSession();
	const r = meta.resources.order;
	const res = useLoad(() => api("GET", apiPath(org, r, id)), [org, id]);
	const customers = useAll(org, meta, "customer");
	const products = useAll(org, meta, "product");
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const o = res.data;
	if (!o)
		return res.error ? html`<${ErrorBox} error=${res.error} />` : html`<${Loading} />`;

	async function step(name) {
		setBusy(true);
		setError(null);
		try {
			await api("POST", apiPath(org, r, id, name));
			notify("Order " + id + ": " + name + " done.");
			res.reload();
		} catch (e) {
			setError(e);
		} finally {
			setBusy(false);
		}
	}
	const draft = o.status === "draft";
	const steps = (STEPS[o.status] || []).filter((s) => can(r, s));
	const c = customers.data && customers.data.get(o.customer_id);
	return html`<${Title}>Order ${o.id}<//>
		<div class="toolbar">
			${draft && can(r, "update") && html`<a class="button"
			    href=${href(pagePath(org, "order", id, true))}>Edit</a>`}
			${steps.map((s) => html`<button type="button" disabled=${busy}
			    class=${s === "cancel" ? "danger" : "primary"}
			    onClick=${() => step(s)}>${STEP_LABEL[s]}</button>`)}
			${draft && can(r, "delete") && html`<${DeleteButton} org=${org}
			    type="order" r=${r} rec=${o} onError=${setError} />`}
		</div>
		<${ErrorBox} error=${error} />
		<dl class="fields">
			<dt>Status</dt><dd><span class=${"badge " + o.status}>${o.status}</span></dd>
			<dt>Customer</dt><dd>${c ? c.name : "#" + o.customer_id}</dd>
			<dt>Total</dt><dd class="total">${money(o.total_cents, o.currency)}</dd>
			<dt>Created</dt><dd>${when(o.created_at)}</dd>
			<dt>Updated</dt><dd>${when(o.updated_at)}</dd>
		</dl>
		<h2>Lines</h2>
		<table class="list">
			<thead><tr><th scope="col">Product</th><th scope="col">Quantity</th>
				<th scope="col">Unit price</th><th scope="col">Line total</th></tr></thead>
			<tbody>${o.lines.map((l) => {
				const p = products.data && products.data.get(l.product_id);
				return html`<tr>
					<td data-label="Product">${p ? p.sku + " — " + p.name : "#" + l.product_id}</td>
					<td data-label="Quantity">${l.quantity}</td>
					<td data-label="Unit price">${money(l.unit_price_cents, o.currency)}</td>
					<td data-label="Line total">${money(l.line_total_cents, o.currency)}</td>
				</tr>`; })}</tbody>
		</table>
		${meta.admin.audit.includes("read") && html`<${History} org=${org}
		    type="order" id=${id} />`}`;
}
