// The start page (the user's organizations) and an organization's page.
import { html, useEffect } from "../lib.mjs";
import { useSession } from "../app.mjs";
import { Title } from "../ui.mjs";

export function Home() {
	const { me } = useSession();
	const orgs = me.organizations;
	useEffect(() => {
		// only while the address is still the start page's
		if (orgs.length === 1 && /^#?\/?$/.test(location.hash))
			location.replace("#/o/" + orgs[0].id);
	}, []);
	return html`<${Title}>Welcome, ${me.name || me.email}<//>
		${orgs.length === 0 ? html`<p>You are not a member of any
			organization yet. Ask an organization's admin to add you.</p>` :
		html`<h2>Your organizations</h2><ul class="cards">
			${orgs.map((o) => html`<li><a href=${"#/o/" + o.id}>${o.name}</a>
				<span class="muted"> — ${o.role}</span></li>`)}</ul>`}`;
}

export function OrgHome() {
	const { me, org, meta } = useSession();
	const o = me.organizations.find((x) => x.id === org);
	const res = Object.entries(meta.resources)
	    .filter(([, r]) => r.path && r.actions.includes("read"));
	return html`<${Title}>${o ? o.name : "Organization " + org}<//>
		<p class="muted">Your role here: ${meta.role || "none (system admin)"}</p>
		<ul class="cards">
			${res.map(([type, r]) => html`<li>
				<a href=${"#/o/" + org + "/r/" + type}>${r.label}</a></li>`)}
		</ul>`;
}
