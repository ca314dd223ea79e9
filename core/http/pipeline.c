/*
 * pipeline: the one fixed order every request passes (docs/api.md),
 * owned here so no route can skip a step: request id and headers → route
 * (404, 405) → credentials (401) → content type, size, JSON (415, 413,
 * 400) → handler → access log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db.h"
#include "http_int.h"
#include "metrics/metrics.h"

static const struct {
	const char	*name;
	int		 bit;
} methods[] = {
	{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST },
	{ "PUT", HTTP_PUT }, { "PATCH", HTTP_PATCH },
	{ "DELETE", HTTP_DELETE }, { "OPTIONS", HTTP_OPTIONS },
};

static int
method_bit(const char *m)
{
	size_t	 i;

	if (m == NULL)
		return 0;
	for (i = 0; i < nitems(methods); i++)
		if (strcmp(m, methods[i].name) == 0)
			return methods[i].bit;
	return 0;		/* unknown methods match no route */
}

static void
req_init(struct http_req *req, struct mg_connection *conn,
    const struct config *cf)
{
	const char	*id, *origin;

	memset(req, 0, sizeof(*req));
	req->rq_stream_fd = -1;
	req->rq_start_us = time_mono_us();
	req->rq_conn = conn;
	req->rq_info = mg_get_request_info(conn);
	req->rq_cf = cf;
	id = mg_get_header(conn, "X-Request-ID");
	if (id != NULL && http_request_id_valid(id))
		/* valid means at most 128 chars */
		snprintf(req->rq_id, sizeof(req->rq_id), "%s", id);
	else
		rand_id_hex(req->rq_id, 16);
	req->rq_method = method_bit(req->rq_info->request_method);
	origin = mg_get_header(conn, "Origin");
	if (http_cors_allowed(cf, origin))
		req->rq_origin = origin;
}

static void
req_free(struct http_req *req)
{
	size_t	 i;

	for (i = 0; i < req->rq_nparams; i++)
		free(req->rq_params[i].pa_value);
	reply_stream_close(req);
	cJSON_Delete(req->rq_body);
	cJSON_Delete(req->rq_attrs);
	cJSON_Delete(req->rq_wouldbe);
	cJSON_Delete(req->rq_changed);
	buf_free(&req->rq_headers);
	buf_free(&req->rq_deferred);
	free(req->rq_path);
}

static void
access_log(const struct http_req *req)
{
	const struct mg_request_info	*ri = req->rq_info;
	struct buf			 b = { 0 };
	char				 ts[25];
	const char			*m = ri->request_method ?
					    ri->request_method : "";
	const char			*path = req->rq_path ? req->rq_path :
					    "";
	const char			*ip = http_client_ip(req);
	int64_t				 us = time_mono_us() - req->rq_start_us;

	buf_reserve(&b, 384);
	time_now_rfc3339_ms(ts);
	buf_puts(&b, "{\"ts\":\"");
	buf_puts(&b, ts);
	buf_puts(&b, "\",\"type\":\"access\",\"request_id\":\"");
	buf_puts(&b, req->rq_id);
	buf_puts(&b, "\",\"method\":");
	buf_json_str(&b, m, strnlen(m, 16));
	/* the query is left out: signed links carry their signature there */
	buf_puts(&b, ",\"path\":");
	buf_json_str(&b, path, strnlen(path, 512));
	buf_puts(&b, ",\"status\":");
	buf_int(&b, req->rq_status);
	buf_puts(&b, ",\"duration_ms\":");
	buf_int(&b, us / 1000);
	buf_append(&b, ".", 1);
	buf_int(&b, 1000 + us % 1000);		/* three digits after a '1' */
	memmove(b.b_data + b.b_len - 4, b.b_data + b.b_len - 3, 3);
	b.b_len--;
	buf_puts(&b, ",\"bytes\":");
	buf_int(&b, req->rq_bytes_out);
	buf_puts(&b, ",\"ip\":");
	buf_json_str(&b, ip, strlen(ip));
	buf_puts(&b, "}\n");
	log_line_out(b.b_data, b.b_len);
	buf_free(&b);
}

static bool
has_body(const struct http_req *req)
{
	const char	*te;

	if (req->rq_info->content_length > 0)
		return true;
	te = mg_get_header(req->rq_conn, "Transfer-Encoding");
	return te != NULL && *te != '\0';
}

/* OPTIONS: a CORS preflight, or a plain question about the methods. */
static int
options(struct http_req *req, int allowed)
{
	char	 allow[128];

	if (allowed == 0)
		return http_reply_error(req, 404, "not_found", "no such route");
	router_allow_text(allowed | HTTP_OPTIONS, allow, sizeof(allow));
	http_add_header(req, "Allow", allow);
	if (mg_get_header(req->rq_conn, "Origin") != NULL &&
	    mg_get_header(req->rq_conn, "Access-Control-Request-Method")) {
		if (req->rq_origin == NULL)
			return http_reply_error(req, 403, "forbidden",
			    "origin not allowed");
		headers_preflight(&req->rq_headers, allowed);
	}
	return http_reply_empty(req, 204);
}

static int
method_not_allowed(struct http_req *req, int allowed)
{
	char	 allow[128];

	router_allow_text(allowed | HTTP_OPTIONS, allow, sizeof(allow));
	http_add_header(req, "Allow", allow);
	return http_reply_error(req, 405, "method_not_allowed",
	    "method not allowed on this resource");
}

static int
unauthenticated(struct http_req *req, const char *message)
{
	metrics_inc(METRIC_AUTH_FAILURES);
	http_add_header(req, "WWW-Authenticate", "Bearer");
	http_reply_error(req, 401, "unauthenticated", message);
	return -1;
}

static int
header_count(const struct http_req *req, const char *name)
{
	int	 i, n = 0;

	for (i = 0; i < req->rq_info->num_headers; i++)
		if (strcasecmp(req->rq_info->http_headers[i].name, name) == 0)
			n++;
	return n;
}

static bool
has_credentials(const struct http_req *req)
{
	return mg_get_header(req->rq_conn, "Authorization") != NULL ||
	    mg_get_header(req->rq_conn, "X-API-Key") != NULL;
}

/* The credentials step: exactly one scheme, checked completely. */
static int
authenticate(struct http_req *req)
{
	const char	*authz, *key, *token;
	char		 why[128] = "";
	int		 rc;

	/* two of either is ambiguous: which one would a proxy have checked? */
	if (header_count(req, "Authorization") > 1 ||
	    header_count(req, "X-API-Key") > 1)
		return unauthenticated(req, "repeated credentials header");
	authz = mg_get_header(req->rq_conn, "Authorization");
	key = mg_get_header(req->rq_conn, "X-API-Key");
	if (authz != NULL && key != NULL)
		return unauthenticated(req, "send a bearer token or an API "
		    "key, not both");
	if (key != NULL) {
		rc = auth_apikey_verify(key, time_now(), &req->rq_subject, why,
		    sizeof(why));
		if (rc == -2) {
			http_reply_error(req, 500, "internal",
			    "internal error");
			return -1;
		}
		if (rc == -1) {
			log_msg(LOG_INFO, req->rq_id, "API key refused: %s",
			    why);
			return unauthenticated(req,
			    "invalid or expired credentials");
		}
		req->rq_authed = true;
		/* a key acts only under its own organization */
		if (http_param(req, "org") == NULL) {
			http_reply_error(req, 403, "forbidden",
			    "API keys act only under their organization");
			return -1;
		}
		return 0;
	}
	if (authz == NULL)
		return unauthenticated(req, "credentials required");
	if (strncasecmp(authz, "Bearer ", 7) != 0)
		return unauthenticated(req, "expected a bearer token");
	token = authz + 7;
	while (*token == ' ')
		token++;
	rc = auth_bearer(req->rq_cf, token, time_now(), &req->rq_subject,
	    why, sizeof(why));
	if (rc == -2) {
		http_reply_error(req, 500, "internal", "internal error");
		return -1;
	}
	if (rc == -1) {
		log_msg(LOG_INFO, req->rq_id, "bearer token refused: %s", why);
		return unauthenticated(req, "invalid or expired credentials");
	}
	req->rq_authed = true;
	return 0;
}

static http_denial_fn	on_denial;

void
http_on_denial(http_denial_fn fn)
{
	on_denial = fn;
}

/* member:* and policy:*: what recovers an organization from a lock-out. */
static bool
is_recovery(const char *action)
{
	return strncmp(action, "member:", 7) == 0 ||
	    strncmp(action, "policy:", 7) == 0;
}

static char *
fetch_source(int64_t org, int64_t version, void *arg)
{
	return auth_org_policy_source(org, version);
}

struct policy *
http_policy_of(int64_t org)
{
	int64_t	 version = auth_org_policy_version(org);

	return version == -1 ? NULL : policy_get(org, version, fetch_source,
	    NULL);
}

static int
internal(struct http_req *req)
{
	if (db_tx_writing())
		db_tx_rollback();
	http_reply_error(req, 500, "internal", "internal error");
	return -1;
}

static int
deny(struct http_req *req, const char *action, const char *reason)
{
	/* nothing of a refused request is written, its denial is */
	if (db_tx_writing())
		db_tx_rollback();
	if (on_denial != NULL)
		on_denial(req, action, req->rq_org, reason);
	http_reply_error(req, 403, "forbidden", reason);
	return -1;
}

/*
 * Membership: the caller's role in {org}, and the policy in force there.
 * A non-member gets 403 whether the organization exists or not; a system
 * admin who is not a member goes on without a role (recovery).
 */
static int
membership(struct http_req *req)
{
	struct auth_subject	*sub = &req->rq_subject;
	const char		*o = http_param(req, "org");
	char			*end;
	int64_t			 version;
	int			 r;

	if (o == NULL)
		return 0;
	req->rq_org = (o[0] >= '1' && o[0] <= '9' && strlen(o) <= 18) ?
	    strtoll(o, &end, 10) : 0;
	if (req->rq_org <= 0 || *end != '\0') {
		req->rq_org = 0;
		http_reply_error(req, 404, "not_found", "no such organization");
		return -1;
	}
	if (sub->su_kind == AUTH_KIND_API_KEY) {
		if (sub->su_key_org != req->rq_org)
			return deny(req, req->rq_route->rt_permission ?
			    req->rq_route->rt_permission : "org:access",
			    "API keys act only under their organization");
		snprintf(req->rq_role, sizeof(req->rq_role), "%s",
		    sub->su_key_role);
		if ((version = auth_org_policy_version(req->rq_org)) == -1)
			return internal(req);
	} else if ((r = auth_member_context(req->rq_org, sub->su_user_id,
	    req->rq_role, sizeof(req->rq_role), &version)) == -1)
		return internal(req);
	else if (r == 0 && !sub->su_is_admin)
		return deny(req, req->rq_route->rt_permission ?
		    req->rq_route->rt_permission : "org:access",
		    "not a member of this organization");
	req->rq_policy = policy_get(req->rq_org, version, fetch_source, NULL);
	req->rq_policy_version = version;
	/*
	 * A stored version that no longer compiles (the base changed) must
	 * not lock the organization out: policy:* and member:* are the
	 * base's anyway, so those routes go on with the base alone, and can
	 * replace the broken version. Everything else fails closed.
	 */
	if (req->rq_policy == NULL && req->rq_route->rt_permission != NULL &&
	    is_recovery(req->rq_route->rt_permission)) {
		req->rq_policy_version = 0;
		req->rq_policy = policy_get(req->rq_org, 0, fetch_source, NULL);
	}
	if (req->rq_policy == NULL)
		return internal(req);
	req->rq_policy_borrow = worker_borrow_count();
	return 0;
}

/* The caller as the policy sees it. */
static void
subject_of(const struct http_req *req, struct policy_subject *ps)
{
	ps->ps_id = req->rq_subject.su_user_id;
	ps->ps_kind = req->rq_subject.su_kind == AUTH_KIND_API_KEY ?
	    "api_key" : "user";
	ps->ps_role = req->rq_role;
	ps->ps_is_admin = req->rq_subject.su_is_admin;
}

/*
 * The request's policy. A compiled policy belongs to a worker's cache:
 * after the request gave its worker back (to wait for its body) and
 * borrowed another, it is looked up again in the new one.
 */
static struct policy *
req_policy(struct http_req *req)
{
	if (req->rq_policy == NULL)
		return NULL;
	if (!worker_held() || req->rq_policy_borrow != worker_borrow_count()) {
		req->rq_policy = policy_get(req->rq_org,
		    req->rq_policy_version, fetch_source, NULL);
		req->rq_policy_borrow = worker_borrow_count();
	}
	return req->rq_policy;
}

/*
 * May the caller do action on a record with attrs here? 0 yes, -1 no
 * with the reason in d. A system admin holds member:* and policy:*
 * whatever its role here, so no organization admin can block the
 * recovery; one who is not a member holds nothing else. A failing
 * policy denies.
 */
static int
check(struct http_req *req, const char *action, const cJSON *attrs,
    const cJSON *before, const cJSON *changed, struct policy_decision *d)
{
	const struct auth_subject *sub = &req->rq_subject;
	struct policy_subject	 ps;
	struct policy_resource	 res = { .pr_attrs = attrs,
				    .pr_before = before, .pr_changed = changed };
	const char		*id, *colon = strchr(action, ':');
	char			 type[64];

	memset(d, 0, sizeof(*d));
	if (sub->su_kind == AUTH_KIND_USER && sub->su_is_admin &&
	    is_recovery(action)) {
		snprintf(d->pd_matched, sizeof(d->pd_matched),
		    "system admin");
		return 0;
	}
	if (req->rq_role[0] == '\0') {
		snprintf(d->pd_reason, sizeof(d->pd_reason), "system admins "
		    "who are not members may only manage members and "
		    "policies");
		return -1;
	}
	snprintf(type, sizeof(type), "%.*s", colon ?
	    (int)(colon - action) : 0, action);
	subject_of(req, &ps);
	id = http_param(req, "id");
	res.pr_type = type;
	res.pr_org_id = req->rq_org;
	res.pr_id = id != NULL ? strtoll(id, NULL, 10) : 0;
	policy_decide(req_policy(req), &ps, action, &res, time_now(),
	    http_client_ip(req), d);
	metrics_inc(METRIC_POLICY_EVALS);
	if (d->pd_error) {
		metrics_inc(METRIC_POLICY_ERRORS);
		log_msg(LOG_WARN, req->rq_id, "policy of organization %lld "
		    "failed, denying: %s", (long long)req->rq_org,
		    d->pd_reason);
		if (strstr(d->pd_reason, "budget") != NULL) {
			metrics_inc(METRIC_POLICY_BUDGET);
			metrics_inc(METRIC_ALERT_POLICY_BUDGET);
			log_msg(LOG_WARN, req->rq_id, "alert: policy budget "
			    "overrun in organization %lld",
			    (long long)req->rq_org);
		}
		snprintf(d->pd_reason, sizeof(d->pd_reason),
		    "denied: the policy failed");
		return -1;
	}
	return d->pd_allow ? 0 : -1;
}

int
http_may(struct http_req *req, const char *action, const cJSON *attrs)
{
	struct policy_decision	 d;

	if (req->rq_org == 0 || req_policy(req) == NULL)
		return 0;
	return check(req, action, attrs, NULL, NULL, &d) == 0;
}

int
http_allowed(struct http_req *req, const char *action, const cJSON *attrs)
{
	struct policy_decision	 d;

	if (req->rq_org == 0 || req_policy(req) == NULL)
		return 0;
	if (check(req, action, attrs, NULL, NULL, &d) == -1) {
		if (on_denial != NULL)
			on_denial(req, action, req->rq_org, d.pd_reason);
		return 0;
	}
	return 1;
}

int
http_load_record(struct http_req *req, const char *type, int64_t id,
    cJSON **attrs)
{
	const struct http_route	*rt = router_record_route(type), *route;
	struct http_param	 params[HTTP_MAX_PARAMS];
	size_t			 nparams;
	char			 org[24], rid[24];
	int			 rc;

	*attrs = NULL;
	if (rt == NULL)
		return -2;
	/* the loader reads the route and {org}, {id}: lend it those */
	route = req->rq_route;
	nparams = req->rq_nparams;
	memcpy(params, req->rq_params, sizeof(params));
	snprintf(org, sizeof(org), "%lld", (long long)req->rq_org);
	snprintf(rid, sizeof(rid), "%lld", (long long)id);
	req->rq_route = rt;
	req->rq_params[0].pa_name = "org";
	req->rq_params[0].pa_value = org;
	req->rq_params[1].pa_name = "id";
	req->rq_params[1].pa_value = rid;
	req->rq_nparams = 2;
	rc = rt->rt_load(req, attrs);
	req->rq_route = route;
	req->rq_nparams = nparams;
	memcpy(req->rq_params, params, sizeof(params));
	if (rc != 1) {
		cJSON_Delete(*attrs);
		*attrs = NULL;
	}
	return rc;
}

int
http_redacted(struct http_req *req, const char *type, const cJSON *record,
    cJSON *out)
{
	struct policy_subject	 ps;
	struct policy		*p = req_policy(req);

	if (p == NULL || !policy_has_redact(p, type))
		return 0;
	subject_of(req, &ps);
	if (policy_redacted(p, &ps, type, record, out) == -1) {
		log_msg(LOG_WARN, req->rq_id, "policy of organization %lld: "
		    "redact.%s failed, the answer is withheld",
		    (long long)req->rq_org, type);
		return -1;
	}
	return 0;
}

/* Leaves the fields the caller may not see out of one record. */
static int
redact_record(struct http_req *req, const char *type, cJSON *rec)
{
	cJSON		*names;
	const cJSON	*n;

	if (!cJSON_IsObject(rec))
		return 0;
	names = cJSON_CreateArray();
	if (http_redacted(req, type, rec, names) == -1) {
		cJSON_Delete(names);
		return -1;
	}
	cJSON_ArrayForEach(n, names)
		cJSON_DeleteItemFromObjectCaseSensitive(rec, n->valuestring);
	cJSON_Delete(names);
	return 0;
}

int
http_redact(struct http_req *req, const char *type, cJSON *body)
{
	cJSON		*items, *rec;
	struct policy	*p = req_policy(req);

	if (p == NULL || !policy_has_redact(p, type))
		return 0;
	/* a list's page, or one record */
	items = cJSON_GetObjectItemCaseSensitive(body, "items");
	if (cJSON_IsArray(items)) {
		cJSON_ArrayForEach(rec, items)
			if (redact_record(req, type, rec) == -1)
				return -1;
		return 0;
	}
	return redact_record(req, type, body);
}

/*
 * Returns: whether the query names a parameter not in known (NULL-
 * terminated); then out holds the first such name, decoded (truncated to
 * outlen).
 */
static bool
query_unknown(const struct http_req *req, const char *const *known,
    char *out, size_t outlen)
{
	const char	*qs = req->rq_info->query_string, *p, *end;
	size_t		 len, i;

	for (p = qs; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&");
		len = strcspn(p, "=&");
		if (len == 0)
			continue;
		if (mg_url_decode(p, (int)len, out, (int)outlen, 1) < 0)
			snprintf(out, outlen, "%.*s", (int)len, p);
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(known[i], out) == 0)
				break;
		if (known[i] == NULL)
			return true;
	}
	return false;
}

/*
 * A parameter the route did not declare is refused, not ignored: a typo
 * in a filter would otherwise read as "no filter". Returns: true when the
 * 422 was sent.
 */
static bool
query_refused(struct http_req *req, const char *const *known)
{
	char	 name[64];

	if (!query_unknown(req, known, name, sizeof(name)))
		return false;
	http_reply_field_error(req, 422, "validation_failed",
	    "the query parameters break the rules", name, "unknown",
	    "not a parameter of this route");
	return true;
}

/*
 * The body's schema, with the organization's policy (or the base's on a
 * route outside any organization). A write without a body is checked as
 * {} so a missing required field is a 422, never a handler's NULL.
 */
static int
validate(struct http_req *req)
{
	static const char *const always[] = { "id", "org_id", "created_at",
	    "updated_at", NULL };
	const struct http_route	*rt = req->rq_route;
	const char *const	*reserved = rt->rt_computed ? rt->rt_computed :
				    always;
	struct policy		*p = req_policy(req);
	struct erp_err		 err;
	cJSON			*fields;

	if (rt->rt_schema == NULL || (req->rq_method & (HTTP_POST | HTTP_PUT |
	    HTTP_PATCH)) == 0)
		return 0;
	if (p == NULL && (p = policy_get(0, 0, NULL, NULL)) == NULL)
		return internal(req);
	if (req->rq_body == NULL)
		req->rq_body = cJSON_CreateObject();
	fields = cJSON_CreateArray();
	if (policy_validate(p, rt->rt_schema, req->rq_body,
	    req->rq_method == HTTP_PATCH, reserved, fields, &err) == -1) {
		/* the rule that failed, for the organization's admins */
		log_msg(LOG_WARN, req->rq_id, "policy of organization %lld: "
		    "validating a %s failed, denying: %s",
		    (long long)req->rq_org, rt->rt_schema, err.e_msg);
		cJSON_Delete(fields);
		return deny(req, rt->rt_permission ? rt->rt_permission :
		    "validate", "denied: the policy's validation failed");
	}
	if (cJSON_GetArraySize(fields) > 0) {
		if (db_tx_writing())
			db_tx_rollback();
		http_reply_fields(req, 422, "validation_failed",
		    "the body breaks the validation rules", fields);
		return -1;
	}
	cJSON_Delete(fields);
	return 0;
}

/*
 * The record a write with a JSON body would leave (docs/policies.md): the
 * loaded record (on update) with the body's members applied, plus what
 * the route computes; and the names the body sets. Built once here, for
 * every route with a schema, so the policy, the handler and the host
 * judge one record. Returns 0, or -1 with the failure sent.
 */
static int
would_be(struct http_req *req)
{
	const struct http_route	*rt = req->rq_route;
	const cJSON		*m;

	if (rt->rt_schema == NULL || (req->rq_method & (HTTP_POST |
	    HTTP_PUT | HTTP_PATCH)) == 0 || (req->rq_body != NULL &&
	    !cJSON_IsObject(req->rq_body)))
		return 0;
	req->rq_wouldbe = req->rq_attrs != NULL ?
	    cJSON_Duplicate(req->rq_attrs, 1) : cJSON_CreateObject();
	req->rq_changed = cJSON_CreateArray();
	cJSON_ArrayForEach(m, req->rq_body) {
		cJSON_AddItemToArray(req->rq_changed,
		    cJSON_CreateString(m->string));
		cJSON_DeleteItemFromObjectCaseSensitive(req->rq_wouldbe,
		    m->string);
		cJSON_AddItemToObject(req->rq_wouldbe, m->string,
		    cJSON_Duplicate(m, 1));
	}
	if (rt->rt_compute != NULL && rt->rt_compute(req, req->rq_wouldbe,
	    req->rq_attrs) == -1) {
		if (db_tx_writing())
			db_tx_rollback();
		return -1;
	}
	return 0;
}

/*
 * The record, then the policy. A route whose handler writes takes the
 * write lock first (HTTP_ROUTE_WRITE_TX), so the record the policy
 * decided on is the one the handler changes. A write with a body is
 * judged on its would-be record, with the stored one in context.before.
 */
static int
authorize(struct http_req *req)
{
	const struct http_route	*rt = req->rq_route;
	struct policy_decision	 d;
	int			 r;

	if ((rt->rt_flags & HTTP_ROUTE_WRITE_TX) && db_tx_begin() == -1)
		return internal(req);
	if (rt->rt_load != NULL) {
		if ((r = rt->rt_load(req, &req->rq_attrs)) == -1)
			return internal(req);
		if (r == 0) {
			if (db_tx_writing())
				db_tx_rollback();
			http_reply_error(req, 404, "not_found",
			    "no such record in this organization");
			return -1;
		}
	}
	if (req->rq_org == 0) {
		/* outside any organization only system admins hold anything */
		if (!req->rq_subject.su_is_admin ||
		    req->rq_subject.su_kind != AUTH_KIND_USER)
			return deny(req, rt->rt_permission, "system admins only");
		return 0;
	}
	if (would_be(req) == -1)
		return -1;
	if (check(req, rt->rt_permission, req->rq_wouldbe != NULL ?
	    req->rq_wouldbe : req->rq_attrs, req->rq_wouldbe != NULL ?
	    req->rq_attrs : NULL, req->rq_changed, &d) == -1)
		return deny(req, rt->rt_permission, d.pd_reason);
	return 0;
}

static bool
is_api(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
}

/* Steps up to the handler; each answers itself when it stops the request. */
static void
run(struct http_req *req)
{
	const struct http_route	*route = NULL;
	enum router_result	 rr;
	int			 allowed;

	rr = router_match(req, req->rq_path, req->rq_method, &route, &allowed);
	if (rr != ROUTER_FOUND && !is_api(req->rq_path) &&
	    (req->rq_method & (HTTP_GET | HTTP_HEAD)) &&
	    static_serve(req, req->rq_path) != -1)
		return;
	if (req->rq_method == HTTP_OPTIONS) {
		options(req, rr == ROUTER_NO_PATH ? 0 : allowed);
		return;
	}
	if (rr == ROUTER_NO_PATH) {
		http_reply_error(req, 404, "not_found", "no such route");
		return;
	}
	if (rr == ROUTER_NO_METHOD) {
		method_not_allowed(req, allowed);
		return;
	}
	req->rq_route = route;
	/* one snapshot for every read of the request (one lock, not six) */
	if ((route->rt_flags & HTTP_ROUTE_PUBLIC) == 0)
		db_tx_begin_read();
	if ((route->rt_flags & HTTP_ROUTE_PUBLIC) == 0 &&
	    ((route->rt_flags & HTTP_ROUTE_AUTH_OPTIONAL) == 0 ||
	    has_credentials(req)) && authenticate(req) == -1)
		return;
	if (req->rq_authed && membership(req) == -1)
		return;
	if ((route->rt_flags & HTTP_ROUTE_RAW_BODY) == 0 && has_body(req)) {
		/* no worker waits for a client */
		db_release();
		if (body_read_json(req) == -1)
			return;
		if ((route->rt_flags & HTTP_ROUTE_PUBLIC) == 0)
			db_tx_begin_read();
	}
	if ((route->rt_flags & HTTP_ROUTE_RAW_BODY) == 0)
		req->rq_close = false;	/* the body was read whole */
	if (route->rt_permission != NULL && req->rq_authed &&
	    authorize(req) == -1)
		return;
	if (http_route_query(route) != NULL &&
	    query_refused(req, http_route_query(route)))
		return;
	if (validate(req) == -1)
		return;
	route->rt_handler(req);
	if ((route->rt_flags & HTTP_ROUTE_RAW_BODY) && req->rq_body_done)
		req->rq_close = false;
	if (req->rq_status == 0) {
		log_msg(LOG_ERROR, req->rq_id, "handler for %s replied nothing",
		    route->rt_path);
		http_reply_error(req, 500, "internal", "internal error");
	}
}

int
pipeline_run(struct mg_connection *conn, void *cbdata)
{
	struct http_req	 req;
	const char	*raw, *framing;
	bool		 body;

	if (!peer_admit(conn, cbdata))
		return 503;	/* for civetweb's count: nothing is sent */
	worker_request_begin();
	req_init(&req, conn, cbdata);
	raw = req.rq_info->local_uri_raw;
	req.rq_path = xstrdup(raw ? raw : "");
	body = has_body(&req);
	/* an early answer leaves the body unread: the connection closes */
	req.rq_close = body;
	if ((framing = http_framing_error(req.rq_info)) != NULL) {
		/* where the body ends is unknown: read none of it */
		body = false;
		req.rq_close = true;
		http_reply_error(&req, 400, "bad_request", framing);
	} else if (server_draining()) {
		req.rq_close = true;
		http_add_header(&req, "Retry-After", "1");
		http_reply_error(&req, 503, "unavailable", "shutting down");
	} else if (raw == NULL || *raw != '/')
		http_reply_error(&req, 404, "not_found", "no such route");
	else
		run(&req);
	if (deadline_stop(&req.rq_upload))
		req.rq_close = true;
	if (req.rq_defer)
		http_reply_flush(&req);	/* a held reply nobody released */
	if (db_tx_writing())
		/* a handler that forgot its transaction must not block others */
		log_msg(LOG_ERROR, req.rq_id, "transaction left open by %s",
		    req.rq_route ? req.rq_route->rt_path : "?");
	db_tx_end();
	worker_request_end();
	if (req.rq_close) {
		mg_disable_keep_alive(conn);
		if (body && req.rq_status != 413)
			body_drain(&req);
	}
	metrics_request(req.rq_route ? router_index(req.rq_route) :
	    req.rq_static ? ROUTER_STATIC : ROUTER_NONE, req.rq_status,
	    time_mono_us() - req.rq_start_us);
	access_log(&req);
	req_free(&req);
	return req.rq_status > 0 ? req.rq_status : 500;
}

static const char *
error_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 408: return "request_timeout";
	case 413: return "payload_too_large";
	case 414: return "uri_too_long";
	case 431: return "headers_too_large";
	case 505: return "http_version_not_supported";
	case 503: return "unavailable";
	default:  return status >= 500 ? "internal" : "bad_request";
	}
}

int
pipeline_civetweb_error(struct mg_connection *conn, int status,
    const char *msg)
{
	const struct mg_context	*ctx = mg_get_context(conn);
	struct http_req		 req;
	const char		*raw;

	req_init(&req, conn, mg_get_user_data(ctx));
	raw = req.rq_info->local_uri_raw;
	req.rq_path = xstrdup(raw ? raw : "");
	req.rq_close = true;
	/* civetweb's own text may name paths: keep it out of the reply */
	http_reply_error(&req, status, error_code(status),
	    reply_reason(status));
	mg_disable_keep_alive(conn);
	metrics_request(ROUTER_NONE, status, time_mono_us() - req.rq_start_us);
	access_log(&req);
	req_free(&req);
	return 0;
}

/* Accessors for handlers. */

int64_t
http_body_length(const struct http_req *req)
{
	const char	*te = mg_get_header(req->rq_conn, "Transfer-Encoding");

	if (te != NULL && *te != '\0')
		return -1;
	return req->rq_info->content_length > 0 ?
	    req->rq_info->content_length : 0;
}

int
http_read(struct http_req *req, void *buf, size_t len)
{
	int	 n;

	const char	*expect;

	if (req->rq_body_done)
		return 0;
	/* a client that asked waits for this before sending the body */
	if (!req->rq_continued) {
		req->rq_continued = true;
		expect = mg_get_header(req->rq_conn, "Expect");
		if (expect != NULL && strcasecmp(expect, "100-continue") == 0)
			mg_write(req->rq_conn, "HTTP/1.1 100 Continue\r\n\r\n",
			    25);
	}
	db_release();		/* no worker waits for a client */
	if (req->rq_upload.dl_start_us == 0)
		deadline_start(&req->rq_upload, peer_fd(req->rq_conn),
		    DEADLINE_RATE, time_mono_us());
	n = mg_read(req->rq_conn, buf, len);
	if (n > 0)
		deadline_progress(&req->rq_upload, (size_t)n);
	else if (deadline_fired(&req->rq_upload)) {
		/* the end of a cut body is no end: answer before the handler */
		req->rq_upload.dl_fired = deadline_stop(&req->rq_upload);
		body_timed_out(req);
		return -1;
	}
	if (n == 0) {
		req->rq_body_done = true;
		req->rq_close = false;	/* read whole: keep the connection */
	}
	return n < 0 ? -1 : n;
}

void
http_discard_body(struct http_req *req)
{
	req->rq_close = true;
	body_drain(req);
}

const char *
http_request_id(const struct http_req *req)
{
	return req->rq_id;
}

const char *
http_header(const struct http_req *req, const char *name)
{
	return mg_get_header(req->rq_conn, name);
}

const char *
http_param(const struct http_req *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->rq_nparams; i++)
		if (strcmp(req->rq_params[i].pa_name, name) == 0)
			return req->rq_params[i].pa_value;
	return NULL;
}

const cJSON *
http_body(const struct http_req *req)
{
	return req->rq_body;
}

void *
http_route_arg(const struct http_req *req)
{
	return req->rq_route ? req->rq_route->rt_arg : NULL;
}

const struct config *
http_config(const struct http_req *req)
{
	return req->rq_cf;
}

const struct auth_subject *
http_subject(const struct http_req *req)
{
	return req->rq_authed ? &req->rq_subject : NULL;
}

int64_t
http_org(const struct http_req *req)
{
	return req->rq_org;
}

const char *
http_role(const struct http_req *req)
{
	return req->rq_role[0] != '\0' ? req->rq_role : NULL;
}

struct policy *
http_policy(struct http_req *req)
{
	return req_policy(req);
}

int64_t
http_policy_version(const struct http_req *req)
{
	return req->rq_policy != NULL ? req->rq_policy_version : -1;
}

const cJSON *
http_attrs(const struct http_req *req)
{
	return req->rq_attrs;
}

cJSON *
http_attrs_take(struct http_req *req)
{
	cJSON	*rec = req->rq_attrs;

	req->rq_attrs = NULL;
	return rec;
}

cJSON *
http_wouldbe(const struct http_req *req)
{
	return req->rq_wouldbe;
}

const cJSON *
http_changed(const struct http_req *req)
{
	return req->rq_changed;
}

int
http_query(const struct http_req *req, const char *name, char *out,
    size_t outlen)
{
	const char	*qs = req->rq_info->query_string;

	int		 n;

	if (qs == NULL)
		return -1;
	n = mg_get_var(qs, strlen(qs), name, out, outlen);
	if (n == -2)
		return -2;		/* present, but longer than out */
	return n >= 0 ? (int)strlen(out) : -1;
}
