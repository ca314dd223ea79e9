/*
 * notes: a sample erpd feature module, a place to start your own. Notes
 * of an organization under /api/v1/orgs/{org}/notes; the host checks the
 * caller, the membership, the permission and the body before any handler
 * here runs, and commits what a handler wrote together with its audit.
 */
#include <stdio.h>
#include <time.h>

#include <erp/module.h>

#define COLUMNS	"id, title, body, created_at, updated_at"

/*
 * The policy fragment, run after the base policy in its environment while
 * roles and schemas are still plain tables. The base roles know nothing of
 * note:*, so the fragment grants them; admin holds "*" already. schemas.note
 * is what the host validates POST bodies against (the route's .schema).
 */
static const char policy[] =
    "schemas.note = {\n"
    "  title = { type = 'string', required = true, min_len = 1,\n"
    "    max_len = 200 },\n"
    "  body = { type = 'string', max_len = 10000 },\n"
    "}\n"
    "table.insert(roles.manager, 'note:*')\n"
    "table.insert(roles.clerk, 'note:read')\n"
    "table.insert(roles.clerk, 'note:create')\n"
    "table.insert(roles.viewer, 'note:read')\n"
    "table.insert(tests, function()\n"
    "  local viewer = { id = 1, kind = 'user', role = 'viewer' }\n"
    "  expect_allow(viewer, 'note:read', { type = 'note' })\n"
    "  expect_deny(viewer, 'note:create', { type = 'note' })\n"
    "end)\n";

/* The row at the statement's cursor (COLUMNS) as the API's JSON. */
static cJSON *
row_json(struct erp_sql *st)
{
	cJSON	*o = cJSON_CreateObject();

	erp_json_int(o, "id", erp_host->sql_col_int(st, 0));
	cJSON_AddStringToObject(o, "title",
	    erp_host->sql_col_text(st, 1));
	cJSON_AddStringToObject(o, "body",
	    erp_host->sql_col_text(st, 2));
	cJSON_AddStringToObject(o, "created_at",
	    erp_host->sql_col_text(st, 3));
	cJSON_AddStringToObject(o, "updated_at",
	    erp_host->sql_col_text(st, 4));
	return o;
}

/*
 * The loader of /notes/{id}: the note of this organization, for the
 * policy's resource and the handler. Another organization's note is
 * "no such record" (0): the host answers 404 before the policy runs.
 */
static int
note_load(struct erp_req *r, cJSON **attrs)
{
	static const char	 sql[] = "SELECT " COLUMNS " FROM notes "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	int64_t			 id = erp_host->param_id(r, "id");
	int			 rc;

	if (id <= 0)
		return 0;
	if ((st = erp_sql(r, sql)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	if ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW)
		*attrs = row_json(st);
	erp_host->sql_reset(st);
	if (rc == ERP_SQL_ROW)
		return 1;
	return rc == ERP_SQL_DONE ? 0 : -1;
}

/* GET /notes/{id}: the loader found it, the policy allowed it. */
static int
note_get(struct erp_req *r)
{
	return erp_reply_json(r, 200, cJSON_Duplicate(erp_host->attrs(r), 1));
}

/* GET /notes?limit=&offset=: a page of this organization's notes. */
static int
note_list(struct erp_req *r)
{
	static const char	 count_sql[] = "SELECT count(*) FROM notes "
				    "WHERE org_id = ?";
	static const char	 page_sql[] = "SELECT " COLUMNS " FROM notes "
				    "WHERE org_id = ? ORDER BY id "
				    "LIMIT ? OFFSET ?";
	struct erp_sql		*st;
	cJSON			*items;
	int64_t			 limit, offset, total = 0;

	if (erp_host->page(r, &limit, &offset) == -1)
		return -1;		/* the host answered 422 */
	if ((st = erp_sql(r, count_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "notes: count");
	erp_host->sql_int(st, 1, erp_host->org(r));
	if (erp_host->sql_step(st) == ERP_SQL_ROW)
		total = erp_host->sql_col_int(st, 0);
	erp_host->sql_reset(st);
	if ((st = erp_sql(r, page_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "notes: list");
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_int(st, 2, limit);
	erp_host->sql_int(st, 3, offset);
	items = cJSON_CreateArray();
	while (erp_host->sql_step(st) == ERP_SQL_ROW)
		cJSON_AddItemToArray(items, row_json(st));
	erp_host->sql_reset(st);
	return erp_reply_json(r, 200, erp_page(items, total, limit, offset));
}

/* Answers the note with id as it is now. */
static int
reply_note(struct erp_req *r, int status, int64_t id)
{
	static const char	 sql[] = "SELECT " COLUMNS " FROM notes "
				    "WHERE id = ?";
	struct erp_sql		*st;
	cJSON			*o = NULL;

	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "notes: read");
	erp_host->sql_int(st, 1, id);
	if (erp_host->sql_step(st) == ERP_SQL_ROW)
		o = row_json(st);
	erp_host->sql_reset(st);
	if (o == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "notes: vanished");
	return erp_reply_json(r, status, o);
}

/*
 * POST /notes: the body passed schemas.note already (unknown fields, id,
 * org_id and timestamps were refused with 422). The insert and the audit
 * entry commit together after the reply; an error reply rolls both back.
 */
static int
note_create(struct erp_req *r)
{
	static const char	 sql[] = "INSERT INTO notes (org_id, title, "
				    "body, created_at, updated_at) "
				    "VALUES (?, ?, ?, ?, ?)";
	const cJSON		*b = erp_host->body(r);
	const cJSON		*title, *text;
	struct erp_sql		*st;
	cJSON			*details;
	char			 now[21];
	int64_t			 id;
	int			 rc;

	/* a POST without any body skips the schema: title is still needed */
	title = cJSON_GetObjectItemCaseSensitive(b, "title");
	if (!cJSON_IsString(title))
		return erp_fail(r, ERP_E_VALIDATION, "title", "required");
	text = cJSON_GetObjectItemCaseSensitive(b, "body");
	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "notes: insert");
	erp_host->time_text(erp_host->now(), now);
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_text(st, 2, title->valuestring);
	erp_host->sql_text(st, 3, cJSON_IsString(text) ? text->valuestring : "");
	erp_host->sql_text(st, 4, now);
	erp_host->sql_text(st, 5, now);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "notes: insert");
	id = erp_host->last_insert_id(r);
	details = cJSON_CreateObject();
	cJSON_AddStringToObject(details, "title", title->valuestring);
	rc = erp_audit(r, "note.create", "note", id, details);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "notes: audit");
	return reply_note(r, 201, id);
}

/* Every route names its permission; none is public. */
static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/notes",
	  .permission = "note:read", .handler = note_list },
	{ .method = ERP_POST, .path = "/notes",
	  .permission = "note:create", .schema = "note",
	  .handler = note_create },
	{ .method = ERP_GET, .path = "/notes/{id}",
	  .permission = "note:read", .load = note_load,
	  .handler = note_get },
	ERP_ROUTE_END
};

/* Generated by erp_add_module from migrations/NNNN_*.sql. */
extern const struct erp_migration notes_migrations[];

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "notes",
	.version = "2.0.0",
	.routes = routes,
	.migrations = notes_migrations,
	.policy = policy,
};
