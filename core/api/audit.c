/*
 * audit endpoints: GET /api/v1/audit shows system admins the entries
 * that belong to no organization (logins, user and organization
 * administration), filtered and paged. Organizations' entries are listed
 * under their own /api/v1/orgs/{org}/audit with audit:read.
 */
#include <ctype.h>
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
parse_time(const char *s, char out[21])
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
	else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && p[3] == ':' &&
	    isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5]) &&
	    p[6] == '\0') {
		/* exactly "+hh:mm": sscanf's %2d would take " 5" or "-1" */
		hh = (p[1] - '0') * 10 + (p[2] - '0');
		mm = (p[4] - '0') * 10 + (p[5] - '0');
		sign = *p == '+' ? 1 : -1;
		t -= sign * (hh * 3600 + mm * 60);
	} else
		return -1;
	time_rfc3339((int64_t)t, out);
	return 0;
}

/* The filters both listings take, in the order of their SQL parameters. */
#define FILTERS \
	"WHERE org_id IS ?1 " \
	"AND (?2 IS NULL OR action = ?2) " \
	"AND (?3 IS NULL OR actor_id = ?3) " \
	"AND (?4 IS NULL OR ts >= ?4) " \
	"AND (?5 IS NULL OR ts <= ?5) " \
	"AND (?6 IS NULL OR outcome = ?6) " \
	"AND (?7 IS NULL OR request_id = ?7) " \
	"AND (?8 IS NULL OR resource_type = ?8) " \
	"AND (?9 IS NULL OR resource_id = ?9) "

/* Text filters bound as they come, ?2 and ?6 to ?9. */
static const struct {
	const char	*name;
	int		 param;
} text_filters[] = {
	{ "action", 2 }, { "outcome", 6 }, { "request_id", 7 },
	{ "resource_type", 8 }, { "resource_id", 9 }
};

#define OUTCOME	1	/* text_filters' index of outcome */

/* What a listing asks for, checked; NULL members are absent. */
struct audit_query {
	char		 aq_text[nitems(text_filters)][129];
	bool		 aq_has_text[nitems(text_filters)];
	int64_t		 aq_actor;		/* 0: any */
	char		 aq_since[21], aq_until[21];	/* "": none */
};

static int
bad_param(struct http_req *req, const char *name, const char *code,
    const char *message)
{
	return http_reply_field_error(req, 422, "validation_failed",
	    "invalid query parameter", name, code, message);
}

/* A time filter into out ("" when absent); -1 once answered. */
static int
time_filter(struct http_req *req, const char *name, char out[21])
{
	char	 in[64];
	int	 n = http_query(req, name, in, sizeof(in));

	out[0] = '\0';
	if (n == -1)
		return 0;
	if (n == -2 || parse_time(in, out) == -1)
		return bad_param(req, name, "type", "must be an RFC 3339 time");
	return 0;
}

/* Reads and checks the query's filters into q; -1 once answered. */
static int
audit_query(struct http_req *req, struct audit_query *q)
{
	char	 actor[24], *end;
	size_t	 i;
	int	 n;

	/* the pipeline refused what API_AUDIT_QUERY does not name */
	memset(q, 0, sizeof(*q));
	for (i = 0; i < nitems(text_filters); i++) {
		n = http_query(req, text_filters[i].name, q->aq_text[i],
		    sizeof(q->aq_text[i]));
		if (n == -2)
			return bad_param(req, text_filters[i].name, "max_len",
			    "is longer than 128 characters");
		q->aq_has_text[i] = n >= 0;
	}
	if (q->aq_has_text[OUTCOME] &&
	    strcmp(q->aq_text[OUTCOME], "success") != 0 &&
	    strcmp(q->aq_text[OUTCOME], "denied") != 0 &&
	    strcmp(q->aq_text[OUTCOME], "failure") != 0)
		return bad_param(req, "outcome", "enum",
		    "must be success, denied or failure");
	if ((n = http_query(req, "actor_id", actor, sizeof(actor))) != -1 &&
	    (n == -2 || (q->aq_actor = strtoll(actor, &end, 10)) <= 0 ||
	    *end != '\0'))
		return bad_param(req, "actor_id", "type",
		    "must be a positive integer");
	if (time_filter(req, "since", q->aq_since) == -1 ||
	    time_filter(req, "until", q->aq_until) == -1)
		return -1;
	return 0;
}

static void
bind_query(struct db_stmt *st, int64_t org_id, const struct audit_query *q)
{
	size_t	 i;

	if (org_id != 0)
		db_bind_int(st, 1, org_id);
	for (i = 0; i < nitems(text_filters); i++)
		if (q->aq_has_text[i])
			db_bind_text(st, text_filters[i].param, q->aq_text[i]);
	if (q->aq_actor != 0)
		db_bind_int(st, 3, q->aq_actor);
	if (q->aq_since[0] != '\0')
		db_bind_text(st, 4, q->aq_since);
	if (q->aq_until[0] != '\0')
		db_bind_text(st, 5, q->aq_until);
}

int
api_audit_list(struct http_req *req, int64_t org_id)
{
	static const char	 count_sql[] = "SELECT count(*) FROM audit_log "
				    FILTERS;
	static const char	 page_sql[] = "SELECT id, ts, actor_type, "
				    "actor_id, org_id, action, resource_type, "
				    "resource_id, outcome, ip, request_id, "
				    "details, prev_hash, hash FROM audit_log "
				    FILTERS
				    "ORDER BY id DESC LIMIT ?10 OFFSET ?11";
	const char		*sqls[] = { count_sql, page_sql };
	struct audit_query	 q;
	int64_t			 limit, offset, total = 0;
	struct db_stmt		*st;
	cJSON			*items;
	size_t			 i;

	if (audit_query(req, &q) == -1 || api_page(req, &limit, &offset) == -1)
		return -1;
	items = cJSON_CreateArray();
	for (i = 0; i < nitems(sqls); i++) {
		if ((st = db_prepare(sqls[i])) == NULL) {
			cJSON_Delete(items);
			return api_internal(req);
		}
		bind_query(st, org_id, &q);
		if (i == 0) {
			if (db_step(st) == DB_ROW)
				total = db_col_int(st, 0);
		} else {
			db_bind_int(st, 10, limit);
			db_bind_int(st, 11, offset);
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
	  .rt_handler = system_audit,
	  .rt_summary = "Audit entries, also of no organization (system "
	    "admins)", .rt_query = API_AUDIT_QUERY,
	  .rt_reply = API_AUDIT_PAGE },
};


int
api_audit_register(struct erp_err *err)
{
	return api_routes_add(routes, nitems(routes), err);
}
