// Change password: the server answers with a fresh token (every older
// one, this session's included, dies), which the client keeps.
import { html, useState } from "../lib.mjs";
import { api, setToken } from "../api.mjs";
import { ErrorBox, Field, Submit, Title, fieldErrors, notify, useSubmit } from "../ui.mjs";

export function Password() {
	const [cur, setCur] = useState("");
	const [next, setNext] = useState("");
	const { busy, error, submit } = useSubmit(async () => {
		const r = await api("PUT", "/users/me/password",
		    { current_password: cur, new_password: next });
		setToken(r.access_token);
		setCur("");
		setNext("");
		notify("Password changed.");
	});
	const errors = fieldErrors(error);
	return html`<${Title}>Change password<//>
		<form class="stack" onSubmit=${submit}>
			<${ErrorBox} error=${error} />
			<${Field} id="pw-current" label="Current password" required
			    error=${errors.current_password}>
				${(a) => html`<input ...${a} type="password" autocomplete="current-password"
				    value=${cur} onInput=${(e) => setCur(e.target.value)} />`}
			<//>
			<${Field} id="pw-new" label="New password" required
			    error=${errors.new_password} hint="at least 12 characters, letters mixed with digits, spaces or symbols">
				${(a) => html`<input ...${a} type="password" autocomplete="new-password"
				    value=${next} onInput=${(e) => setNext(e.target.value)} />`}
			<//>
			<div><${Submit} busy=${busy}>Change password<//></div>
		</form>`;
}
