// Sign in: the first page, and the dialog that appears when a token dies
// mid-work (the page underneath stays, with what was typed).
import { html, useState } from "../lib.mjs";
import { login } from "../api.mjs";
import { ErrorBox, Field, Submit } from "../ui.mjs";

export function SignInForm({ email: given, onDone, idPrefix = "signin" }) {
	const [email, setEmail] = useState(given || "");
	const [password, setPassword] = useState("");
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState(null);

	async function submit(ev) {
		ev.preventDefault();
		setBusy(true);
		setError(null);
		try {
			await login(email.trim(), password);
			setPassword("");
			onDone(email.trim());
		} catch (e) {
			setError(e);
		} finally {
			setBusy(false);
		}
	}
	return html`<form onSubmit=${submit} class="stack">
		<${ErrorBox} error=${error} />
		<${Field} id=${idPrefix + "-email"} label="Email" required>
			${(a) => html`<input ...${a} type="email" autocomplete="username"
			    value=${email} onInput=${(e) => setEmail(e.target.value)} />`}
		<//>
		<${Field} id=${idPrefix + "-password"} label="Password" required>
			${(a) => html`<input ...${a} type="password"
			    autocomplete="current-password" value=${password}
			    onInput=${(e) => setPassword(e.target.value)} />`}
		<//>
		<${Submit} busy=${busy}>Sign in<//>
	</form>`;
}

export function SignInPage({ onDone, note }) {
	return html`<main class="signin" id="main">
		<h1>Sign in to erpd</h1>
		${note && html`<p class="notice" role="status">${note}</p>`}
		<${SignInForm} onDone=${onDone} />
	</main>`;
}
