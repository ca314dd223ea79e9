// The app shell: who is signed in, the organization at hand and its
// meta, the header (organization switcher, user menu), the navigation
// built from meta, and the page the address names.
import {
	html, useState, useEffect, useRef, createContext, useContext,
} from "./lib.mjs";
import { api, signedIn, setToken, logout, onReauth } from "./api.mjs";
import { useRoute } from "./router.mjs";
import { StatusLine, ErrorBox, Loading } from "./ui.mjs";
import { SignInPage, SignInForm } from "./pages/signin.mjs";
import { Page } from "./pages.mjs";

export const Session = createContext(null);
export const useSession = () => useContext(Session);

// The dialog shown when the token died: sign in again, then go on.
function Reauth({ email, onDone, onCancel }) {
	const ref = useRef(null);
	useEffect(() => { ref.current.showModal(); }, []);
	return html`<dialog ref=${ref} class="reauth"
	    onCancel=${(e) => e.preventDefault()} aria-labelledby="reauth-title">
		<h2 id="reauth-title">Signed out</h2>
		<p>Your session has ended. Sign in again to go on where you were;
		what you typed is kept.</p>
		<${SignInForm} email=${email} idPrefix="reauth" onDone=${onDone} />
		<button type="button" class="link" onClick=${onCancel}>Sign out</button>
	</dialog>`;
}

function Nav({ me, org, meta, open }) {
	const res = meta ? Object.entries(meta.resources)
	    .filter(([, r]) => r.path && r.actions.includes("read")) : [];
	const adm = meta ? meta.admin : {};
	const can = (t, v) => adm[t] && adm[t].includes(v);
	const base = "#/o/" + org;
	return html`<nav id="nav" class=${open ? "open" : ""} aria-label="Main">
		${org && meta && html`
			<h2>Work</h2>
			<ul>${res.map(([type, r]) => html`<li>
				<a href=${base + "/r/" + type}>${r.label}</a></li>`)}
			</ul>
			${(can("member", "read") || can("apikey", "read") ||
			    can("policy", "read") || can("audit", "read")) && html`
				<h2>Admin</h2>
				<ul>
				${can("member", "read") && html`<li><a href=${base + "/admin/members"}>Members</a></li>`}
				${can("apikey", "read") && html`<li><a href=${base + "/admin/api-keys"}>API keys</a></li>`}
				${can("policy", "read") && html`<li><a href=${base + "/admin/policy"}>Policy</a></li>`}
				${can("audit", "read") && html`<li><a href=${base + "/admin/audit"}>Audit log</a></li>`}
				</ul>`}`}
		${me.is_admin && html`<h2>System</h2>
			<ul>
				<li><a href="#/system/users">Users</a></li>
				<li><a href="#/system/orgs">Organizations</a></li>
			</ul>`}
		<h2>Developers</h2>
		<ul><li><a href=${org ? base + "/api" : "#/api"}>API reference</a></li></ul>
	</nav>`;
}

function Header({ me, org, menuOpen, onMenu, onSignOut }) {
	const orgs = me.organizations;
	return html`<header class="top">
		<button type="button" class="menu" aria-expanded=${menuOpen ? "true" : "false"}
		    aria-controls="nav" onClick=${onMenu}>Menu</button>
		<a class="brand" href="#/">erpd</a>
		${orgs.length > 1 && html`<label class="orgpick">
			<span class="sr-only">Organization</span>
			<select value=${String(org || "")} aria-label="Organization"
			    onChange=${(e) => { location.hash = "#/o/" + e.target.value; }}>
				${!org && html`<option value="">Choose…</option>`}
				${orgs.map((o) => html`<option value=${String(o.id)}>${o.name}</option>`)}
			</select></label>`}
		${orgs.length === 1 && html`<span class="orgname">${orgs[0].name}</span>`}
		<details class="usermenu">
			<summary>${me.name || me.email}</summary>
			<div class="menu-items">
				<a href="#/password">Change password</a>
				<button type="button" onClick=${onSignOut}>Sign out</button>
			</div>
		</details>
	</header>`;
}

function Shell({ me, reloadMe, onSignOut }) {
	const route = useRoute();
	const [menuOpen, setMenuOpen] = useState(false);
	const org = route.parts[0] === "o" && /^\d+$/.test(route.parts[1] || "") ?
	    Number(route.parts[1]) : null;
	const [meta, setMeta] = useState({ org: null, data: null, error: null });
	const [metaTick, setMetaTick] = useState(0);

	useEffect(() => {
		if (org === null)
			return;
		let live = true;
		setMeta({ org, data: null, error: null });
		api("GET", "/orgs/" + org + "/meta").then(
		    (data) => live && setMeta({ org, data, error: null }),
		    (error) => live && setMeta({ org, data: null, error }));
		return () => { live = false; };
	}, [org, metaTick]);
	useEffect(() => setMenuOpen(false), [route.path]);

	const session = { me, org, meta: meta.org === org ? meta.data : null,
	    reloadMeta: () => setMetaTick((t) => t + 1), reloadMe };
	let body;
	if (org !== null && meta.error)
		body = html`<${ErrorBox} error=${meta.error} />`;
	else if (org !== null && !session.meta)
		body = html`<${Loading} />`;
	else
		body = html`<${Page} route=${route} />`;
	return html`<${Session.Provider} value=${session}>
		<${Header} me=${me} org=${org} menuOpen=${menuOpen}
		    onMenu=${() => setMenuOpen(!menuOpen)} onSignOut=${onSignOut} />
		<div class="layout">
			<${Nav} me=${me} org=${org} meta=${session.meta} open=${menuOpen} />
			<main id="main">${body}</main>
		</div>
	<//>`;
}

export function App() {
	const [me, setMe] = useState(null);
	const [state, setState] = useState(signedIn() ? "loading" : "out");
	const [reauth, setReauth] = useState(null);
	const [note, setNote] = useState(null);

	async function loadMe() {
		try {
			setMe(await api("GET", "/users/me", undefined, { retry: false }));
			setState("in");
		} catch (e) {
			setToken(null);
			setState("out");
			if (e.status === 401)
				setNote("Your session has ended; sign in again.");
		}
	}
	useEffect(() => {
		onReauth(() => new Promise((resolve, reject) =>
		    setReauth({ resolve, reject })));
		if (signedIn())
			loadMe();
	}, []);

	async function signOut() {
		try {
			await logout();
		} catch (e) { /* the token is gone either way */ }
		setMe(null);
		setState("out");
		setNote("You are signed out.");
	}

	let body;
	if (state === "out")
		body = html`<${SignInPage} note=${note}
		    onDone=${() => { setNote(null); loadMe(); }} />`;
	else if (state === "loading" || me === null)
		body = html`<${Loading} />`;
	else
		body = html`<${Shell} me=${me} reloadMe=${loadMe} onSignOut=${signOut} />`;
	return html`${body}
		${reauth && html`<${Reauth} email=${me && me.email}
		    onDone=${() => { const r = reauth; setReauth(null); r.resolve(); }}
		    onCancel=${() => { const r = reauth; setReauth(null);
			r.reject(new Error("signed out")); setToken(null);
			setMe(null); setState("out"); }} />`}
		<${StatusLine} />`;
}
