/*
 * audit endpoints: GET /api/v1/audit shows system admins the entries
 * that belong to no organization (logins, user and organization
 * administration), filtered and paged. Organizations' entries are listed
 * under their own /api/v1/orgs/{org}/audit with audit:read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"

static void
add_int(cJSON *o, const char *name, struct db_stmt *st, int col)
{
	if (db_col_is_null(st, col))
		cJSON_AddNullToObject(o, name);
	else
		api_json_int(o, name, db_col_int(st, col));
}

static cJSON *
entry_json(struct db_stmt *st)
{
	cJSON		*o = cJSON_CreateObject(), *d;
	const char	*details = db_col_text(st, 11);

	add_int(o, "id", st, 0);
	api_json_text(o, "ts", st, 1);
	api_json_text(o, "actor_type", st, 2);
	add_int(o, "actor_id", st, 3);
	add_int(o, "org_id", st, 4);
	api_json_text(o, "action", st, 5);
	api_json_text(o, "resource_type", st, 6);
	api_json_text(o, "resource_id", st, 7);
	api_json_text(o, "outcome", st, 8);
	api_json_text(o, "ip", st, 9);
	api_json_text(o, "request_id", st, 10);
	if (details != NULL && (d = cJSON_Parse(details)) != NULL)
		cJSON_AddItemToObject(o, "details", d);
	else
		cJSON_AddNullToObject(o, "details");
	api_json_text(o, "prev_hash", st, 12);
	api_json_text(o, "hash", st, 13);
	return o;
}

/* "2026-11-28T03:00:00Z" (fraction and offset allowed) → stored form. */
static int
parse_since(const char *s, char out[21])
{
	struct tm	 tm;
	const char	*p;
	int		 sign, hh, mm;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	t = timegm(&tm);
	if (*p == 'Z' && p[1] == '\0')
		;
	else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &hh,
	    &mm) == 2 && strlen(p) == 6) {
		sign = *p == '+' ? 1 : -1;
		t -= sign * (hh * 3600 + mm * 60);
	} else
		return -1;
	time_rfc3339((int64_t)t, out);
	return 0;
}

int
api_audit_list(struct http_req *req, int64_t org_id)
{
	static const char	 count_sql[] = "SELECT count(*) FROM audit_log "
				    "WHERE org_id IS ?1 "
				    "AND (?2 IS NULL OR action = ?2) "
				    "AND (?3 IS NULL OR actor_id = ?3) "
				    "AND (?4 IS NULL OR ts >= ?4)";
	static const char	 page_sql[] = "SELECT id, ts, actor_type, "
				    "actor_id, org_id, action, resource_type, "
				    "resource_id, outcome, ip, request_id, "
				    "details, prev_hash, hash FROM audit_log "
				    "WHERE org_id IS ?1 "
				    "AND (?2 IS NULL OR action = ?2) "
				    "AND (?3 IS NULL OR actor_id = ?3) "
				    "AND (?4 IS NULL OR ts >= ?4) "
				    "ORDER BY id DESC LIMIT ?5 OFFSET ?6";
	const char		*sqls[] = { count_sql, page_sql };
	char			 action[64], actor[24], since_in[64], since[21];
	bool			 has_action, has_actor, has_since;
	int64_t			 limit, offset, actor_id = 0, total = 0;
	struct db_stmt		*st;
	cJSON			*items;
	char			*end;
	size_t			 i;

	if (api_page(req, &limit, &offset) == -1)
		return -1;
	if (http_query(req, "action", action, sizeof(action)) == -2 ||
	    http_query(req, "actor_id", actor, sizeof(actor)) == -2 ||
	    http_query(req, "since", since_in, sizeof(since_in)) == -2)
		return http_reply_error(req, 422, "validation_failed",
		    "a query parameter is too long");
	has_action = http_query(req, "action", action, sizeof(action)) >= 0;
	has_actor = http_query(req, "actor_id", actor, sizeof(actor)) >= 0;
	has_since = http_query(req, "since", since_in, sizeof(since_in)) >= 0;
	if (has_actor && ((actor_id = strtoll(actor, &end, 10)) <= 0 ||
	    *end != '\0'))
		return http_reply_field_error(req, 422, "validation_failed",
		    "invalid query parameter", "actor_id", "type",
		    "must be a positive integer");
	if (has_since && parse_since(since_in, since) == -1)
		return http_reply_field_error(req, 422, "validation_failed",
		    "invalid query parameter", "since", "type",
		    "must be an RFC 3339 time");
	items = cJSON_CreateArray();
	for (i = 0; i < nitems(sqls); i++) {
		if ((st = db_prepare(sqls[i])) == NULL) {
			cJSON_Delete(items);
			return api_internal(req);
		}
		if (org_id != 0)
			db_bind_int(st, 1, org_id);
		if (has_action)
			db_bind_text(st, 2, action);
		if (has_actor)
			db_bind_int(st, 3, actor_id);
		if (has_since)
			db_bind_text(st, 4, since);
		if (i == 0) {
			if (db_step(st) == DB_ROW)
				total = db_col_int(st, 0);
		} else {
			db_bind_int(st, 5, limit);
			db_bind_int(st, 6, offset);
			while (db_step(st) == DB_ROW)
				cJSON_AddItemToArray(items, entry_json(st));
		}
		db_reset(st);
	}
	return http_reply_json(req, 200, api_page_new(items, total, limit,
	    offset));
}

static int
system_audit(struct http_req *req)
{
	if (!http_subject(req)->su_is_admin)
		return api_forbidden(req, "audit.read", 0,
		    "system admins only");
	return api_audit_list(req, 0);
}

static const struct http_route routes[] = {
	{ .rt_methods = HTTP_GET, .rt_path = "/api/v1/audit",
	  .rt_handler = system_audit },
};

int
api_audit_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
