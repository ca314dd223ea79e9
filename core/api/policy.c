/*
 * policy endpoints: an organization's own policy, its versions, rollback
 * and dry-run (docs/policies.md). A version is stored only once it has
 * compiled and passed its tests; the next request on any thread reads
 * the newest version and compiles it into that thread's cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "metrics/metrics.h"

#define TYPE_MAX	63	/* bytes of a resource type */
#define COMMENT_MAX	500	/* characters of a version's comment */

static const struct http_field put_fields[] = {
	{ "source", HTTP_T_STRING, true, 0 },
	{ "comment", HTTP_T_STRING, false, COMMENT_MAX },
};

static const struct http_field delete_fields[] = {
	{ "comment", HTTP_T_STRING, false, COMMENT_MAX },
};

static const struct http_field rollback_fields[] = {
	{ "version", HTTP_T_INT, true, 0 },
};

/* 422 policy_invalid with the compiler's message ("policy:3: ..."). */
static int
invalid(struct http_req *req, const struct erp_err *err)
{
	return http_reply_error(req, 422, "policy_invalid", err->e_msg);
}

/*
 * Compiles an uploaded source in the organization's turn (policy/queue.c),
 * without a worker: a compile needs no database. 0 with *out, or -1 once
 * answered: 422 when it does not compile, 503 when no turn came in time.
 */
static int
compile_in_turn(struct http_req *req, const char *src, size_t len,
    enum policy_mode mode, struct policy **out)
{
	struct erp_err	 err;
	int64_t		 org = http_org(req);
	char		 wait[16];

	db_release();
	if (policy_compile_turn(org) == -1) {
		metrics_inc(METRIC_COMPILES_REFUSED);
		snprintf(wait, sizeof(wait), "%d", POLICY_COMPILE_WAIT_S);
		http_add_header(req, "Retry-After", wait);
		http_reply_error(req, 503, "unavailable",
		    "too many policy compiles at once; try again shortly");
		return -1;
	}
	*out = policy_compile(src, len, mode, &err);
	policy_compile_done(org);
	if (*out == NULL) {
		invalid(req, &err);
		return -1;
	}
	return 0;
}

static int
source_too_large(struct http_req *req)
{
	char	 msg[64];

	snprintf(msg, sizeof(msg), "must be at most %d bytes",
	    POLICY_SOURCE_MAX);
	return api_field_error(req, "source", "max_len", msg);
}

/* {"version","source","updated_at","updated_by"}; NULLs for version 0. */
static cJSON *
policy_json(int64_t version, const char *source, const char *updated_at,
    int64_t updated_by)
{
	cJSON	*o = cJSON_CreateObject();

	api_json_int(o, "version", version);
	cJSON_AddStringToObject(o, "source", source ? source : "");
	if (updated_at != NULL)
		cJSON_AddStringToObject(o, "updated_at", updated_at);
	else
		cJSON_AddNullToObject(o, "updated_at");
	if (updated_by > 0)
		api_json_int(o, "updated_by", updated_by);
	else
		cJSON_AddNullToObject(o, "updated_by");
	return o;
}

/* The user a change is recorded for: the caller, or an API key's creator. */
static int
actor_user(struct http_req *req, int64_t *user)
{
	static const char		 sql[] = "SELECT created_by FROM "
					    "api_keys WHERE id = ?";
	const struct auth_subject	*sub = http_subject(req);
	struct db_stmt			*st;
	int				 rc;

	if (sub->su_kind != AUTH_KIND_API_KEY) {
		*user = sub->su_user_id;
		return 0;
	}
	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, sub->su_user_id);
	if ((rc = db_step(st)) == DB_ROW)
		*user = db_col_int(st, 0);
	db_reset(st);
	return rc == DB_ROW ? 0 : -1;
}

/*
 * Stored version n of org's policy (the latest when n is 0) as the API
 * shows it, with its comment when asked. Returns: 1 with *out (the
 * caller's), 0 when there is none, -1 on error.
 */
static int
version_load(int64_t org, int64_t n, bool comment, cJSON **out)
{
	static const char	 latest[] = "SELECT version, source, "
				    "updated_at, updated_by, comment FROM "
				    "org_policies WHERE org_id = ? ORDER BY "
				    "version DESC LIMIT 1";
	static const char	 one[] = "SELECT version, source, updated_at, "
				    "updated_by, comment FROM org_policies "
				    "WHERE org_id = ? AND version = ?";
	struct db_stmt		*st;
	int			 rc;

	if ((st = db_prepare(n == 0 ? latest : one)) == NULL)
		return -1;
	db_bind_int(st, 1, org);
	if (n != 0)
		db_bind_int(st, 2, n);
	if ((rc = db_step(st)) == DB_ROW) {
		*out = policy_json(db_col_int(st, 0), db_col_text(st, 1),
		    db_col_text(st, 2), db_col_int(st, 3));
		if (comment)
			api_json_text(*out, "comment", st, 4);
	}
	db_reset(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int
get(struct http_req *req)
{
	cJSON	*o;
	int	 rc;

	if (api_org_check(req) == -1)
		return -1;
	if ((rc = version_load(http_org(req), 0, false, &o)) == -1)
		return api_internal(req);
	if (rc == 0)
		o = policy_json(0, "", NULL, 0);
	return http_reply_json(req, 200, o);
}

/* The body's comment, or NULL. */
static const char *
comment_of(struct http_req *req)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    http_body(req), "comment"));
}

/* store without freeing p. */
static int
store_version(struct http_req *req, const char *source, struct policy *p,
    int64_t rolled_back_to)
{
	static const char	 sql[] = "INSERT INTO org_policies (org_id, "
				    "version, source, updated_at, updated_by, "
				    "comment) VALUES (?, ?, ?, ?, ?, ?)";
	const char		*comment = comment_of(req);
	struct audit_event	 ev;
	struct db_stmt		*st;
	cJSON			*details;
	char			 now[21], rid[24];
	int64_t			 org = http_org(req), cur, by;
	int			 rc;

	if (db_tx_begin() == -1)
		return api_internal(req);
	/* under the write lock: no other writer can take this number */
	if ((cur = auth_org_policy_version(org)) == -1 ||
	    actor_user(req, &by) == -1 || (st = db_prepare(sql)) == NULL) {
		db_tx_rollback();
		return api_internal(req);
	}
	time_rfc3339(time_now(), now);
	db_bind_int(st, 1, org);
	db_bind_int(st, 2, cur + 1);
	db_bind_text_ref(st, 3, source);
	db_bind_text_ref(st, 4, now);
	db_bind_int(st, 5, by);
	if (comment != NULL)
		db_bind_text_ref(st, 6, comment);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE || api_keys_follow(req, org, 0, p) == -1) {
		db_tx_rollback();
		return api_internal(req);
	}
	/* the version numbers, never the source */
	snprintf(rid, sizeof(rid), "%lld", (long long)org);
	details = cJSON_CreateObject();
	audit_change(details, "version", cur > 0 ? cJSON_CreateNumber(
	    (double)cur) : cJSON_CreateNull(), cJSON_CreateNumber(
	    (double)(cur + 1)));
	if (rolled_back_to > 0)
		api_json_int(details, "rolled_back_to", rolled_back_to);
	else if (rolled_back_to == -1)
		cJSON_AddTrueToObject(details, "reverted_to_base");
	api_event_init(&ev, req, "policy.update", "success");
	ev.ae_org_id = org;
	ev.ae_resource_type = "policy";
	ev.ae_resource_id = rid;
	ev.ae_details = details;
	rc = api_append(&ev) == 0 && audit_tx_commit() == 0 ? 0 : -1;
	cJSON_Delete(details);
	if (rc == -1)
		return api_audit_failed(req);
	return http_reply_json(req, 200, policy_json(cur + 1, source, now,
	    by));
}

/*
 * Stores source (already compiled and tested into p) as the
 * organization's next version with the body's comment, and its audit
 * record, in one transaction that also revokes the API keys its roles
 * leave uncovered; rolled_back_to is the version it copies (0: none; -1:
 * the base alone, by DELETE). Frees p. Answers the new version.
 */
static int
store(struct http_req *req, const char *source, struct policy *p,
    int64_t rolled_back_to)
{
	int	 rc = store_version(req, source, p, rolled_back_to);

	policy_free(p);
	return rc;
}

/*
 * Whether p keeps every role that a member or a live API key of the
 * organization holds: 0 yes, 1 no (err names the role and how many hold
 * it), -1 on a database error.
 */
static int
roles_dropped(int64_t org, struct policy *p, struct erp_err *err)
{
	static const char	 sql[] = "SELECT role, count(*) FROM ("
				    "SELECT role FROM members WHERE org_id = ?1 "
				    "UNION ALL SELECT role FROM api_keys WHERE "
				    "org_id = ?1 AND revoked_at IS NULL AND "
				    "(expires_at IS NULL OR expires_at > ?2)) "
				    "GROUP BY role ORDER BY role";
	struct db_stmt		*st;
	const char		*role;
	int			 rc, dropped = 0;

	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, org);
	db_bind_int(st, 2, time_now());
	while (!dropped && (rc = db_step(st)) == DB_ROW) {
		role = db_col_text(st, 0);
		if (policy_role_patterns(p, role, false) != NULL)
			continue;
		err_set(err, "policy: role %.60s is dropped but %lld members "
		    "or API keys of this organization hold it: give them "
		    "another role first", role,
		    (long long)db_col_int(st, 1));
		dropped = 1;
	}
	db_reset(st);
	return dropped ? 1 : rc == DB_DONE ? 0 : -1;
}

/*
 * Compiles source as the organization's next version: its upload checks
 * and tests, and no role anyone holds dropped. Returns the policy (the
 * caller's), or NULL when answered (422 policy_invalid, 500).
 */
static struct policy *
admissible(struct http_req *req, const char *source, size_t len)
{
	struct erp_err	 err;
	struct policy	*p;
	int		 rc;

	if (compile_in_turn(req, source, len, POLICY_UPLOAD, &p) == -1)
		return NULL;
	if ((rc = roles_dropped(http_org(req), p, &err)) == 0)
		return p;
	policy_free(p);
	if (rc == 1)
		invalid(req, &err);
	else
		api_internal(req);
	return NULL;
}

static int
put(struct http_req *req)
{
	struct policy	*p;
	const char	*source;
	size_t		 len;

	if (api_org_check(req) == -1 ||
	    api_check_body(req, put_fields, nitems(put_fields), false) == -1)
		return -1;
	source = cJSON_GetObjectItemCaseSensitive(http_body(req),
	    "source")->valuestring;
	if ((len = strlen(source)) > POLICY_SOURCE_MAX)
		return source_too_large(req);
	/* compiled, checked, tested and tried: only then is it stored */
	if ((p = admissible(req, source, len)) == NULL)
		return -1;
	return store(req, source, p, 0);
}

static int
versions(struct http_req *req)
{
	static const char	 count_sql[] = "SELECT count(*) FROM "
				    "org_policies WHERE org_id = ?";
	static const char	 page_sql[] = "SELECT version, updated_at, "
				    "updated_by, comment FROM org_policies "
				    "WHERE org_id = ? ORDER BY version DESC "
				    "LIMIT ? OFFSET ?";
	struct db_stmt		*st;
	cJSON			*items, *o;
	int64_t			 limit, offset, total = 0;
	int			 rc;

	if (api_org_check(req) == -1 || api_page(req, &limit, &offset) == -1)
		return -1;
	/* one snapshot: the total and the page agree */
	if (db_tx_begin_read() == -1)
		return api_internal(req);
	if ((st = db_prepare(count_sql)) == NULL)
		goto fail;
	db_bind_int(st, 1, http_org(req));
	if (db_step(st) == DB_ROW)
		total = db_col_int(st, 0);
	db_reset(st);
	if ((st = db_prepare(page_sql)) == NULL)
		goto fail;
	db_bind_int(st, 1, http_org(req));
	db_bind_int(st, 2, limit);
	db_bind_int(st, 3, offset);
	items = cJSON_CreateArray();
	while ((rc = db_step(st)) == DB_ROW) {
		o = cJSON_CreateObject();
		api_json_int(o, "version", db_col_int(st, 0));
		cJSON_AddStringToObject(o, "updated_at",
		    db_col_text(st, 1));
		api_json_int(o, "updated_by", db_col_int(st, 2));
		api_json_text(o, "comment", st, 3);
		cJSON_AddItemToArray(items, o);
	}
	db_reset(st);
	db_tx_commit();
	if (rc != DB_DONE) {
		cJSON_Delete(items);
		return api_internal(req);
	}
	return http_reply_json(req, 200, api_page_new(items, total, limit,
	    offset));
fail:
	db_tx_rollback();
	return api_internal(req);
}

/* The source of a stored version: 1 (*src xmalloc'd), 0 none, -1 error. */
static int
version_source(int64_t org, int64_t version, char **src)
{
	static const char	 sql[] = "SELECT source FROM org_policies "
				    "WHERE org_id = ? AND version = ?";
	struct db_stmt		*st;
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, org);
	db_bind_int(st, 2, version);
	if ((rc = db_step(st)) == DB_ROW)
		*src = xstrndup(db_col_text(st, 0), db_col_len(st, 0));
	db_reset(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : -1;
}

static int
rollback(struct http_req *req)
{
	struct policy	*p;
	int64_t		 version;
	char		*src = NULL;
	int		 rc;

	if (api_org_check(req) == -1 || api_check_body(req, rollback_fields,
	    nitems(rollback_fields), false) == -1)
		return -1;
	version = (int64_t)cJSON_GetObjectItemCaseSensitive(http_body(req),
	    "version")->valuedouble;
	if (version <= 0)
		return http_reply_error(req, 404, "not_found",
		    "no such policy version");
	if ((rc = version_source(http_org(req), version, &src)) == -1)
		return api_internal(req);
	if (rc == 0)
		return http_reply_error(req, 404, "not_found",
		    "no such policy version");
	/* the base, the budgets or the members may have changed since */
	if ((p = admissible(req, src, strlen(src))) == NULL) {
		free(src);
		return -1;
	}
	rc = store(req, src, p, version);
	free(src);
	return rc;
}

/* GET …/policy/versions/{n}: one stored version, whole. */
static int
version_get(struct http_req *req)
{
	cJSON	*o;
	int64_t	 n;
	int	 rc = 0;

	if (api_org_check(req) == -1)
		return -1;
	if ((n = api_param_id(req, "n")) != -1 &&
	    (rc = version_load(http_org(req), n, true, &o)) == -1)
		return api_internal(req);
	if (rc == 0)
		return http_reply_error(req, 404, "not_found",
		    "no such policy version");
	return http_reply_json(req, 200, o);
}

/*
 * DELETE …/policy: the base alone again, as a new version with an empty
 * source (the old versions stay, for a rollback).
 */
static int
revert(struct http_req *req)
{
	struct policy	*p;

	if (api_org_check(req) == -1)
		return -1;
	if (http_body(req) != NULL && api_check_body(req, delete_fields,
	    nitems(delete_fields), false) == -1)
		return -1;
	if ((p = admissible(req, "", 0)) == NULL)
		return -1;
	return store(req, "", p, -1);
}

/* Dry-run ---------------------------------------------------------------- */

static bool
is_name(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_'))
			return false;
	return i > 0 && i <= TYPE_MAX;
}

static bool
is_int(const cJSON *v)
{
	/* in range before the cast: 1e300 is no integer */
	return cJSON_IsNumber(v) && v->valuedouble >= -9007199254740991.0 &&
	    v->valuedouble <= 9007199254740991.0 &&
	    v->valuedouble == (double)(int64_t)v->valuedouble;
}

/* Checks {"user_id"|"role"}; appends what is broken to fields. */
static void
check_subject(const cJSON *sub, cJSON *fields)
{
	const cJSON	*v, *uid, *role;
	char		 name[96];

	if (sub == NULL) {
		api_add_field(fields, "subject", "required", "is required");
		return;
	}
	if (!cJSON_IsObject(sub)) {
		api_add_field(fields, "subject", "type", "must be an object");
		return;
	}
	cJSON_ArrayForEach(v, sub)
		if (strcmp(v->string, "user_id") != 0 &&
		    strcmp(v->string, "role") != 0) {
			snprintf(name, sizeof(name), "subject.%.80s",
			    v->string);
			api_add_field(fields, name, "unknown",
			    "is not a known field");
		}
	uid = cJSON_GetObjectItemCaseSensitive(sub, "user_id");
	role = cJSON_GetObjectItemCaseSensitive(sub, "role");
	if (uid != NULL && role != NULL)
		api_add_field(fields, "subject", "check",
		    "give either user_id or role, not both");
	else if (uid == NULL && role == NULL)
		api_add_field(fields, "subject", "required",
		    "needs user_id or role");
	else if (uid != NULL && !is_int(uid))
		api_add_field(fields, "subject.user_id", "type",
		    "must be an integer");
	else if (uid != NULL && uid->valuedouble < 1)
		api_add_field(fields, "subject.user_id", "min",
		    "must be at least 1");
	else if (role != NULL && !cJSON_IsString(role))
		api_add_field(fields, "subject.role", "type", "must be a string");
	else if (role != NULL && role->valuestring[0] == '\0')
		api_add_field(fields, "subject.role", "min_len",
		    "must not be empty");
	else if (role != NULL && strlen(role->valuestring) > ROLE_MAX)
		api_add_field(fields, "subject.role", "max_len",
		    "must be at most 63 bytes");
}

/* Answers 422 and returns -1 unless the dry-run body is well formed. */
static int
check_dry_run(struct http_req *req)
{
	const cJSON	*body = http_body(req), *v, *res;
	cJSON		*fields = cJSON_CreateArray();
	char		 msg[64];

	if (!cJSON_IsObject(body)) {
		api_add_field(fields, "", "type", "the body must be a JSON object");
		goto fail;
	}
	cJSON_ArrayForEach(v, body)
		if (strcmp(v->string, "source") != 0 &&
		    strcmp(v->string, "subject") != 0 &&
		    strcmp(v->string, "action") != 0 &&
		    strcmp(v->string, "resource") != 0 &&
		    strcmp(v->string, "context") != 0)
			api_add_field(fields, v->string, "unknown",
			    "is not a known field");
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "source")) != NULL) {
		if (!cJSON_IsString(v))
			api_add_field(fields, "source", "type",
			    "must be a string");
		else if (strlen(v->valuestring) > POLICY_SOURCE_MAX) {
			snprintf(msg, sizeof(msg), "must be at most %d bytes",
			    POLICY_SOURCE_MAX);
			api_add_field(fields, "source", "max_len", msg);
		}
	}
	check_subject(cJSON_GetObjectItemCaseSensitive(body, "subject"),
	    fields);
	v = cJSON_GetObjectItemCaseSensitive(body, "action");
	if (v == NULL)
		api_add_field(fields, "action", "required", "is required");
	else if (!cJSON_IsString(v))
		api_add_field(fields, "action", "type", "must be a string");
	else if (!policy_perm_valid(v->valuestring) ||
	    strchr(v->valuestring, '*') != NULL)
		api_add_field(fields, "action", "pattern",
		    "must be resource:action");
	v = cJSON_GetObjectItemCaseSensitive(body, "context");
	if (v != NULL && !cJSON_IsObject(v))
		api_add_field(fields, "context", "type", "must be an object");
	res = cJSON_GetObjectItemCaseSensitive(body, "resource");
	if (res == NULL)
		api_add_field(fields, "resource", "required", "is required");
	else if (!cJSON_IsObject(res))
		api_add_field(fields, "resource", "type", "must be an object");
	else if ((v = cJSON_GetObjectItemCaseSensitive(res, "type")) == NULL)
		api_add_field(fields, "resource.type", "required", "is required");
	else if (!cJSON_IsString(v))
		api_add_field(fields, "resource.type", "type",
		    "must be a string");
	else if (!is_name(v->valuestring))
		api_add_field(fields, "resource.type", "pattern",
		    "must be 1 to 63 of a-z 0-9 _");
	if (cJSON_GetArraySize(fields) == 0) {
		cJSON_Delete(fields);
		return 0;
	}
fail:
	http_reply_fields(req, 422, "validation_failed",
	    "the body breaks the validation rules", fields);
	return -1;
}

/*
 * The subject of a dry-run: a member's role (and whether they are a
 * system admin), or the role given. 0, or -1 when answered (404, 500).
 */
static int
dry_subject(struct http_req *req, const cJSON *sub, struct policy_subject *ps,
    char *role, size_t rolelen)
{
	const cJSON	*v;
	struct auth_user u;
	int		 r;

	memset(ps, 0, sizeof(*ps));
	ps->ps_kind = "user";
	ps->ps_role = role;
	if ((v = cJSON_GetObjectItemCaseSensitive(sub, "role")) != NULL) {
		snprintf(role, rolelen, "%s", v->valuestring);
		return 0;
	}
	ps->ps_id = (int64_t)cJSON_GetObjectItemCaseSensitive(sub,
	    "user_id")->valuedouble;
	if ((r = auth_member_role(http_org(req), ps->ps_id, role,
	    rolelen)) == -1) {
		api_internal(req);
		return -1;
	}
	if (r == 0) {
		http_reply_error(req, 404, "not_found",
		    "no such member of this organization");
		return -1;
	}
	switch (auth_user_get(ps->ps_id, &u)) {
	case AUTH_OK:
		ps->ps_is_admin = u.us_is_admin;
		auth_user_clear(&u);
		return 0;
	case AUTH_ERR_NOT_FOUND:
		http_reply_error(req, 404, "not_found",
		    "no such member of this organization");
		return -1;
	default:
		api_internal(req);
		return -1;
	}
}

/* A resource of only {type, id}: the real request would load the record. */
static bool
names_a_record(const cJSON *res)
{
	const cJSON	*v;

	cJSON_ArrayForEach(v, res)
		if (strcmp(v->string, "type") != 0 &&
		    strcmp(v->string, "id") != 0)
			return false;
	v = cJSON_GetObjectItemCaseSensitive(res, "id");
	return v != NULL && is_int(v) && v->valuedouble > 0;
}

/*
 * The resource's attributes, as the server would see them: the stored
 * record for {type, id}, else what was given. 1 with *attrs, or -1 when
 * answered (404 for no such record, 500).
 */
static int
dry_attrs(struct http_req *req, const cJSON *res, cJSON **attrs)
{
	const char	*type = cJSON_GetObjectItemCaseSensitive(res, "type")->
			    valuestring;
	char		 read[TYPE_MAX + 8];

	if (names_a_record(res)) {
		switch (http_load_record(req, type, (int64_t)
		    cJSON_GetObjectItemCaseSensitive(res, "id")->valuedouble,
		    attrs)) {
		case 1:
			if (*attrs == NULL)
				*attrs = cJSON_CreateObject();
			/* what it decides on is the record: may the caller see it? */
			snprintf(read, sizeof(read), "%s:read", type);
			if (!http_allowed(req, read, *attrs)) {
				cJSON_Delete(*attrs);
				*attrs = NULL;
				http_reply_error(req, 403, "forbidden",
				    "you may not read this record");
				return -1;
			}
			return 1;
		case 0:
			http_reply_error(req, 404, "not_found",
			    "no such record in this organization");
			return -1;
		case -2:
			break;	/* nothing loads this type: as given */
		default:
			api_internal(req);
			return -1;
		}
	}
	*attrs = cJSON_Duplicate(res, true);
	return 1;
}

static int
dry_run(struct http_req *req)
{
	const cJSON		*body = http_body(req), *res, *v;
	struct policy_subject	 ps;
	struct policy_resource	 pr;
	struct policy_decision	 d;
	struct policy		*own = NULL, *p;
	cJSON			*attrs, *o;
	int64_t			 version = 0;
	char			 role[ROLE_MAX + 1];

	if (api_org_check(req) == -1 || check_dry_run(req) == -1 ||
	    dry_subject(req, cJSON_GetObjectItemCaseSensitive(body,
	    "subject"), &ps, role, sizeof(role)) == -1)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "source")) != NULL) {
		/* no tests: the question is what this source decides */
		if (compile_in_turn(req, v->valuestring,
		    strlen(v->valuestring), POLICY_TRIAL, &own) == -1)
			return -1;
		p = own;
	} else if ((p = http_policy(req)) == NULL ||
	    (version = auth_org_policy_version(http_org(req))) == -1)
		return api_internal(req);
	res = cJSON_GetObjectItemCaseSensitive(body, "resource");
	if (dry_attrs(req, res, &attrs) == -1) {
		policy_free(own);
		return -1;
	}
	/* the organization is this one */
	cJSON_DeleteItemFromObjectCaseSensitive(attrs, "type");
	cJSON_DeleteItemFromObjectCaseSensitive(attrs, "org_id");
	memset(&pr, 0, sizeof(pr));
	pr.pr_type = cJSON_GetObjectItemCaseSensitive(res, "type")->
	    valuestring;
	pr.pr_org_id = http_org(req);
	if ((v = cJSON_GetObjectItemCaseSensitive(res, "id")) != NULL &&
	    is_int(v) && v->valuedouble > 0)
		pr.pr_id = (int64_t)v->valuedouble;
	pr.pr_attrs = attrs;
	pr.pr_context = cJSON_GetObjectItemCaseSensitive(body, "context");
	policy_explain(p, &ps, cJSON_GetObjectItemCaseSensitive(body,
	    "action")->valuestring, &pr, time_now(), http_client_ip(req), &d);
	cJSON_Delete(attrs);
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "allow", d.pd_allow);
	if (d.pd_allow)
		cJSON_AddNullToObject(o, "reason");
	else
		cJSON_AddStringToObject(o, "reason", d.pd_reason);
	cJSON_AddStringToObject(o, "role", role);
	if (d.pd_matched[0] != '\0')
		cJSON_AddStringToObject(o, "matched", d.pd_matched);
	else
		cJSON_AddNullToObject(o, "matched");
	/* a given source is no stored version */
	if (own == NULL)
		api_json_int(o, "version", version);
	else
		cJSON_AddNullToObject(o, "version");
	policy_free(own);
	if (d.pd_line > 0)
		api_json_int(o, "line", d.pd_line);
	else
		cJSON_AddNullToObject(o, "line");
	return http_reply_json(req, 200, o);
}

#define POLICY_SHAPE	"{version: integer, source: string, " \
			"updated_at: time|null, updated_by: integer|null}"

static const struct http_route routes[] = {
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/policy",
	  .rt_permission = "policy:read", .rt_handler = get,
	  .rt_summary = "The organization's own policy (version 0: none)",
	  .rt_reply = POLICY_SHAPE },
	{ .rt_methods = HTTP_PUT, .rt_path = "/api/v1/orgs/{org}/policy",
	  .rt_permission = "policy:manage", .rt_handler = put,
	  .rt_summary = "Replace the policy once it compiles and passes its "
	    "tests", HTTP_BODY(put_fields), .rt_reply = POLICY_SHAPE },
	{ .rt_methods = HTTP_GET,
	  .rt_path = "/api/v1/orgs/{org}/policy/versions",
	  .rt_permission = "policy:read", .rt_handler = versions,
	  .rt_summary = "List the policy's versions",
	  .rt_query = API_PAGE_QUERY,
	  .rt_reply = "page({version: integer, updated_at: time, "
	    "updated_by: integer, comment: string|null})" },
	{ .rt_methods = HTTP_DELETE, .rt_path = "/api/v1/orgs/{org}/policy",
	  .rt_permission = "policy:manage", .rt_handler = revert,
	  .rt_summary = "Back to the base policy alone, as a new version",
	  HTTP_BODY(delete_fields), .rt_reply = POLICY_SHAPE },
	{ .rt_methods = HTTP_GET,
	  .rt_path = "/api/v1/orgs/{org}/policy/versions/{n}",
	  .rt_permission = "policy:read", .rt_handler = version_get,
	  .rt_summary = "One stored version, whole",
	  .rt_reply = "{version: integer, source: string, updated_at: time, "
	    "updated_by: integer|null, comment: string|null}" },
	{ .rt_methods = HTTP_POST,
	  .rt_path = "/api/v1/orgs/{org}/policy/rollback",
	  .rt_permission = "policy:manage", .rt_handler = rollback,
	  .rt_summary = "Make an earlier version current, as a new version",
	  HTTP_BODY(rollback_fields), .rt_reply = POLICY_SHAPE },
	{ .rt_methods = HTTP_POST,
	  .rt_path = "/api/v1/orgs/{org}/policy/dry-run",
	  .rt_permission = "policy:read", .rt_handler = dry_run,
	  .rt_summary = "What the current (or a given) policy decides, "
	    "and why",
	  .rt_request = "{source?: string, subject: {user_id?: integer, "
	    "role?: string}, action: string, resource: {type: string, ...}, "
	    "context?: {...}}",
	  .rt_reply = "{allow: boolean, reason: string|null, role: string, "
	    "matched: string|null, version: integer|null, "
	    "line: integer|null}" },
};

int
api_policy_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
