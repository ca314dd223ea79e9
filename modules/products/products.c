/*
 * products: the catalogue. CRUD under /api/v1/orgs/{org}/products, each
 * action its own permission; the body rules live in the policy fragment
 * below, so an organization can tighten them in its own policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <erp/module.h>

ERP_HOST_DEFINE;

#define COLUMNS	"id, sku, name, description, price_cents, currency, " \
		"active, created_at, updated_at"

static const char policy[] =
    "schemas.product = {\n"
    "  sku = { type = 'string', required = true, min_len = 3,\n"
    "    max_len = 32, pattern = '^[A-Z0-9%-]+$', label = 'SKU' },\n"
    "  name = { type = 'string', required = true, min_len = 1,\n"
    "    max_len = 200 },\n"
    "  description = { type = 'string', max_len = 2000, nullable = true },\n"
    "  price_cents = { type = 'integer', required = true, min = 0,\n"
    "    label = 'Price' },\n"
    "  currency = { type = 'string', pattern = '^[A-Z][A-Z][A-Z]$' },\n"
    "  active = { type = 'boolean' },\n"
    "}\n";

/* The row at the statement's cursor as the API's JSON. */
static cJSON *
row_json(struct erp_sql *st)
{
	cJSON		*o = cJSON_CreateObject();
	const char	*desc = erp_host->sql_col_text(st, 3);

	erp_json_int(o, "id", erp_host->sql_col_int(st, 0));
	cJSON_AddStringToObject(o, "sku",
	    erp_host->sql_col_text(st, 1));
	cJSON_AddStringToObject(o, "name",
	    erp_host->sql_col_text(st, 2));
	if (desc != NULL)
		cJSON_AddStringToObject(o, "description", desc);
	else
		cJSON_AddNullToObject(o, "description");
	erp_json_int(o, "price_cents", erp_host->sql_col_int(st, 4));
	cJSON_AddStringToObject(o, "currency",
	    erp_host->sql_col_text(st, 5));
	cJSON_AddBoolToObject(o, "active", erp_host->sql_col_int(st, 6));
	cJSON_AddStringToObject(o, "created_at",
	    erp_host->sql_col_text(st, 7));
	cJSON_AddStringToObject(o, "updated_at",
	    erp_host->sql_col_text(st, 8));
	return o;
}

/* Loads {id} of this organization for the policy and the handlers. */
static int
product_load(struct erp_req *r, cJSON **attrs)
{
	static const char	 sql[] = "SELECT " COLUMNS " FROM products "
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

static int
product_get(struct erp_req *r)
{
	return erp_reply_json(r, 200, cJSON_Duplicate(erp_host->attrs(r), 1));
}

static int
product_list(struct erp_req *r)
{
	static const char	 count_sql[] = "SELECT count(*) FROM products "
				    "WHERE org_id = ?1 AND (?2 IS NULL OR "
				    "instr(lower(sku), lower(?2)) > 0 OR "
				    "instr(lower(name), lower(?2)) > 0)";
	static const char	 page_sql[] = "SELECT " COLUMNS " FROM products "
				    "WHERE org_id = ?1 AND (?2 IS NULL OR "
				    "instr(lower(sku), lower(?2)) > 0 OR "
				    "instr(lower(name), lower(?2)) > 0) "
				    "ORDER BY id LIMIT ?3 OFFSET ?4";
	struct erp_sql		*st;
	cJSON			*items;
	char			 q[201];
	int64_t			 limit, offset, total = 0;
	int			 hasq;

	if (erp_host->page(r, &limit, &offset) == -1)
		return -1;
	if ((hasq = erp_host->query(r, "q", q, sizeof(q))) == -2)
		return erp_fail(r, ERP_E_VALIDATION, "q",
		    "must be at most 200 characters");
	hasq = hasq > 0;
	if ((st = erp_sql(r, count_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: count");
	erp_host->sql_int(st, 1, erp_host->org(r));
	if (hasq)
		erp_host->sql_text(st, 2, q);
	if (erp_host->sql_step(st) == ERP_SQL_ROW)
		total = erp_host->sql_col_int(st, 0);
	erp_host->sql_reset(st);
	if ((st = erp_sql(r, page_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: list");
	erp_host->sql_int(st, 1, erp_host->org(r));
	if (hasq)
		erp_host->sql_text(st, 2, q);
	erp_host->sql_int(st, 3, limit);
	erp_host->sql_int(st, 4, offset);
	items = cJSON_CreateArray();
	while (erp_host->sql_step(st) == ERP_SQL_ROW)
		cJSON_AddItemToArray(items, row_json(st));
	erp_host->sql_reset(st);
	return erp_reply_json(r, 200, erp_page(items, total, limit, offset));
}

static const char *
text_or(const cJSON *body, const char *name, const char *dflt)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(body, name);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static int
bool_or(const cJSON *body, const char *name, int dflt)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(body, name);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

/* Answers the product with id as it is now. */
static int
reply_product(struct erp_req *r, int status, int64_t id)
{
	static const char	 sql[] = "SELECT " COLUMNS " FROM products "
				    "WHERE id = ?";
	struct erp_sql		*st;
	cJSON			*o = NULL;

	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: read");
	erp_host->sql_int(st, 1, id);
	if (erp_host->sql_step(st) == ERP_SQL_ROW)
		o = row_json(st);
	erp_host->sql_reset(st);
	if (o == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: vanished");
	return erp_reply_json(r, status, o);
}

/*
 * The price a body sets, when it is an integer in [0, 2^53 − 1]: the base
 * schema says so, but the rows must stay sound whatever an organization's
 * schema let through. Returns: 1 with *out set, 0 when absent, -1 otherwise.
 */
static int
body_price(const cJSON *b, int64_t *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(b, "price_cents");

	if (v == NULL)
		return 0;
	if (erp_json_get_int(v, out) == -1 || *out < 0)
		return -1;
	return 1;
}

/* Returns: as erp_fail, for a price body_price refused. */
static int
fail_price(struct erp_req *r)
{
	return erp_fail(r, ERP_E_VALIDATION, "price_cents",
	    "must be an integer from 0 to 9007199254740991");
}

static int
product_create(struct erp_req *r)
{
	static const char	 sql[] = "INSERT INTO products (org_id, sku, "
				    "name, description, price_cents, currency, "
				    "active, created_at, updated_at) "
				    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
	const cJSON		*b = erp_host->body(r);
	struct erp_sql		*st;
	cJSON			*details;
	const char		*desc;
	char			 now[21];
	int64_t			 id, price;
	int			 rc;

	if (body_price(b, &price) != 1)
		return fail_price(r);
	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: insert");
	erp_host->time_text(erp_host->now(), now);
	desc = text_or(b, "description", NULL);
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_text(st, 2, text_or(b, "sku", ""));
	erp_host->sql_text(st, 3, text_or(b, "name", ""));
	if (desc != NULL)
		erp_host->sql_text(st, 4, desc);
	erp_host->sql_int(st, 5, price);
	erp_host->sql_text(st, 6, text_or(b, "currency", "EUR"));
	erp_host->sql_int(st, 7, bool_or(b, "active", 1));
	erp_host->sql_text(st, 8, now);
	erp_host->sql_text(st, 9, now);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc == ERP_SQL_CONFLICT)
		return erp_fail(r, ERP_E_CONFLICT, "sku",
		    "a product with this SKU exists in this organization");
	if (rc != ERP_SQL_DONE)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: insert");
	id = erp_host->last_insert_id(r);
	details = cJSON_CreateObject();
	cJSON_AddStringToObject(details, "sku", text_or(b, "sku", ""));
	rc = erp_audit(r, "product.create", "product", id, details);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: audit");
	return reply_product(r, 201, id);
}

/* Whether a body value equals a stored one (integers are raw there). */
static int
same(const cJSON *v, const cJSON *was)
{
	if (cJSON_IsNumber(v) && cJSON_IsRaw(was))
		return (double)strtoll(was->valuestring, NULL, 10) ==
		    v->valuedouble;
	return cJSON_Compare(v, was, 1);
}

/* Fields a PATCH may change, in the order of the UPDATE below. */
static const char *const patchable[] = {
	"sku", "name", "description", "price_cents", "currency", "active"
};

static int
product_patch(struct erp_req *r)
{
	static const char	 sql[] = "UPDATE products SET "
				    "sku = coalesce(?1, sku), "
				    "name = coalesce(?2, name), "
				    "description = CASE WHEN ?3 THEN ?4 "
				    "ELSE description END, "
				    "price_cents = coalesce(?5, price_cents), "
				    "currency = coalesce(?6, currency), "
				    "active = coalesce(?7, active), "
				    "updated_at = ?8 "
				    "WHERE id = ?9 AND org_id = ?10";
	const cJSON		*b = erp_host->body(r), *old = erp_host->attrs(r);
	const cJSON		*v, *was;
	struct erp_sql		*st;
	cJSON			*details, *change;
	char			 now[21];
	int64_t			 id = erp_host->param_id(r, "id"), price;
	size_t			 i;
	int			 rc, has_price;

	if ((has_price = body_price(b, &price)) == -1)
		return fail_price(r);
	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: update");
	erp_host->time_text(erp_host->now(), now);
	if ((v = cJSON_GetObjectItemCaseSensitive(b, "sku")) != NULL)
		erp_host->sql_text(st, 1, v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(b, "name")) != NULL)
		erp_host->sql_text(st, 2, v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(b, "description")) !=
	    NULL) {
		erp_host->sql_int(st, 3, 1);
		if (cJSON_IsString(v))
			erp_host->sql_text(st, 4, v->valuestring);
	} else
		erp_host->sql_int(st, 3, 0);
	if (has_price)
		erp_host->sql_int(st, 5, price);
	if ((v = cJSON_GetObjectItemCaseSensitive(b, "currency")) != NULL)
		erp_host->sql_text(st, 6, v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(b, "active")) != NULL)
		erp_host->sql_int(st, 7, cJSON_IsTrue(v));
	erp_host->sql_text(st, 8, now);
	erp_host->sql_int(st, 9, id);
	erp_host->sql_int(st, 10, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc == ERP_SQL_CONFLICT)
		return erp_fail(r, ERP_E_CONFLICT, "sku",
		    "a product with this SKU exists in this organization");
	if (rc != ERP_SQL_DONE)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: update");
	/* the changed fields' old and new values */
	details = cJSON_CreateObject();
	for (i = 0; i < sizeof(patchable) / sizeof(patchable[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(b, patchable[i]);
		was = cJSON_GetObjectItemCaseSensitive(old, patchable[i]);
		if (v == NULL || same(v, was))
			continue;
		change = cJSON_CreateObject();
		cJSON_AddItemToObject(change, "old", cJSON_Duplicate(was, 1));
		cJSON_AddItemToObject(change, "new", cJSON_Duplicate(v, 1));
		cJSON_AddItemToObject(details, patchable[i], change);
	}
	rc = erp_audit(r, "product.update", "product", id, details);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: audit");
	return reply_product(r, 200, id);
}

static int
product_delete(struct erp_req *r)
{
	static const char	 sql[] = "DELETE FROM products "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	int64_t			 id = erp_host->param_id(r, "id");
	int			 rc;

	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: delete");
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	/* an order line still points at it */
	if (rc == ERP_SQL_CONFLICT)
		return erp_fail(r, ERP_E_CONFLICT, NULL,
		    "the product is used by an order");
	if (rc != ERP_SQL_DONE)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: delete");
	if (erp_audit(r, "product.delete", "product", id,
	    cJSON_Duplicate(erp_host->attrs(r), 1)) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "products: audit");
	return erp_host->reply_empty(r, 204);
}

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/products",
	  .permission = "product:read", .handler = product_list },
	{ .method = ERP_POST, .path = "/products",
	  .permission = "product:create", .schema = "product",
	  .handler = product_create },
	{ .method = ERP_GET, .path = "/products/{id}",
	  .permission = "product:read", .load = product_load,
	  .handler = product_get },
	{ .method = ERP_PATCH, .path = "/products/{id}",
	  .permission = "product:update", .schema = "product",
	  .load = product_load, .handler = product_patch },
	{ .method = ERP_DELETE, .path = "/products/{id}",
	  .permission = "product:delete", .load = product_load,
	  .handler = product_delete },
	ERP_ROUTE_END
};

extern const struct erp_migration products_migrations[];

static int
init(const struct erp_host *h)
{
	erp_host = h;
	return 0;
}

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "products",
	.version = "1.0.0",
	.routes = routes,
	.migrations = products_migrations,
	.policy = policy,
	.init = init,
};
