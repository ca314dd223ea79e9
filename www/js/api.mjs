// The API client: every request of the UI goes through here. The token
// lives in memory and sessionStorage (so a reload keeps the session),
// never in a URL or a cookie. A 401 asks the app to sign in again and
// then repeats the request, so the page and what was typed stay.

const TOKEN_KEY = "erpd.token";
let token = sessionStorage.getItem(TOKEN_KEY);
let reauth = null;		// set by the app: () => Promise<void>
let pending = null;		// one sign-in for every request that waits

export class ApiError extends Error {
	constructor(status, body, headers) {
		const e = (body && body.error) || {};
		super(e.message || "request failed with status " + status);
		this.status = status;
		this.code = e.code || "http_" + status;
		this.fields = e.fields || [];
		this.requestId = e.request_id || headers.get("X-Request-ID");
		const ra = headers.get("Retry-After");
		this.retryAfter = ra !== null && /^\d+$/.test(ra) ? Number(ra) : null;
	}
}

export function signedIn() {
	return token !== null;
}

export function setToken(t) {
	token = t;
	if (t === null)
		sessionStorage.removeItem(TOKEN_KEY);
	else
		sessionStorage.setItem(TOKEN_KEY, t);
}

// The app's way to sign in again when a token dies mid-work.
export function onReauth(fn) {
	reauth = fn;
}

async function waitForSignIn() {
	if (pending === null)
		pending = reauth().finally(() => { pending = null; });
	return pending;
}

function headers(extra) {
	const h = { Accept: "application/json", ...extra };
	if (token !== null)
		h.Authorization = "Bearer " + token;
	return h;
}

async function parse(res) {
	if (res.status === 204)
		return null;
	const type = res.headers.get("Content-Type") || "";
	const body = type.startsWith("application/json") ? await res.json() : null;
	if (!res.ok)
		throw new ApiError(res.status, body, res.headers);
	return body;
}

// One JSON request; path is under /api/v1. Returns the parsed body.
export async function api(method, path, body, { retry = true } = {}) {
	const init = { method, headers: headers(), cache: "no-store" };
	if (body !== undefined) {
		init.headers["Content-Type"] = "application/json";
		init.body = JSON.stringify(body);
	}
	const res = await fetch("/api/v1" + path, init);
	if (res.status === 401 && retry && token !== null && reauth !== null) {
		await waitForSignIn();
		return api(method, path, body, { retry: false });
	}
	return parse(res);
}

// The methods a path takes (from Allow), to offer only what exists.
export async function allowed(path) {
	const res = await fetch("/api/v1" + path, { method: "OPTIONS",
	    headers: headers() });
	return (res.headers.get("Allow") || "").split(/,\s*/);
}

export async function login(email, password) {
	const r = await api("POST", "/auth/token", { email, password },
	    { retry: false });
	setToken(r.access_token);
	return r;
}

export async function logout() {
	try {
		await api("POST", "/auth/logout", undefined, { retry: false });
	} finally {
		setToken(null);
	}
}

// multipart upload with progress (fetch cannot report upload progress).
export function upload(path, file, onProgress) {
	const send = () => new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();
		x.open("POST", "/api/v1" + path);
		x.setRequestHeader("Accept", "application/json");
		if (token !== null)
			x.setRequestHeader("Authorization", "Bearer " + token);
		x.upload.onprogress = (e) => {
			if (e.lengthComputable)
				onProgress(e.loaded, e.total);
		};
		x.onerror = () => reject(new Error("the upload failed: network error"));
		x.onload = () => {
			let body = null;
			try {
				body = JSON.parse(x.responseText);
			} catch (e) { /* not JSON: the status says enough */ }
			const h = { get: (n) => x.getResponseHeader(n) };
			if (x.status >= 200 && x.status < 300)
				resolve(body);
			else
				reject(new ApiError(x.status, body, h));
		};
		const form = new FormData();
		form.append("file", file);
		x.send(form);
	});
	return send().catch(async (e) => {
		if (e instanceof ApiError && e.status === 401 && reauth !== null) {
			await waitForSignIn();
			return send();
		}
		throw e;
	});
}

// "?a=1&b=2" from an object, leaving out empty values.
export function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null && v !== "")
			q.set(k, String(v));
	const s = q.toString();
	return s ? "?" + s : "";
}
