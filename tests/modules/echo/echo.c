/*
 * echo: a well-formed fixture module that reports what it saw. Its loader
 * and handler record whether membership, the body's parse, the load and
 * the transaction came before them, and its policy fragment denies
 * echo:create unless the load ran first, so test_loader.py can prove the
 * host's pipeline order from outside. It also probes the SQL authorizer,
 * and lists a page through the host whose statements fail on demand.
 */
#include <stdatomic.h>
#include <string.h>

#include <erp/module.h>

/* How often the loader and the create handler ran (all threads). */
static atomic_long	 loads;
static atomic_long	 handled;

/*
 * The schema of an echo, the permissions of the base roles on echoes, and
 * an allow() that refuses echo:create when the record was not loaded
 * first and echo:update unless the loaded integer reached the policy.
 */
static const char policy[] =
    "schemas.echo = {\n"
    "  message = { type = 'string', required = true, min_len = 1,\n"
    "    max_len = 40 },\n"
    "  count = { type = 'integer', min = 0, max = 10 },\n"
    "}\n"
    "table.insert(roles.manager, 'echo:*')\n"
    "table.insert(roles.viewer, 'echo:read')\n"
    "local allow_before_echo = allow\n"
    "function allow(subject, action, resource, context)\n"
    "  if action == 'echo:create' and resource.loaded ~= true then\n"
    "    return false, 'echo: allow ran before the load'\n"
    "  end\n"
    "  if action == 'echo:update' and (resource.n ~= 7 or\n"
    "      resource.n_number ~= 7) then\n"
    "    return false, 'echo: the policy saw n = ' ..\n"
    "      tostring(resource.n) .. ', n_number = ' ..\n"
    "      tostring(resource.n_number)\n"
    "  end\n"
    "  return allow_before_echo(subject, action, resource, context)\n"
    "end\n"
    "table.insert(tests, function()\n"
    "  local s = { id = 1, kind = 'user', role = 'manager' }\n"
    "  expect_allow(s, 'echo:create', { type = 'echo', loaded = true })\n"
    "  expect_deny(s, 'echo:create', { type = 'echo' })\n"
    "end)\n";

/*
 * Returns: the state of this request's connection, "none", "read" or
 * "write" (a write route's load and handler should both see "write").
 */
static const char *
txn(struct erp_req *r)
{
	switch (erp_host->tx(r)) {
	case ERP_TX_NONE:
		return "none";
	case ERP_TX_READ:
		return "read";
	case ERP_TX_WRITE:
		return "write";
	default:
		return "unknown";
	}
}

/* What a step saw of the steps before it. */
static cJSON *
seen(struct erp_req *r)
{
	const char	*role = erp_host->role(r);
	cJSON		*o = cJSON_CreateObject();

	if (role != NULL)
		cJSON_AddStringToObject(o, "role", role);
	else
		cJSON_AddNullToObject(o, "role");
	erp_json_int(o, "org", erp_host->org(r));
	erp_json_int(o, "subject", erp_host->subject_id(r));
	cJSON_AddBoolToObject(o, "body", erp_host->body(r) != NULL);
	cJSON_AddStringToObject(o, "txn", txn(r));
	return o;
}

/* The "record" of POST /echo: nothing stored, only what the load saw. */
static int
echo_load(struct erp_req *r, cJSON **attrs)
{
	cJSON	*o = seen(r);

	cJSON_AddBoolToObject(o, "loaded", 1);
	cJSON_AddNumberToObject(o, "seq", (double)(atomic_fetch_add(&loads,
	    1) + 1));
	*attrs = o;
	return 1;
}

static int
echo_create(struct erp_req *r)
{
	static const char	 sql[] = "INSERT INTO echo_log (org_id, "
				    "message) VALUES (?, ?)";
	const cJSON		*b = erp_host->body(r);
	const cJSON		*msg = cJSON_GetObjectItemCaseSensitive(b,
				    "message");
	struct erp_sql		*st;
	cJSON			*o;
	int64_t			 id;
	int			 rc;

	atomic_fetch_add(&handled, 1);
	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "echo: insert");
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_text(st, 2, cJSON_IsString(msg) ? msg->valuestring : "");
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "echo: insert");
	id = erp_host->last_insert_id(r);
	if (erp_audit(r, "echo.create", "echo", id, NULL) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "echo: audit");
	/* the row and the audit entry were written: the host must undo both */
	if (cJSON_IsString(msg) && strcmp(msg->valuestring, "rollback") == 0)
		return erp_fail(r, ERP_E_CONFLICT, "message",
		    "rolled back on purpose");
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "loaded", cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(erp_host->attrs(r), "loaded")));
	cJSON_AddItemToObject(o, "body", b != NULL ? cJSON_Duplicate(b, 1) :
	    cJSON_CreateNull());
	cJSON_AddItemToObject(o, "load", cJSON_Duplicate(erp_host->attrs(r),
	    1));
	cJSON_AddItemToObject(o, "handler", seen(r));
	erp_json_int(o, "id", id);
	return erp_reply_json(r, 200, o);
}

/* GET /echo/seen: the counters, and the rows this organization kept. */
static int
echo_seen(struct erp_req *r)
{
	static const char	 sql[] = "SELECT count(*) FROM echo_log "
				    "WHERE org_id = ?";
	struct erp_sql		*st;
	cJSON			*o;
	int64_t			 rows = -1;

	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "echo: count");
	erp_host->sql_int(st, 1, erp_host->org(r));
	if (erp_host->sql_step(st) == ERP_SQL_ROW)
		rows = erp_host->sql_col_int(st, 0);
	erp_host->sql_reset(st);
	o = cJSON_CreateObject();
	erp_json_int(o, "loads", atomic_load(&loads));
	erp_json_int(o, "handled", atomic_load(&handled));
	erp_json_int(o, "rows", rows);
	return erp_reply_json(r, 200, o);
}

/*
 * Statements a module might try; each is only prepared (never stepped),
 * and the reply says which ones the host refused.
 */
static const char *const probes[] = {
	"SELECT 1",
	"SELECT count(*) FROM echo_log",
	"INSERT INTO echo_log (org_id, message) VALUES (0, 'x')",
	"PRAGMA user_version",
	"PRAGMA foreign_keys = OFF",
	"PRAGMA main.journal_mode = DELETE",
	"ATTACH DATABASE ':memory:' AS other",
	"DETACH DATABASE main",
	"BEGIN",
	"BEGIN IMMEDIATE",
	"COMMIT",
	"ROLLBACK",
	"SAVEPOINT echo",
	"RELEASE echo",
	"CREATE TABLE echo_extra (x INTEGER)",
	"CREATE TEMP TABLE echo_temp (x INTEGER)",
	"CREATE INDEX echo_idx ON echo_log (message)",
	"CREATE VIEW echo_view AS SELECT 1",
	"CREATE TRIGGER echo_trg AFTER INSERT ON echo_log BEGIN "
	    "SELECT 1; END",
	"ALTER TABLE echo_log ADD COLUMN extra TEXT",
	"DROP TABLE echo_log",
	"ANALYZE",
	"REINDEX",
	"SELECT 1; SELECT 2",
	NULL
};

/* GET /echo/sql: {"<statement>": "prepared" | "refused"}. */
static int
echo_sql(struct erp_req *r)
{
	cJSON	*o = cJSON_CreateObject();
	size_t	 i;

	for (i = 0; probes[i] != NULL; i++)
		cJSON_AddStringToObject(o, probes[i],
		    erp_sql(r, probes[i]) != NULL ? "prepared" : "refused");
	return erp_reply_json(r, 200, o);
}

/* A row of GET /echo/page: {"n": <its first column>}. */
static cJSON *
page_row(struct erp_sql *st)
{
	cJSON	*o = cJSON_CreateObject();

	erp_json_int(o, "n", erp_host->sql_col_int(st, 0));
	return o;
}

/*
 * GET /echo/page: rows 1 and 2 through reply_page, unless ?fail= names
 * what goes wrong: "count" (its statement fails), "none" (it gives no
 * row) or "rows" (the second row fails, after the first was read). The
 * failures are abs() of the smallest integer, an overflow SQLite reports
 * at step time, not at prepare.
 */
static int
echo_page(struct erp_req *r)
{
	static const char	 count_sql[] = "SELECT 2 + 0 * abs(?) "
				    "WHERE ? = 0";
	static const char	 rows_sql[] = "SELECT n FROM (SELECT 1 AS n "
				    "UNION ALL SELECT 2 + 0 * abs(?)) "
				    "LIMIT ? OFFSET ?";
	struct erp_sql		*count, *rows;
	char			 fail[8] = "";

	erp_host->query(r, "fail", fail, sizeof(fail));
	count = erp_sql(r, count_sql);
	rows = erp_sql(r, rows_sql);
	if (count != NULL) {
		erp_host->sql_int(count, 1, strcmp(fail, "count") == 0 ?
		    INT64_MIN : 0);
		erp_host->sql_int(count, 2, strcmp(fail, "none") == 0);
	}
	if (rows != NULL)
		erp_host->sql_int(rows, 1, strcmp(fail, "rows") == 0 ?
		    INT64_MIN : 0);
	return erp_host->reply_page(r, count, rows, page_row);
}

/* POST /echo/int's record: 7 twice, as erp_json_int and as a number. */
static int
echo_load_int(struct erp_req *r, cJSON **attrs)
{
	cJSON	*o = cJSON_CreateObject();

	erp_json_int(o, "n", 7);
	cJSON_AddNumberToObject(o, "n_number", 7);
	*attrs = o;
	return 1;
}

static int
echo_int(struct erp_req *r)
{
	return erp_reply_json(r, 200, cJSON_Duplicate(erp_host->attrs(r), 1));
}

/* A public route and a system route: what reached their handlers. */
static int
echo_open(struct erp_req *r)
{
	const cJSON	*b = erp_host->body(r);
	cJSON		*o = seen(r);

	cJSON_AddItemToObject(o, "echo", b != NULL ? cJSON_Duplicate(b, 1) :
	    cJSON_CreateNull());
	return erp_reply_json(r, 200, o);
}

static const struct erp_route routes[] = {
	{ .method = ERP_POST, .path = "/echo",
	  .permission = "echo:create", .schema = "echo",
	  .load = echo_load, .handler = echo_create },
	{ .method = ERP_GET, .path = "/echo/seen",
	  .permission = "echo:read", .handler = echo_seen },
	{ .method = ERP_GET, .path = "/echo/sql",
	  .permission = "echo:read", .handler = echo_sql },
	{ .method = ERP_GET, .path = "/echo/page",
	  .permission = "echo:read", .handler = echo_page,
	  .query = "{limit?: integer, offset?: integer, fail?: string}" },
	{ .method = ERP_POST, .path = "/echo/int",
	  .permission = "echo:update", .load = echo_load_int,
	  .handler = echo_int },
	{ .method = ERP_POST, .path = "/echo/public",
	  .flags = ERP_ROUTE_PUBLIC, .schema = "echo",
	  .handler = echo_open },
	{ .method = ERP_POST, .path = "/api/v1/echo-system",
	  .flags = ERP_ROUTE_SYSTEM, .permission = "echo:admin",
	  .schema = "echo", .handler = echo_open },
	ERP_ROUTE_END
};

extern const struct erp_migration echo_migrations[];

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "echo",
	.version = "1.0.0",
	.routes = routes,
	.migrations = echo_migrations,
	.policy = policy,
};
