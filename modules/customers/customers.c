/*
 * customers: the organization's customers. CRUD under
 * /api/v1/orgs/{org}/customers, each action its own permission; the body
 * rules live in the policy fragment below. Orders refer to customers, so
 * one that has orders cannot be deleted (409).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <erp/module.h>

ERP_HOST_DEFINE;

#define COLUMNS	"id, name, email, vat_id, address, created_at, updated_at"

static const char policy[] =
    "schemas.customer = {\n"
    "  name = { type = 'string', required = true, min_len = 1,\n"
    "    max_len = 200 },\n"
    "  email = { type = 'string', max_len = 254, nullable = true,\n"
    "    pattern = '^[^%s@]+@[^%s@]+%.[^%s@]+$' },\n"
    "  vat_id = { type = 'string', max_len = 32, nullable = true,\n"
    "    label = 'VAT ID' },\n"
    "  address = { type = 'string', max_len = 500, nullable = true },\n"
    "}\n";

/* The fields a body may set, in column order after id. */
static const char *const fields[] = { "name", "email", "vat_id", "address" };
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

static void
add_text(cJSON *o, const char *name, struct erp_sql *st, int col)
{
	const char	*s = erp_host->sql_col_text(st, col);

	if (s != NULL)
		cJSON_AddStringToObject(o, name, s);
	else
		cJSON_AddNullToObject(o, name);
}

/*
 * The row at the statement's cursor as JSON. exact: the id printed as an
 * exact integer (for replies); else a plain number, which is what the
 * policy's resource can read.
 */
static cJSON *
row_json(struct erp_sql *st, int exact)
{
	cJSON	*o = cJSON_CreateObject();
	size_t	 i;

	if (exact)
		erp_json_int(o, "id", erp_host->sql_col_int(st, 0));
	else
		cJSON_AddNumberToObject(o, "id",
		    (double)erp_host->sql_col_int(st, 0));
	for (i = 0; i < NFIELDS; i++)
		add_text(o, fields[i], st, (int)i + 1);
	add_text(o, "created_at", st, 5);
	add_text(o, "updated_at", st, 6);
	return o;
}

/*
 * The customer with id of this organization as it is now (exact as for
 * row_json), or NULL with *rc ERP_SQL_DONE when there is none.
 */
static cJSON *
customer_read(struct erp_req *r, int64_t id, int exact, int *rc)
{
	static const char	 sql[] = "SELECT " COLUMNS " FROM customers "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	cJSON			*o = NULL;

	*rc = ERP_SQL_ERROR;
	if ((st = erp_sql(r, sql)) == NULL)
		return NULL;
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	if ((*rc = erp_host->sql_step(st)) == ERP_SQL_ROW)
		o = row_json(st, exact);
	erp_host->sql_reset(st);
	return o;
}

/* Loads {id} of this organization: the policy's resource attributes. */
static int
customer_load(struct erp_req *r, cJSON **attrs)
{
	int64_t	 id = erp_host->param_id(r, "id");
	int	 rc;

	if (id <= 0)
		return 0;
	if ((*attrs = customer_read(r, id, 0, &rc)) != NULL)
		return 1;
	return rc == ERP_SQL_DONE ? 0 : -1;
}

/* Answers the customer with id of this organization as it is now. */
static int
reply_customer(struct erp_req *r, int status, int64_t id)
{
	cJSON	*o;
	int	 rc;

	if ((o = customer_read(r, id, 1, &rc)) != NULL)
		return erp_reply_json(r, status, o);
	if (rc == ERP_SQL_DONE)
		return erp_fail(r, ERP_E_NOT_FOUND, NULL,
		    "no such record in this organization");
	return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: read");
}

/*
 * The record was loaded and judged before the handler's transaction
 * began; re-read it under the write lock, and if it changed meanwhile,
 * ask the policy again with what is there now. Returns: the record
 * (caller frees), or NULL with the failure sent (*status).
 */
static cJSON *
customer_recheck(struct erp_req *r, const char *permission, int *status)
{
	cJSON	*cur;
	int	 rc;

	cur = customer_read(r, erp_host->param_id(r, "id"), 0, &rc);
	if (cur == NULL) {
		*status = rc == ERP_SQL_DONE ? erp_fail(r, ERP_E_NOT_FOUND,
		    NULL, "no such record in this organization") :
		    erp_fail(r, ERP_E_INTERNAL, NULL, "customers: read");
		return NULL;
	}
	if (!cJSON_Compare(cur, erp_host->attrs(r), 1) &&
	    !erp_host->allowed(r, permission, cur)) {
		cJSON_Delete(cur);
		*status = erp_fail(r, ERP_E_FORBIDDEN, NULL, "the customer "
		    "changed meanwhile and the policy denies this now");
		return NULL;
	}
	return cur;
}

static int
customer_get(struct erp_req *r)
{
	return reply_customer(r, 200, erp_host->param_id(r, "id"));
}

static int
customer_list(struct erp_req *r)
{
	static const char	 count_sql[] = "SELECT count(*) FROM customers "
				    "WHERE org_id = ?1 AND (?2 IS NULL OR "
				    "instr(lower(name), lower(?2)) > 0 OR "
				    "instr(lower(email), lower(?2)) > 0)";
	static const char	 page_sql[] = "SELECT " COLUMNS " "
				    "FROM customers "
				    "WHERE org_id = ?1 AND (?2 IS NULL OR "
				    "instr(lower(name), lower(?2)) > 0 OR "
				    "instr(lower(email), lower(?2)) > 0) "
				    "ORDER BY id LIMIT ?3 OFFSET ?4";
	struct erp_sql		*st;
	cJSON			*items;
	char			 q[257];
	int64_t			 limit, offset, total = 0;
	int			 hasq, rc;

	if (erp_host->page(r, &limit, &offset) == -1)
		return -1;
	hasq = erp_host->query(r, "q", q, sizeof(q)) > 0;
	if ((st = erp_sql(r, count_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: count");
	erp_host->sql_int(st, 1, erp_host->org(r));
	if (hasq)
		erp_host->sql_text(st, 2, q);
	if ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW)
		total = erp_host->sql_col_int(st, 0);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_ROW)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: count");
	if ((st = erp_sql(r, page_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: list");
	erp_host->sql_int(st, 1, erp_host->org(r));
	if (hasq)
		erp_host->sql_text(st, 2, q);
	erp_host->sql_int(st, 3, limit);
	erp_host->sql_int(st, 4, offset);
	items = cJSON_CreateArray();
	while ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW)
		cJSON_AddItemToArray(items, row_json(st, 1));
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE) {
		cJSON_Delete(items);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: list");
	}
	return erp_reply_json(r, 200, erp_page(items, total, limit, offset));
}

/*
 * The members must be strings (name never null): the schema says so, but
 * an organization may replace the schema, and a route with a schema may
 * still be called without a body. Returns: 0, or the failure sent.
 */
static int
check_types(struct erp_req *r, const cJSON *body, int create)
{
	const cJSON	*v;
	size_t		 i;

	for (i = 0; i < NFIELDS; i++) {
		v = cJSON_GetObjectItemCaseSensitive(body, fields[i]);
		if (v == NULL && create && i == 0)
			return erp_fail(r, ERP_E_VALIDATION, fields[i],
			    "is required");
		if (v != NULL && !cJSON_IsString(v) && (i == 0 ||
		    !cJSON_IsNull(v)))
			return erp_fail(r, ERP_E_VALIDATION, fields[i],
			    "must be a string");
	}
	return 0;
}

/* Binds a string member of body, or NULL when it is absent or null. */
static void
bind_member(struct erp_sql *st, int col, const cJSON *body, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(body, name);

	erp_host->sql_text(st, col, cJSON_IsString(v) ? v->valuestring :
	    NULL);
}

static int
customer_create(struct erp_req *r)
{
	static const char	 sql[] = "INSERT INTO customers (org_id, name, "
				    "email, vat_id, address, created_at, "
				    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
	const cJSON		*b = erp_host->body(r);
	struct erp_sql		*st;
	cJSON			*details;
	char			 now[21];
	int64_t			 id;
	size_t			 i;
	int			 rc;

	if ((rc = check_types(r, b, 1)) != 0)
		return rc;
	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: insert");
	erp_host->time_text(erp_host->now(), now);
	erp_host->sql_int(st, 1, erp_host->org(r));
	for (i = 0; i < NFIELDS; i++)
		bind_member(st, (int)i + 2, b, fields[i]);
	erp_host->sql_text(st, 6, now);
	erp_host->sql_text(st, 7, now);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: insert");
	id = erp_host->last_insert_id(r);
	details = cJSON_CreateObject();
	cJSON_AddStringToObject(details, "name",
	    cJSON_GetObjectItemCaseSensitive(b, "name")->valuestring);
	rc = erp_audit(r, "customer.create", "customer", id, details);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: audit");
	return reply_customer(r, 201, id);
}

static int
customer_patch(struct erp_req *r)
{
	/* ?1 a flag per field: set it (to ?2..., NULL included) or keep it */
	static const char	 sql[] = "UPDATE customers SET "
				    "name = CASE WHEN ?1 THEN ?2 "
				    "ELSE name END, "
				    "email = CASE WHEN ?3 THEN ?4 "
				    "ELSE email END, "
				    "vat_id = CASE WHEN ?5 THEN ?6 "
				    "ELSE vat_id END, "
				    "address = CASE WHEN ?7 THEN ?8 "
				    "ELSE address END, "
				    "updated_at = ?9 "
				    "WHERE id = ?10 AND org_id = ?11";
	const cJSON		*b = erp_host->body(r), *v, *was;
	struct erp_sql		*st;
	cJSON			*old, *details, *change;
	char			 now[21];
	int64_t			 id = erp_host->param_id(r, "id");
	size_t			 i;
	int			 rc;

	if ((rc = check_types(r, b, 0)) != 0)
		return rc;
	if ((old = customer_recheck(r, "customer:update", &rc)) == NULL)
		return rc;
	if ((st = erp_sql(r, sql)) == NULL) {
		cJSON_Delete(old);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: update");
	}
	erp_host->time_text(erp_host->now(), now);
	for (i = 0; i < NFIELDS; i++) {
		v = cJSON_GetObjectItemCaseSensitive(b, fields[i]);
		erp_host->sql_int(st, (int)i * 2 + 1, v != NULL);
		bind_member(st, (int)i * 2 + 2, b, fields[i]);
	}
	erp_host->sql_text(st, 9, now);
	erp_host->sql_int(st, 10, id);
	erp_host->sql_int(st, 11, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE) {
		cJSON_Delete(old);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: update");
	}
	/* the changed fields' old and new values */
	details = cJSON_CreateObject();
	for (i = 0; i < NFIELDS; i++) {
		v = cJSON_GetObjectItemCaseSensitive(b, fields[i]);
		was = cJSON_GetObjectItemCaseSensitive(old, fields[i]);
		if (v == NULL || cJSON_Compare(v, was, 1))
			continue;
		change = cJSON_CreateObject();
		cJSON_AddItemToObject(change, "old", was != NULL ?
		    cJSON_Duplicate(was, 1) : cJSON_CreateNull());
		cJSON_AddItemToObject(change, "new", cJSON_Duplicate(v, 1));
		cJSON_AddItemToObject(details, fields[i], change);
	}
	cJSON_Delete(old);
	rc = erp_audit(r, "customer.update", "customer", id, details);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: audit");
	return reply_customer(r, 200, id);
}

static int
customer_delete(struct erp_req *r)
{
	static const char	 sql[] = "DELETE FROM customers "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	cJSON			*old;
	int64_t			 id = erp_host->param_id(r, "id");
	int			 rc;

	if ((old = customer_recheck(r, "customer:delete", &rc)) == NULL)
		return rc;
	if ((st = erp_sql(r, sql)) == NULL) {
		cJSON_Delete(old);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: delete");
	}
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE) {
		cJSON_Delete(old);
		/* an order still points at it */
		if (rc == ERP_SQL_CONFLICT)
			return erp_fail(r, ERP_E_CONFLICT, NULL,
			    "the customer has orders");
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: delete");
	}
	/* what was deleted, for the record */
	cJSON_DeleteItemFromObjectCaseSensitive(old, "id");
	rc = erp_audit(r, "customer.delete", "customer", id, old);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "customers: audit");
	return erp_host->reply_empty(r, 204);
}

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/customers",
	  .permission = "customer:read", .handler = customer_list },
	{ .method = ERP_POST, .path = "/customers",
	  .permission = "customer:create", .schema = "customer",
	  .handler = customer_create },
	{ .method = ERP_GET, .path = "/customers/{id}",
	  .permission = "customer:read", .load = customer_load,
	  .handler = customer_get },
	{ .method = ERP_PATCH, .path = "/customers/{id}",
	  .permission = "customer:update", .schema = "customer",
	  .load = customer_load, .handler = customer_patch },
	{ .method = ERP_DELETE, .path = "/customers/{id}",
	  .permission = "customer:delete", .load = customer_load,
	  .handler = customer_delete },
	ERP_ROUTE_END
};

extern const struct erp_migration customers_migrations[];

static int
init(const struct erp_host *h)
{
	erp_host = h;
	return 0;
}

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "customers",
	.version = "1.0.0",
	.routes = routes,
	.migrations = customers_migrations,
	.policy = policy,
	.init = init,
};
