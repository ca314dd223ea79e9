/*
 * ticket_watch: a fixture module between modules. It depends on tickets,
 * imports a function tickets exports, and subscribes to ticket.closed
 * and order.confirmed, which the host delivers after the request that
 * emitted committed. GET /watch answers what it heard and what the
 * imported function says.
 */
#include <erp/module.h>

static int64_t	(*tickets_title_max)(void);

/* Notes what was heard in this module's own table. 0 or -1. */
static int
heard(struct erp_req *r, const char *what)
{
	static const char	 sql[] = "INSERT INTO watch_log (org_id, title) "
				    "VALUES (?, ?)";
	struct erp_sql		*st;
	int			 rc;

	if ((st = erp_sql(r, sql)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_text(st, 2, what);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	return rc == ERP_SQL_DONE ? 0 : -1;
}

/* ticket.closed: the ticket's title. */
static int
on_closed(struct erp_req *r, const char *event, const cJSON *ticket)
{
	return heard(r, cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(ticket, "title")));
}

/* order.confirmed, when orders is loaded: "order <id>". */
static int
on_order(struct erp_req *r, const char *event, const cJSON *order)
{
	int64_t	 id = 0;
	char	 what[48];

	erp_json_get_int(cJSON_GetObjectItemCaseSensitive(order, "id"), &id);
	snprintf(what, sizeof(what), "order %lld", (long long)id);
	return heard(r, what);
}

static int
watch_get(struct erp_req *r)
{
	static const char	 sql[] = "SELECT title FROM watch_log "
				    "WHERE org_id = ? ORDER BY rowid";
	struct erp_sql		*st;
	cJSON			*o = cJSON_CreateObject(), *a;

	a = cJSON_AddArrayToObject(o, "heard");
	if ((st = erp_sql(r, sql)) == NULL) {
		cJSON_Delete(o);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "watch: read");
	}
	erp_host->sql_int(st, 1, erp_host->org(r));
	while (erp_host->sql_step(st) == ERP_SQL_ROW)
		cJSON_AddItemToArray(a, cJSON_CreateString(
		    erp_host->sql_col_text(st, 0)));
	erp_host->sql_reset(st);
	erp_json_int(o, "title_max", tickets_title_max());
	return erp_reply_json(r, 200, o);
}

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/watch",
	  .permission = "ticket:read", .handler = watch_get },
	ERP_ROUTE_END
};

static const struct erp_depend depends[] = {
	{ "tickets", "1.0" },
	{ NULL, NULL }
};

static const struct erp_import imports[] = {
	{ "tickets", "tickets_title_max", (erp_fn *)&tickets_title_max },
	{ NULL, NULL, NULL }
};

static const struct erp_subscription subscriptions[] = {
	{ "ticket.closed", on_closed },
	{ "order.confirmed", on_order },
	{ NULL, NULL }
};

extern const struct erp_migration ticket_watch_migrations[];

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "ticket_watch",
	.version = "1.0.0",
	.depends = depends,
	.routes = routes,
	.migrations = ticket_watch_migrations,
	.imports = imports,
	.subscriptions = subscriptions,
};
