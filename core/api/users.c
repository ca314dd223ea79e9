/*
 * users endpoints: the caller's own profile, and user administration for
 * system admins (create, list, change, deactivate).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "db/db.h"

static const struct http_field create_fields[] = {
	{ "email", HTTP_T_STRING, true, 0 },
	{ "name", HTTP_T_STRING, false, AUTH_NAME_MAX },
	{ "password", HTTP_T_STRING, true, 0 },
	{ "is_admin", HTTP_T_BOOL, false, 0 },
};

static const struct http_field patch_fields[] = {
	{ "name", HTTP_T_STRING, false, AUTH_NAME_MAX },
	{ "is_admin", HTTP_T_BOOL, false, 0 },
	{ "is_active", HTTP_T_BOOL, false, 0 },
};

static cJSON *
user_json(const struct auth_user *u)
{
	cJSON	*o = cJSON_CreateObject();

	api_json_int(o, "id", u->us_id);
	cJSON_AddStringToObject(o, "email", u->us_email);
	cJSON_AddStringToObject(o, "name", u->us_name);
	cJSON_AddBoolToObject(o, "is_admin", u->us_is_admin);
	cJSON_AddBoolToObject(o, "is_active", u->us_is_active);
	cJSON_AddStringToObject(o, "created_at", u->us_created_at);
	cJSON_AddStringToObject(o, "updated_at", u->us_updated_at);
	return o;
}

/* System admins only; answers 403 and returns -1 for anyone else. */
static int
require_admin(struct http_req *req, const char *action)
{
	if (http_subject(req)->su_is_admin)
		return 0;
	api_forbidden(req, action, 0, "system admins only");
	return -1;
}

static int
me(struct http_req *req)
{
	struct auth_user	 u;
	cJSON			*o, *orgs;

	if (auth_user_get(http_subject(req)->su_user_id, &u) != AUTH_OK)
		return api_internal(req);
	auth_user_clear(&u);
	if ((orgs = api_orgs_of_user(u.us_id)) == NULL)
		return api_internal(req);
	o = cJSON_CreateObject();
	api_json_int(o, "id", u.us_id);
	cJSON_AddStringToObject(o, "email", u.us_email);
	cJSON_AddStringToObject(o, "name", u.us_name);
	cJSON_AddBoolToObject(o, "is_admin", u.us_is_admin);
	cJSON_AddItemToObject(o, "organizations", orgs);
	return http_reply_json(req, 200, o);
}

static int
create(struct http_req *req)
{
	const cJSON		*body = http_body(req), *v;
	struct auth_user	 u;
	struct audit_event	 ev;
	cJSON			*details;
	const char		*field, *name = "", *password;
	char			 email[AUTH_EMAIL_MAX + 1], why[96], rid[24];
	char			 hash[AUTH_PWHASH_HASH_MAX];
	enum auth_result	 r;
	int64_t			 id;
	bool			 is_admin = false;

	if (require_admin(req, "user.create") == -1 ||
	    api_check_body(req, create_fields, nitems(create_fields),
	    false) == -1)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "name")) != NULL)
		name = v->valuestring;
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "is_admin")) != NULL)
		is_admin = cJSON_IsTrue(v);
	password = cJSON_GetObjectItemCaseSensitive(body,
	    "password")->valuestring;
	if (auth_user_check(cJSON_GetObjectItemCaseSensitive(body,
	    "email")->valuestring, name, password, email, &field, why,
	    sizeof(why)) != AUTH_OK)
		return api_field_error(req, field, "check", why);
	/* hash before the transaction: it must not hold the write lock */
	switch (auth_password_hash(password, hash)) {
	case AUTH_PW_OK:
		break;
	case AUTH_PW_BUSY:
		http_add_header(req, "Retry-After", "1");
		return http_reply_error(req, 503, "unavailable",
		    "server busy; try again shortly");
	default:
		return api_internal(req);
	}
	if (db_tx_begin() == -1) {
		sodium_memzero(hash, sizeof(hash));
		return api_internal(req);
	}
	r = auth_user_insert(email, name, hash, is_admin, &id, &field, why,
	    sizeof(why));
	sodium_memzero(hash, sizeof(hash));
	if (r == AUTH_ERR_CONFLICT) {
		db_tx_rollback();
		return http_reply_field_error(req, 409, "conflict",
		    "a user with this email exists", "email", "check", why);
	}
	if (r != AUTH_OK) {
		db_tx_rollback();
		return api_internal(req);
	}
	snprintf(rid, sizeof(rid), "%lld", (long long)id);
	details = cJSON_CreateObject();
	cJSON_AddStringToObject(details, "email", email);
	cJSON_AddBoolToObject(details, "is_admin", is_admin);
	api_event_init(&ev, req, "user.create", "success");
	ev.ae_resource_type = "user";
	ev.ae_resource_id = rid;
	ev.ae_details = details;
	r = api_append(&ev) == 0 && audit_tx_commit() == 0 ? AUTH_OK :
	    AUTH_ERR_INTERNAL;
	cJSON_Delete(details);
	if (r != AUTH_OK)
		return api_audit_failed(req);
	if (auth_user_get(id, &u) != AUTH_OK)
		return api_internal(req);
	auth_user_clear(&u);
	return http_reply_json(req, 201, user_json(&u));
}

static int
list(struct http_req *req)
{
	static const char	 count_sql[] = "SELECT count(*) FROM users";
	static const char	 page_sql[] = "SELECT id FROM users "
				    "ORDER BY id LIMIT ? OFFSET ?";
	struct db_stmt		*st;
	struct auth_user	 u;
	cJSON			*items;
	int64_t			 limit, offset, total = 0, ids[API_LIMIT_MAX];
	int			 n = 0, i;

	if (require_admin(req, "user.list") == -1 ||
	    api_page(req, &limit, &offset) == -1)
		return -1;
	if ((st = db_prepare(count_sql)) == NULL)
		return api_internal(req);
	if (db_step(st) == DB_ROW)
		total = db_col_int(st, 0);
	db_reset(st);
	if ((st = db_prepare(page_sql)) == NULL)
		return api_internal(req);
	db_bind_int(st, 1, limit);
	db_bind_int(st, 2, offset);
	while (n < API_LIMIT_MAX && db_step(st) == DB_ROW)
		ids[n++] = db_col_int(st, 0);
	db_reset(st);
	items = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		if (auth_user_get(ids[i], &u) != AUTH_OK)
			continue;	/* deleted meanwhile */
		auth_user_clear(&u);
		cJSON_AddItemToArray(items, user_json(&u));
	}
	return http_reply_json(req, 200, api_page_new(items, total, limit,
	    offset));
}

/* {"field": {"old","new"}} for each field the update changed. */
static cJSON *
changes(const struct auth_user *a, const struct auth_user *b)
{
	cJSON	*d = cJSON_CreateObject();

	if (strcmp(a->us_name, b->us_name) != 0)
		audit_change(d, "name", cJSON_CreateString(a->us_name),
		    cJSON_CreateString(b->us_name));
	if (a->us_is_admin != b->us_is_admin)
		audit_change(d, "is_admin", cJSON_CreateBool(a->us_is_admin),
		    cJSON_CreateBool(b->us_is_admin));
	if (a->us_is_active != b->us_is_active)
		audit_change(d, "is_active", cJSON_CreateBool(a->us_is_active),
		    cJSON_CreateBool(b->us_is_active));
	return d;
}

static int
patch(struct http_req *req)
{
	const struct auth_subject	*sub = http_subject(req);
	const cJSON			*body = http_body(req), *v;
	struct auth_user		 before, after;
	struct audit_event		 ev;
	enum auth_result		 r;
	cJSON				*details;
	const char			*name = NULL;
	char				 rid[24];
	int				 is_admin = -1, is_active = -1, rc;
	int				 revoked = 0;
	int64_t				 id;

	if (require_admin(req, "user.update") == -1)
		return -1;
	if ((id = api_param_id(req, "id")) == -1)
		return http_reply_error(req, 404, "not_found", "no such user");
	if (api_check_body(req, patch_fields, nitems(patch_fields),
	    true) == -1)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "name")) != NULL)
		name = v->valuestring;
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "is_admin")) != NULL)
		is_admin = cJSON_IsTrue(v);
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "is_active")) != NULL)
		is_active = cJSON_IsTrue(v);
	/* an admin cannot lock themself out */
	if (id == sub->su_user_id && is_active == 0)
		return api_field_error(req, "is_active", "check",
		    "you cannot deactivate yourself");
	if (id == sub->su_user_id && is_admin == 0)
		return api_field_error(req, "is_admin", "check",
		    "you cannot revoke your own admin rights");
	if (db_tx_begin() == -1)
		return api_internal(req);
	if ((r = auth_user_get(id, &before)) == AUTH_OK)
		r = auth_user_update(id, name, is_admin, is_active);
	if (r == AUTH_OK)
		r = auth_user_get(id, &after);
	/*
	 * A deactivated user's API keys die with their tokens, for good; one
	 * who stops being a system admin keeps only those its memberships
	 * still cover.
	 */
	if (r == AUTH_OK && before.us_is_active && !after.us_is_active)
		revoked = api_keys_revoke_creator(req, id,
		    "its creator was deactivated");
	else if (r == AUTH_OK && before.us_is_admin && !after.us_is_admin)
		revoked = api_keys_follow_user(req, id);
	if (revoked == -1)
		r = AUTH_ERR_INTERNAL;
	auth_user_clear(&before);
	auth_user_clear(&after);
	if (r != AUTH_OK) {
		db_tx_rollback();
		return r == AUTH_ERR_NOT_FOUND ? http_reply_error(req, 404,
		    "not_found", "no such user") : api_internal(req);
	}
	snprintf(rid, sizeof(rid), "%lld", (long long)id);
	details = changes(&before, &after);
	if (revoked > 0)
		api_json_int(details, "api_keys_revoked", revoked);
	api_event_init(&ev, req, "user.update", "success");
	ev.ae_resource_type = "user";
	ev.ae_resource_id = rid;
	ev.ae_details = details;
	rc = api_append(&ev) == 0 && audit_tx_commit() == 0 ? 0 : -1;
	cJSON_Delete(details);
	if (rc == -1)
		return api_audit_failed(req);
	return http_reply_json(req, 200, user_json(&after));
}

#define USER_SHAPE	"{id: integer, email: string, name: string, " \
			"is_admin: boolean, is_active: boolean, " \
			"created_at: time, updated_at: time}"

static const struct http_route routes[] = {
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/users/me",
	  .rt_handler = me,
	  .rt_summary = "The caller and their organizations",
	  .rt_reply = "{id: integer, email: string, name: string, "
	    "is_admin: boolean, organizations: [{id: integer, name: string, "
	    "slug: string, role: string|null}]}" },
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/users",
	  .rt_handler = list, .rt_summary = "List users (system admins)",
	  .rt_query = API_PAGE_QUERY, .rt_reply = "page(" USER_SHAPE ")" },
	{ .rt_methods = HTTP_POST, .rt_path = "/api/v1/users",
	  .rt_handler = create, .rt_summary = "Create a user (system admins)",
	  HTTP_BODY(create_fields), .rt_status = 201,
	  .rt_reply = USER_SHAPE },
	{ .rt_methods = HTTP_PATCH, .rt_path = "/api/v1/users/{id}",
	  .rt_handler = patch,
	  .rt_summary = "Change or deactivate a user (system admins)",
	  HTTP_BODY(patch_fields), .rt_reply = USER_SHAPE },
};


int
api_users_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
