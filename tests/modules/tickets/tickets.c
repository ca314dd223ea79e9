/*
 * tickets: a fixture module with one declared resource that uses every
 * part of a declaration: bounds, a default, an enum state moved by
 * transitions, a computed field (compute hook), a reference to a product,
 * filters, sorting, search, and a check hook with a side effect inside
 * the transaction. GET /tickets-log shows what the check hook wrote.
 */
#include <string.h>

#include <erp/module.h>

static const char *const states[] = { "open", "working", "closed", NULL };
static const char *const from_open[] = { "open", NULL };
static const char *const from_any[] = { "open", "working", NULL };

static const struct erp_field fields[] = {
	{ .name = "title", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_REQUIRED | ERP_FIELD_SEARCH | ERP_FIELD_SORT |
	  ERP_FIELD_MIN | ERP_FIELD_MAX, .min = 1, .max = 100 },
	{ .name = "product_id", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_NULLABLE | ERP_FIELD_FILTER, .ref = "product" },
	{ .name = "priority", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_SORT | ERP_FIELD_FILTER | ERP_FIELD_MIN | ERP_FIELD_MAX,
	  .min = 1, .max = 5, .def = "3" },
	{ .name = "status", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_COMPUTED | ERP_FIELD_FILTER, .enums = states,
	  .def = "\"open\"" },
	{ .name = "score", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_COMPUTED | ERP_FIELD_SORT },
	{ .name = NULL }
};

static const struct erp_transition moves[] = {
	{ "start", from_open, "working", "ticket:start" },
	{ "close", from_any, "closed", "ticket:close" },
	{ NULL }
};

/* score = priority * 10, so the policy decides on a computed field. */
static int
ticket_compute(struct erp_req *r, cJSON *rec, const cJSON *before)
{
	int64_t	 p = 0;

	if (erp_json_get_int(cJSON_GetObjectItemCaseSensitive(rec,
	    "priority"), &p) == -1)
		return erp_fail(r, ERP_E_VALIDATION, "priority",
		    "must be an integer");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "score");
	erp_json_int(rec, "score", p * 10);
	return 0;
}

/* A title "locked" cannot be closed; every check leaves a log row. */
static int
ticket_check(struct erp_req *r, cJSON *rec, const cJSON *before)
{
	static const char	 sql[] = "INSERT INTO tickets_log (org_id, "
				    "what) VALUES (?, ?)";
	struct erp_sql		*st;
	const char		*what = rec == NULL ? "delete" : before == NULL ?
				    "create" : cJSON_GetStringValue(
				    cJSON_GetObjectItemCaseSensitive(rec,
				    "status"));
	int			 rc;

	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "tickets: log");
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_text(st, 2, what);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "tickets: log");
	if (rec != NULL && what != NULL && strcmp(what, "closed") == 0 &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec,
	    "title")), "locked") == 0)
		return erp_fail(r, ERP_E_CONFLICT, "title",
		    "a locked ticket stays open");
	return 0;
}

/* GET /tickets-log: what the check hook wrote and kept. */
static int
tickets_log(struct erp_req *r)
{
	static const char	 sql[] = "SELECT what FROM tickets_log "
				    "WHERE org_id = ? ORDER BY rowid";
	struct erp_sql		*st;
	cJSON			*a = cJSON_CreateArray();

	if ((st = erp_sql(r, sql)) == NULL) {
		cJSON_Delete(a);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "tickets: log");
	}
	erp_host->sql_int(st, 1, erp_host->org(r));
	while (erp_host->sql_step(st) == ERP_SQL_ROW)
		cJSON_AddItemToArray(a, cJSON_CreateString(
		    erp_host->sql_col_text(st, 0)));
	erp_host->sql_reset(st);
	return erp_reply_json(r, 200, a);
}

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/tickets-log",
	  .permission = "ticket:read", .handler = tickets_log },
	ERP_ROUTE_END
};

static const struct erp_resource resources[] = {
	{ .type = "ticket", .path = "/tickets", .table = "tickets",
	  .fields = fields, .state = "status", .transitions = moves,
	  .compute = ticket_compute, .check = ticket_check },
	ERP_RESOURCE_END
};

/* Exported to the modules that depend on this one (ticket_watch). */
static int64_t
title_max(void)
{
	return fields[0].max;
}

static const struct erp_export exports[] = {
	{ "tickets_title_max", (erp_fn)title_max },
	{ NULL, NULL }
};

static const struct erp_depend depends[] = {
	{ "products", "1.1" },
	{ NULL, NULL }
};

extern const struct erp_migration tickets_migrations[];

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "tickets",
	.version = "1.0.0",
	.depends = depends,
	.routes = routes,
	.resources = resources,
	.migrations = tickets_migrations,
	.exports = exports,
};
