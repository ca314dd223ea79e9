/*
 * orgs endpoints: organizations (created by system admins), their members
 * and roles, and an organization's own audit log (docs/api.md
 * and 6). Granting a role follows the escalation rule of section 3.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"

#define ORG_NAME_MAX	200	/* characters */
#define ORG_SLUG_MAX	64	/* bytes of a-z 0-9 - */

static const struct http_field org_fields[] = {
	{ "name", HTTP_T_STRING, true, ORG_NAME_MAX },
	{ "slug", HTTP_T_STRING, true, ORG_SLUG_MAX },
};

static const struct http_field set_fields[] = {
	{ "role", HTTP_T_STRING, true, 0 },
};

static const struct http_field add_fields[] = {
	{ "email", HTTP_T_STRING, true, 0 },
	{ "role", HTTP_T_STRING, true, 0 },
};

static const char *
body_str(const struct http_req *req, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(http_body(req),
	    name)->valuestring;
}

/* {"id","name","slug","role"} from a row of those four columns. */
static cJSON *
org_row_json(struct db_stmt *st)
{
	cJSON	*o = cJSON_CreateObject();

	api_json_int(o, "id", db_col_int(st, 0));
	api_json_text(o, "name", st, 1);
	api_json_text(o, "slug", st, 2);
	api_json_text(o, "role", st, 3);
	return o;
}

/* Roles ------------------------------------------------------------------ */

bool
api_role_exists(struct http_req *req, const char *role)
{
	return strlen(role) <= ROLE_MAX &&
	    policy_role_patterns(http_policy(req), role, false) != NULL;
}

int
api_grant_check(struct http_req *req, const char *role, const char *action)
{
	const struct auth_subject	*sub = http_subject(req);
	const char			*mine = http_role(req), *missing;
	char				 msg[POLICY_REASON_MAX];

	/* system admins are exempt: they recover locked-out organizations */
	if (sub->su_kind == AUTH_KIND_USER && sub->su_is_admin)
		return 0;
	if (policy_role_covers(http_policy(req), mine, role, &missing))
		return 0;
	if (missing == NULL)
		snprintf(msg, sizeof(msg), "no such role");
	else
		snprintf(msg, sizeof(msg), "role %s holds %s, which your "
		    "role %s does not", role, missing, mine ? mine : "(none)");
	api_forbidden(req, action, http_org(req), msg);
	return -1;
}

/* Organizations -------------------------------------------------------- */

int
api_org_check(struct http_req *req)
{
	struct auth_org	 o;

	switch (auth_org_get(http_org(req), &o)) {
	case AUTH_OK:
		return 0;
	case AUTH_ERR_NOT_FOUND:
		http_reply_error(req, 404, "not_found",
		    "no such organization");
		return -1;
	default:
		api_internal(req);
		return -1;
	}
}

static bool
slug_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-'))
			return false;
	return true;
}

/* Appends the audit event of user joining org as role (old: NULL). */
static int
member_event(struct http_req *req, int64_t org, int64_t user,
    const char *old, const char *role)
{
	struct audit_event	 ev;
	cJSON			*details;
	char			 rid[24];
	int			 rc;

	snprintf(rid, sizeof(rid), "%lld", (long long)user);
	details = cJSON_CreateObject();
	api_json_int(details, "user_id", user);
	audit_change(details, "role", old ? cJSON_CreateString(old) :
	    cJSON_CreateNull(), cJSON_CreateString(role));
	api_event_init(&ev, req, "member.set", "success");
	ev.ae_org_id = org;
	ev.ae_resource_type = "member";
	ev.ae_resource_id = rid;
	ev.ae_details = details;
	rc = api_append(&ev);
	cJSON_Delete(details);
	return rc;
}

static int
org_create(struct http_req *req)
{
	const struct auth_subject	*sub = http_subject(req);
	const char			*name, *slug;
	struct audit_event		 ev;
	enum auth_result		 r;
	cJSON				*fields, *details, *o;
	char				 rid[24];
	int64_t				 id;
	int				 rc;

	if (!sub->su_is_admin)
		return api_forbidden(req, "org.create", 0,
		    "system admins only");
	if (api_check_body(req, org_fields, nitems(org_fields), false) == -1)
		return -1;
	name = body_str(req, "name");
	slug = body_str(req, "slug");
	fields = cJSON_CreateArray();
	if (*name == '\0')
		api_add_field(fields, "name", "min_len",
		    "must be at least 1 character");
	if (*slug == '\0')
		api_add_field(fields, "slug", "min_len",
		    "must be at least 1 character");
	else if (!slug_ok(slug))
		api_add_field(fields, "slug", "pattern",
		    "must be lower-case letters, digits and '-'");
	if (cJSON_GetArraySize(fields) > 0)
		return http_reply_fields(req, 422, "validation_failed",
		    "the body breaks the validation rules", fields);
	cJSON_Delete(fields);

	if (db_tx_begin() == -1)
		return api_internal(req);
	if ((r = auth_org_create(name, slug, sub->su_user_id, &id)) !=
	    AUTH_OK) {
		db_tx_rollback();
		if (r == AUTH_ERR_CONFLICT)
			return http_reply_field_error(req, 409, "conflict",
			    "an organization with this slug exists", "slug",
			    "check", "is taken");
		return api_internal(req);
	}
	/* organization administration belongs to no organization's log */
	snprintf(rid, sizeof(rid), "%lld", (long long)id);
	details = cJSON_CreateObject();
	cJSON_AddStringToObject(details, "name", name);
	cJSON_AddStringToObject(details, "slug", slug);
	api_event_init(&ev, req, "org.create", "success");
	ev.ae_resource_type = "org";
	ev.ae_resource_id = rid;
	ev.ae_details = details;
	rc = api_append(&ev) == 0 && member_event(req, id, sub->su_user_id,
	    NULL, "admin") == 0 && audit_tx_commit() == 0 ? 0 : -1;
	cJSON_Delete(details);
	if (rc == -1)
		return api_audit_failed(req);
	o = cJSON_CreateObject();
	api_json_int(o, "id", id);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "slug", slug);
	return http_reply_json(req, 201, o);
}

cJSON *
api_orgs_of_user(int64_t user)
{
	static const char	 sql[] = "SELECT o.id, o.name, o.slug, m.role "
				    "FROM members m JOIN orgs o "
				    "ON o.id = m.org_id WHERE m.user_id = ? "
				    "ORDER BY o.id";
	struct db_stmt		*st;
	cJSON			*items;
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return NULL;
	db_bind_int(st, 1, user);
	items = cJSON_CreateArray();
	while ((rc = db_step(st)) == DB_ROW)
		cJSON_AddItemToArray(items, org_row_json(st));
	db_reset(st);
	if (rc != DB_DONE) {
		cJSON_Delete(items);
		return NULL;
	}
	return items;
}

/* The caller's organizations; every one, for a system admin. */
static int
org_list(struct http_req *req)
{
	static const char	 count_sql[] = "SELECT count(*) FROM orgs o "
				    "LEFT JOIN members m ON m.org_id = o.id "
				    "AND m.user_id = ?1 "
				    "WHERE ?2 OR m.user_id IS NOT NULL";
	static const char	 page_sql[] = "SELECT o.id, o.name, o.slug, "
				    "m.role FROM orgs o "
				    "LEFT JOIN members m ON m.org_id = o.id "
				    "AND m.user_id = ?1 "
				    "WHERE ?2 OR m.user_id IS NOT NULL "
				    "ORDER BY o.id LIMIT ?3 OFFSET ?4";
	const struct auth_subject	*sub = http_subject(req);
	struct db_stmt			*st;
	cJSON				*items;
	int64_t				 limit, offset, total = 0;
	int				 rc;

	if (api_page(req, &limit, &offset) == -1)
		return -1;
	if ((st = db_prepare(count_sql)) == NULL)
		return api_internal(req);
	db_bind_int(st, 1, sub->su_user_id);
	db_bind_int(st, 2, sub->su_is_admin);
	if ((rc = db_step(st)) == DB_ROW)
		total = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_ROW || (st = db_prepare(page_sql)) == NULL)
		return api_internal(req);
	db_bind_int(st, 1, sub->su_user_id);
	db_bind_int(st, 2, sub->su_is_admin);
	db_bind_int(st, 3, limit);
	db_bind_int(st, 4, offset);
	items = cJSON_CreateArray();
	while ((rc = db_step(st)) == DB_ROW)
		cJSON_AddItemToArray(items, org_row_json(st));
	db_reset(st);
	if (rc != DB_DONE) {
		cJSON_Delete(items);
		return api_internal(req);
	}
	return http_reply_json(req, 200, api_page_new(items, total, limit,
	    offset));
}

/* Members -------------------------------------------------------------- */

static cJSON *
member_json(const struct auth_user *u, const char *role)
{
	cJSON	*o = cJSON_CreateObject();

	api_json_int(o, "user_id", u->us_id);
	cJSON_AddStringToObject(o, "email", u->us_email);
	cJSON_AddStringToObject(o, "name", u->us_name);
	cJSON_AddStringToObject(o, "role", role);
	return o;
}

static int
members_list(struct http_req *req)
{
	static const char	 count_sql[] = "SELECT count(*) FROM members "
				    "WHERE org_id = ?";
	static const char	 page_sql[] = "SELECT m.user_id, u.email, "
				    "u.name, m.role FROM members m "
				    "JOIN users u ON u.id = m.user_id "
				    "WHERE m.org_id = ? ORDER BY m.user_id "
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
		api_json_int(o, "user_id", db_col_int(st, 0));
		api_json_text(o, "email", st, 1);
		api_json_text(o, "name", st, 2);
		api_json_text(o, "role", st, 3);
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

/* Members whose role is admin in org, or -1 on error. */
static int64_t
admin_count(int64_t org)
{
	static const char	 sql[] = "SELECT count(*) FROM members "
				    "WHERE org_id = ? AND role = 'admin'";
	struct db_stmt		*st;
	int64_t			 n = -1;

	if ((st = db_prepare(sql)) == NULL)
		return -1;
	db_bind_int(st, 1, org);
	if (db_step(st) == DB_ROW)
		n = db_col_int(st, 0);
	db_reset(st);
	return n;
}

static int
last_admin(struct http_req *req, const char *what)
{
	char	 msg[96];

	db_tx_rollback();
	snprintf(msg, sizeof(msg), "the organization's last admin cannot be "
	    "%s", what);
	return http_reply_field_error(req, 409, "conflict", msg, "role",
	    "check", "the organization needs at least one admin");
}

/*
 * Gives user role in the organization, in one transaction with its audit
 * entry: add_only adds a new member (201, 409 if already one), else the
 * role of a member changes (200, 404 if not one: a PUT never adds, so
 * it never shows who else has an account).
 */
static int
member_apply(struct http_req *req, const struct auth_user *u,
    const char *role, bool add_only)
{
	int64_t		 org = http_org(req), admins;
	char		 old[64];
	int		 had;
	bool		 created;

	if (db_tx_begin() == -1)
		return api_internal(req);
	if ((had = auth_member_role(org, u->us_id, old, sizeof(old))) == -1)
		goto fail;
	if (had == 1 && add_only) {
		db_tx_rollback();
		return http_reply_field_error(req, 409, "conflict",
		    "already a member of this organization", "email", "check",
		    "is already a member");
	}
	if (had == 0 && !add_only) {
		db_tx_rollback();
		return http_reply_error(req, 404, "not_found",
		    "no such member");
	}
	if (had == 1 && strcmp(old, "admin") == 0 &&
	    strcmp(role, "admin") != 0) {
		if ((admins = admin_count(org)) == -1)
			goto fail;
		if (admins <= 1)
			return last_admin(req, "demoted");
	}
	switch (auth_member_set(org, u->us_id, role, &created)) {
	case AUTH_OK:
		break;
	case AUTH_ERR_NOT_FOUND:
		db_tx_rollback();
		return http_reply_error(req, 404, "not_found", "no such user");
	default:
		goto fail;
	}
	/* a new role may no longer cover the keys the member made */
	if (had == 1 && strcmp(old, role) != 0 &&
	    api_keys_follow(req, org, u->us_id, http_policy(req)) == -1)
		goto fail;
	if (member_event(req, org, u->us_id, had == 1 ? old : NULL,
	    role) == -1 || audit_tx_commit() == -1)
		return api_audit_failed(req);
	return http_reply_json(req, add_only ? 201 : 200, member_json(u,
	    role));
fail:
	db_tx_rollback();
	return api_internal(req);
}

/* Loads {user_id} as the resource: it must be a member of {org}. */
static int
member_load(struct http_req *req, cJSON **attrs)
{
	char	 role[64];
	int64_t	 id;
	int	 m;

	*attrs = NULL;
	if ((id = api_param_id(req, "user_id")) == -1)
		return 0;
	if ((m = auth_member_role(http_org(req), id, role, sizeof(role))) != 1)
		return m;
	*attrs = cJSON_CreateObject();
	api_json_int(*attrs, "user_id", id);
	cJSON_AddStringToObject(*attrs, "role", role);
	return 1;
}

/* Checks the role of a PUT or POST: 422 if unknown, 403 if escalating. */
static int
role_check(struct http_req *req, const char *role)
{
	if (!api_role_exists(req, role))
		return api_field_error(req, "role", "enum",
		    "is not a role of this organization");
	return api_grant_check(req, role, "member.set");
}

static int
member_put(struct http_req *req)
{
	struct auth_user	 u;
	enum auth_result	 r;
	const char		*role;
	int64_t			 id;

	if ((id = api_param_id(req, "user_id")) == -1)
		return http_reply_error(req, 404, "not_found",
		    "no such member");
	if (api_check_body(req, set_fields, nitems(set_fields), false) == -1)
		return -1;
	role = body_str(req, "role");
	if (role_check(req, role) == -1)
		return -1;
	r = auth_user_get(id, &u);
	auth_user_clear(&u);
	if (r == AUTH_ERR_NOT_FOUND)
		return http_reply_error(req, 404, "not_found",
		    "no such member");
	if (r != AUTH_OK)
		return api_internal(req);
	return member_apply(req, &u, role, false);
}

static int
member_add(struct http_req *req)
{
	struct auth_user	 u;
	enum auth_result	 r;
	const char		*role, *in;
	char			 email[AUTH_EMAIL_MAX + 1];

	if (api_check_body(req, add_fields, nitems(add_fields), false) == -1)
		return -1;
	in = body_str(req, "email");
	role = body_str(req, "role");
	if (strlen(in) >= sizeof(email))
		return api_field_error(req, "email", "max_len",
		    "is too long for an email address");
	snprintf(email, sizeof(email), "%s", in);
	if (auth_email_normalize(email) == -1)
		return api_field_error(req, "email", "check",
		    "is not an email address");
	if (role_check(req, role) == -1)
		return -1;
	r = auth_user_by_email(email, &u);
	auth_user_clear(&u);
	if (r == AUTH_ERR_NOT_FOUND)
		return http_reply_error(req, 404, "not_found",
		    "no user has this email");
	if (r != AUTH_OK)
		return api_internal(req);
	return member_apply(req, &u, role, true);
}

static int
member_delete(struct http_req *req)
{
	struct audit_event	 ev;
	cJSON			*details;
	char			 old[64], rid[24];
	int64_t			 org = http_org(req), id, admins;
	int			 had, rc;

	if ((id = api_param_id(req, "user_id")) == -1)
		return http_reply_error(req, 404, "not_found",
		    "no such member");
	if (db_tx_begin() == -1)
		return api_internal(req);
	if ((had = auth_member_role(org, id, old, sizeof(old))) == -1)
		goto fail;
	if (had == 0) {
		db_tx_rollback();
		return http_reply_error(req, 404, "not_found",
		    "no such member");
	}
	if (strcmp(old, "admin") == 0) {
		if ((admins = admin_count(org)) == -1)
			goto fail;
		if (admins <= 1)
			return last_admin(req, "removed");
	}
	/* the member's keys leave with it (a system admin's stay) */
	if (auth_member_remove(org, id) != AUTH_OK ||
	    api_keys_follow(req, org, id, http_policy(req)) == -1)
		goto fail;
	snprintf(rid, sizeof(rid), "%lld", (long long)id);
	details = cJSON_CreateObject();
	api_json_int(details, "user_id", id);
	cJSON_AddStringToObject(details, "role", old);
	api_event_init(&ev, req, "member.remove", "success");
	ev.ae_org_id = org;
	ev.ae_resource_type = "member";
	ev.ae_resource_id = rid;
	ev.ae_details = details;
	rc = api_append(&ev) == 0 && audit_tx_commit() == 0 ? 0 : -1;
	cJSON_Delete(details);
	if (rc == -1)
		return api_audit_failed(req);
	return http_reply_empty(req, 204);
fail:
	db_tx_rollback();
	return api_internal(req);
}

static int
roles(struct http_req *req)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "items", policy_roles_json(http_policy(req)));
	return http_reply_json(req, 200, o);
}

static int
org_audit(struct http_req *req)
{
	return api_audit_list(req, http_org(req));
}

#define MEMBER_SHAPE	"{user_id: integer, email: string, name: string, " \
			"role: string}"

static const struct http_route routes[] = {
	{ .rt_methods = HTTP_POST, .rt_path = "/api/v1/orgs",
	  .rt_handler = org_create,
	  .rt_summary = "Create an organization (system admins)",
	  HTTP_BODY(org_fields), .rt_status = 201,
	  .rt_reply = "{id: integer, name: string, slug: string}" },
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs",
	  .rt_handler = org_list,
	  .rt_summary = "The caller's organizations (all for system admins)",
	  .rt_query = API_PAGE_QUERY,
	  .rt_reply = "page({id: integer, name: string, slug: string, "
	    "role: string|null})" },
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/members",
	  .rt_permission = "member:read", .rt_handler = members_list,
	  .rt_summary = "List members", .rt_query = API_PAGE_QUERY,
	  .rt_reply = "page(" MEMBER_SHAPE ")" },
	{ .rt_methods = HTTP_POST, .rt_path = "/api/v1/orgs/{org}/members",
	  .rt_permission = "member:manage", .rt_handler = member_add,
	  .rt_summary = "Add an existing user by email",
	  HTTP_BODY(add_fields), .rt_status = 201, .rt_reply = MEMBER_SHAPE },
	{ .rt_methods = HTTP_PUT,
	  .rt_path = "/api/v1/orgs/{org}/members/{user_id}",
	  .rt_permission = "member:manage", .rt_load = member_load,
	  .rt_handler = member_put, .rt_summary = "Set a member's role",
	  HTTP_BODY(set_fields), .rt_reply = MEMBER_SHAPE },
	{ .rt_methods = HTTP_DELETE,
	  .rt_path = "/api/v1/orgs/{org}/members/{user_id}",
	  .rt_permission = "member:manage", .rt_load = member_load,
	  .rt_handler = member_delete, .rt_summary = "Remove a member",
	  .rt_status = 204 },
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/roles",
	  .rt_permission = "member:read", .rt_handler = roles,
	  .rt_summary = "The roles in force",
	  .rt_reply = "{items: [{name: string, permissions: [string]}]}" },
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/orgs/{org}/audit",
	  .rt_permission = "audit:read", .rt_handler = org_audit,
	  .rt_summary = "The organization's audit entries",
	  .rt_query = API_AUDIT_QUERY, .rt_reply = API_AUDIT_PAGE },
};


int
api_orgs_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
