/*
 * api-keys endpoints: create (the key is shown once, then wiped), list
 * without keys or hashes, revoke (docs/api.md). A key's role follows
 * the escalation rule, like a member's.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"

#define KEY_NAME_MAX	200	/* characters */
#define DAYS_MAX	3650
#define DAY		86400

static const struct http_field create_fields[] = {
	{ "name", HTTP_T_STRING, true, KEY_NAME_MAX },
	{ "role", HTTP_T_STRING, true, 0 },
	{ "expires_in_days", HTTP_T_INT, false, 0 },
};

/* Unix seconds as RFC 3339, or null for 0 (never). */
static void
add_time(cJSON *o, const char *name, int64_t t)
{
	char	 ts[21];

	if (t <= 0) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	time_rfc3339(t, ts);
	cJSON_AddStringToObject(o, name, ts);
}

/*
 * Answers 201 with the new key. The JSON text is made here rather than by
 * http_reply_json so that every copy of the key this file made is wiped.
 */
static int
reply_key(struct http_req *req, const struct auth_apikey *ak)
{
	cJSON	*o = cJSON_CreateObject(), *k;
	char	*text;
	size_t	 len;
	int	 rc;

	api_json_int(o, "id", ak->ak_id);
	cJSON_AddStringToObject(o, "name", ak->ak_name);
	cJSON_AddStringToObject(o, "prefix", ak->ak_prefix);
	k = cJSON_AddStringToObject(o, "key", ak->ak_key);
	cJSON_AddStringToObject(o, "role", ak->ak_role);
	add_time(o, "expires_at", ak->ak_expires_at);
	text = cJSON_PrintUnformatted(o);
	if (k != NULL && k->valuestring != NULL)
		sodium_memzero(k->valuestring, strlen(k->valuestring));
	cJSON_Delete(o);
	if (text == NULL)
		return api_internal(req);
	len = strlen(text);
	http_reply_secret(req);		/* the host's copies are wiped too */
	rc = http_reply_raw_json(req, 201, text, len);
	sodium_memzero(text, len);
	cJSON_free(text);
	return rc;
}

static int
key_create(struct http_req *req)
{
	const struct auth_subject	*sub = http_subject(req);
	const cJSON			*body = http_body(req), *v;
	struct auth_apikey		 ak;
	struct audit_event		 ev;
	const char			*name, *role;
	cJSON				*fields, *details;
	char				 rid[24];
	int64_t				 days = 0, expires_at = 0;
	int				 rc;

	/* a leaked key must not mint keys that outlive its revocation */
	if (sub->su_kind != AUTH_KIND_USER)
		return api_forbidden(req, "apikey.create", http_org(req),
		    "API keys cannot create API keys");
	if (api_check_body(req, create_fields, nitems(create_fields),
	    false) == -1)
		return -1;
	name = cJSON_GetObjectItemCaseSensitive(body, "name")->valuestring;
	role = cJSON_GetObjectItemCaseSensitive(body, "role")->valuestring;
	fields = cJSON_CreateArray();
	if (*name == '\0')
		api_add_field(fields, "name", "min_len",
		    "must be at least 1 character");
	if (!api_role_exists(req, role))
		api_add_field(fields, "role", "enum",
		    "is not a role of this organization");
	if ((v = cJSON_GetObjectItemCaseSensitive(body,
	    "expires_in_days")) != NULL) {
		days = (int64_t)v->valuedouble;
		if (v->valuedouble < 1)
			api_add_field(fields, "expires_in_days", "min",
			    "must be at least 1");
		else if (v->valuedouble > DAYS_MAX)
			api_add_field(fields, "expires_in_days", "max",
			    "must be at most 3650");
	}
	if (cJSON_GetArraySize(fields) > 0)
		return http_reply_fields(req, 422, "validation_failed",
		    "the body breaks the validation rules", fields);
	cJSON_Delete(fields);
	if (api_grant_check(req, role, "apikey.create") == -1)
		return -1;
	if (days > 0)
		expires_at = time_now() + days * DAY;

	if (db_tx_begin() == -1)
		return api_internal(req);
	if (auth_apikey_create(http_org(req), name, role, expires_at,
	    sub->su_user_id, &ak) != AUTH_OK) {
		db_tx_rollback();
		return api_internal(req);
	}
	snprintf(rid, sizeof(rid), "%lld", (long long)ak.ak_id);
	details = cJSON_CreateObject();
	cJSON_AddStringToObject(details, "name", name);
	cJSON_AddStringToObject(details, "role", role);
	cJSON_AddStringToObject(details, "prefix", ak.ak_prefix);
	add_time(details, "expires_at", expires_at);
	api_event_init(&ev, req, "apikey.create", "success");
	ev.ae_org_id = http_org(req);
	ev.ae_resource_type = "api_key";
	ev.ae_resource_id = rid;
	ev.ae_details = details;
	rc = api_append(&ev) == 0 && audit_tx_commit() == 0 ? 0 : -1;
	cJSON_Delete(details);
	if (rc == -1) {
		sodium_memzero(&ak, sizeof(ak));
		return api_audit_failed(req);
	}
	rc = reply_key(req, &ak);
	sodium_memzero(&ak, sizeof(ak));
	return rc;
}

static int
key_list(struct http_req *req)
{
	static const char	 count_sql[] = "SELECT count(*) FROM api_keys "
				    "WHERE org_id = ?";
	static const char	 page_sql[] = "SELECT id, name, prefix, role, "
				    "created_at, expires_at, revoked_at, "
				    "last_used_at, created_by FROM api_keys "
				    "WHERE org_id = ? ORDER BY id "
				    "LIMIT ? OFFSET ?";
	struct db_stmt		*st;
	cJSON			*items, *o;
	int64_t			 limit, offset, total = 0;
	int			 rc;

	if (api_page(req, &limit, &offset) == -1)
		return -1;
	if ((st = db_prepare(count_sql)) == NULL)
		return api_internal(req);
	db_bind_int(st, 1, http_org(req));
	if ((rc = db_step(st)) == DB_ROW)
		total = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_ROW || (st = db_prepare(page_sql)) == NULL)
		return api_internal(req);
	db_bind_int(st, 1, http_org(req));
	db_bind_int(st, 2, limit);
	db_bind_int(st, 3, offset);
	items = cJSON_CreateArray();
	while ((rc = db_step(st)) == DB_ROW) {
		o = cJSON_CreateObject();
		api_json_int(o, "id", db_col_int(st, 0));
		api_json_text(o, "name", st, 1);
		api_json_text(o, "prefix", st, 2);
		api_json_text(o, "role", st, 3);
		api_json_text(o, "created_at", st, 4);
		/* NULL reads as 0, which add_time writes as null */
		add_time(o, "expires_at", db_col_int(st, 5));
		api_json_text(o, "revoked_at", st, 6);
		api_json_text(o, "last_used_at", st, 7);
		api_json_int(o, "created_by", db_col_int(st, 8));
		cJSON_AddItemToArray(items, o);
	}
	db_reset(st);
	if (rc != DB_DONE) {
		cJSON_Delete(items);
		return api_internal(req);
	}
	return http_reply_json(req, 200, api_page_new(items, total, limit,
	    offset));
}

/* Loads {id}: a key of {org} that is not revoked yet. */
static int
key_load(struct http_req *req, cJSON **attrs)
{
	static const char	 sql[] = "SELECT name, role, created_by "
				    "FROM api_keys WHERE id = ? AND org_id = ? "
				    "AND revoked_at IS NULL";
	struct db_stmt		*st;
	int64_t			 id;
	int			 rc;

	*attrs = NULL;
	if ((id = api_param_id(req, "id")) == -1)
		return 0;
	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, http_org(req));
	if ((rc = db_step(st)) == DB_ROW) {
		*attrs = cJSON_CreateObject();
		api_json_text(*attrs, "name", st, 0);
		api_json_text(*attrs, "role", st, 1);
		api_json_int(*attrs, "created_by",
		    db_col_int(st, 2));
	}
	db_reset(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : -1;
}

static int
key_revoke(struct http_req *req)
{
	struct audit_event	 ev;
	enum auth_result	 r;
	char			 rid[24];
	int64_t			 id;

	if ((id = api_param_id(req, "id")) == -1)
		return http_reply_error(req, 404, "not_found",
		    "no such API key");
	if (db_tx_begin() == -1)
		return api_internal(req);
	if ((r = auth_apikey_revoke(http_org(req), id)) != AUTH_OK) {
		db_tx_rollback();
		return r == AUTH_ERR_NOT_FOUND ? http_reply_error(req, 404,
		    "not_found", "no such API key") : api_internal(req);
	}
	snprintf(rid, sizeof(rid), "%lld", (long long)id);
	api_event_init(&ev, req, "apikey.revoke", "success");
	ev.ae_org_id = http_org(req);
	ev.ae_resource_type = "api_key";
	ev.ae_resource_id = rid;
	ev.ae_details = http_attrs(req);
	if (api_append(&ev) == -1 || audit_tx_commit() == -1)
		return api_audit_failed(req);
	return http_reply_empty(req, 204);
}

static const struct http_route routes[] = {
	{ .rt_methods = HTTP_POST, .rt_path = "/api/v1/orgs/{org}/api-keys",
	  .rt_permission = "apikey:create", .rt_handler = key_create,
	  .rt_summary = "Create an API key (the key is shown this once)",
	  HTTP_BODY(create_fields), .rt_status = 201,
	  .rt_reply = "{id: integer, name: string, prefix: string, "
	    "key: string, role: string, expires_at: time|null}" },
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/api-keys",
	  .rt_permission = "apikey:read", .rt_handler = key_list,
	  .rt_summary = "List API keys (without keys)",
	  .rt_query = API_PAGE_QUERY,
	  .rt_reply = "page({id: integer, name: string, prefix: string, "
	    "role: string, created_at: time, expires_at: time|null, "
	    "revoked_at: time|null, last_used_at: time|null, "
	    "created_by: integer})" },
	{ .rt_methods = HTTP_DELETE,
	  .rt_path = "/api/v1/orgs/{org}/api-keys/{id}",
	  .rt_permission = "apikey:revoke", .rt_load = key_load,
	  .rt_handler = key_revoke, .rt_summary = "Revoke an API key",
	  .rt_status = 204 },
};


int
api_apikeys_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
