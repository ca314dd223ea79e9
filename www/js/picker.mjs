// A picker for a field that holds another record's id (a schema rule's
// `ref`): typing searches the referenced resource's list, the arrows and
// Enter (or a click) choose; the input shows the record's name and the
// field keeps its id. An ARIA combobox with a listbox popup.
import { html, useState, useEffect, useRef } from "./lib.mjs";
import { api, query } from "./api.mjs";
import { apiPath, recordName } from "./resource.mjs";

const SHOWN = 10;

// What an option reads: "BOLT-1 — Bolt" when the record has a code too.
export function refText(rec) {
	const name = recordName(rec);
	return rec.sku && rec.sku !== name ? rec.sku + " — " + name : name;
}

// Records of r matching text: the list's ?q= when it searches, else its
// first page filtered here.
async function find(org, r, text) {
	const t = text.trim().toLowerCase();
	if (r.search)
		return (await api("GET", apiPath(org, r) + query({ q: t,
		    limit: SHOWN }))).items;
	const page = await api("GET", apiPath(org, r) + "?limit=500");
	return page.items.filter((x) => refText(x).toLowerCase().includes(t))
	    .slice(0, SHOWN);
}

// a: the labelled control's attributes (id, aria-*), from Field.
export function Picker({ a, org, r, value, onInput }) {
	const [text, setText] = useState("");
	const [items, setItems] = useState(null);	// null: closed
	const [active, setActive] = useState(-1);
	const shown = useRef(null);	// the id the text names
	const seq = useRef(0);
	const list = a.id + "-options";

	// the name of an id set from outside (a stored record, a link)
	useEffect(() => {
		if (value === "" || value === shown.current)
			return;
		shown.current = value;
		setText("#" + value);
		api("GET", apiPath(org, r, value)).then((rec) => {
			if (shown.current === value)
				setText(refText(rec));
		}, () => {});
	}, [value]);

	function search(t) {
		const n = ++seq.current;
		find(org, r, t).then((xs) => {
			if (n === seq.current) {
				setItems(xs);
				setActive(xs.length ? 0 : -1);
			}
		}, () => n === seq.current && setItems([]));
	}
	function choose(rec) {
		shown.current = String(rec.id);
		setText(refText(rec));
		setItems(null);
		onInput(String(rec.id));
	}
	function onKeyDown(e) {
		const open = items !== null;
		if (e.key === "ArrowDown" || e.key === "ArrowUp") {
			e.preventDefault();
			if (!open)
				return search(shown.current ? "" : text);
			const d = e.key === "ArrowDown" ? 1 : -1;
			setActive((i) => Math.max(0, Math.min(items.length - 1, i + d)));
		} else if (e.key === "Enter" && open && active >= 0) {
			e.preventDefault();
			choose(items[active]);
		} else if (e.key === "Escape" && open) {
			e.preventDefault();
			e.stopPropagation();
			setItems(null);
		}
	}
	const opt = (i) => list + "-" + i;
	return html`<div class="picker">
		<input ...${a} type="text" role="combobox" autocomplete="off"
		    aria-autocomplete="list" aria-controls=${list}
		    aria-expanded=${items !== null ? "true" : "false"}
		    aria-activedescendant=${items && active >= 0 ? opt(active) : undefined}
		    value=${text} placeholder="Type to search"
		    onInput=${(e) => { setText(e.target.value); shown.current = "";
			onInput(""); search(e.target.value); }}
		    onKeyDown=${onKeyDown} onBlur=${() => setItems(null)} />
		<ul role="listbox" id=${list} hidden=${items === null}
		    aria-label=${r.label}>
			${items && items.length === 0 && html`<li class="muted">No matches</li>`}
			${items && items.map((x, i) => html`<li role="option" key=${x.id}
			    id=${opt(i)} aria-selected=${i === active ? "true" : "false"}
			    onMouseDown=${(e) => { e.preventDefault(); choose(x); }}>
				${refText(x)}</li>`)}
		</ul>
	</div>`;
}
