/*
 * orders: sales orders under /api/v1/orgs/{org}/orders. The server prices
 * every line from its product and computes the total before the policy
 * decides (the compute hook), so a rule can read them; the status moves
 * draft → confirmed → shipped, or draft|confirmed → cancelled, each move
 * its own permission judged with the order's attributes, so a policy can
 * say who may confirm what.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <erp/module.h>

#define LINES_MAX	500		/* per order */
#define QTY_MAX		100000		/* per line */
#define MONEY_MAX	INT64_C(9007199254740991)	/* 2^53 - 1 cents */

/* The policy fragment, orders.lua, embedded by erp_add_module(POLICY). */
extern const char orders_policy[], orders_policy_file[];

/* Names a body may never set, besides id, org_id and the timestamps. */
static const char *const computed[] = { "status", "total_cents", "currency",
    NULL };

static const char *const statuses[] = { "draft", "confirmed", "shipped",
    "cancelled" };

/*
 * Adds an integer: exact (printed digit for digit, for replies and the
 * audit log) or a plain number, which is what a policy's resource reads.
 */
static void
put_int(cJSON *o, const char *name, int64_t v, int exact)
{
	if (exact)
		erp_json_int(o, name, v);
	else
		cJSON_AddNumberToObject(o, name, (double)v);
}

/* An integer member written by put_int, or -1. */
static int64_t
get_int(const cJSON *o, const char *name)
{
	int64_t	 n;

	return erp_json_get_int(cJSON_GetObjectItemCaseSensitive(o, name),
	    &n) == 0 ? n : -1;
}

static const char *
get_text(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/*
 * A body member that must be an integer in [min, max]: the schema says so,
 * but an organization may replace the schema, and the rows must stay sound
 * whatever it says. Returns: 1 with *out set, 0 when absent, -1 otherwise.
 */
static int
body_int(const cJSON *o, const char *name, int64_t min, int64_t max,
    int64_t *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);
	int64_t		 n;

	if (v == NULL)
		return 0;
	if (erp_json_get_int(v, &n) == -1 || n < min || n > max)
		return -1;
	*out = n;
	return 1;
}

/*
 * The order with id of this organization with its lines, or NULL with *rc
 * ERP_SQL_DONE when there is none (another code on error). Caller frees.
 */
static cJSON *
order_read(struct erp_req *r, int64_t id, int exact, int *rc)
{
	static const char	 sql[] = "SELECT id, customer_id, status, "
				    "currency, total_cents, created_at, "
				    "updated_at FROM orders "
				    "WHERE id = ? AND org_id = ?";
	static const char	 lines_sql[] = "SELECT product_id, quantity, "
				    "unit_price_cents, line_total_cents "
				    "FROM order_lines WHERE order_id = ? "
				    "ORDER BY line_no";
	struct erp_sql		*st;
	cJSON			*o, *lines, *l;

	*rc = ERP_SQL_ERROR;
	if ((st = erp_sql(r, sql)) == NULL)
		return NULL;
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	if ((*rc = erp_host->sql_step(st)) != ERP_SQL_ROW) {
		erp_host->sql_reset(st);
		return NULL;
	}
	o = cJSON_CreateObject();
	put_int(o, "id", erp_host->sql_col_int(st, 0), exact);
	put_int(o, "customer_id", erp_host->sql_col_int(st, 1), exact);
	cJSON_AddStringToObject(o, "status",
	    erp_host->sql_col_text(st, 2));
	cJSON_AddStringToObject(o, "currency",
	    erp_host->sql_col_text(st, 3));
	put_int(o, "total_cents", erp_host->sql_col_int(st, 4), exact);
	lines = cJSON_AddArrayToObject(o, "lines");
	cJSON_AddStringToObject(o, "created_at",
	    erp_host->sql_col_text(st, 5));
	cJSON_AddStringToObject(o, "updated_at",
	    erp_host->sql_col_text(st, 6));
	erp_host->sql_reset(st);
	if ((st = erp_sql(r, lines_sql)) == NULL) {
		*rc = ERP_SQL_ERROR;
		cJSON_Delete(o);
		return NULL;
	}
	erp_host->sql_int(st, 1, id);
	while ((*rc = erp_host->sql_step(st)) == ERP_SQL_ROW) {
		l = cJSON_CreateObject();
		put_int(l, "product_id", erp_host->sql_col_int(st, 0), exact);
		put_int(l, "quantity", erp_host->sql_col_int(st, 1), exact);
		put_int(l, "unit_price_cents", erp_host->sql_col_int(st, 2),
		    exact);
		put_int(l, "line_total_cents", erp_host->sql_col_int(st, 3),
		    exact);
		cJSON_AddItemToArray(lines, l);
	}
	erp_host->sql_reset(st);
	if (*rc != ERP_SQL_DONE) {
		cJSON_Delete(o);
		return NULL;
	}
	*rc = ERP_SQL_ROW;
	return o;
}

/* Loads {id} of this organization: the policy's resource attributes. */
static int
order_load(struct erp_req *r, cJSON **attrs)
{
	int64_t	 id = erp_host->param_id(r, "id");
	int	 rc;

	if (id <= 0)
		return 0;
	if ((*attrs = order_read(r, id, 0, &rc)) != NULL)
		return 1;
	return rc == ERP_SQL_DONE ? 0 : -1;
}

/* Answers the order with id as it is now. */
static int
reply_order(struct erp_req *r, int status, int64_t id)
{
	cJSON	*o;
	int	 rc;

	if ((o = order_read(r, id, 1, &rc)) != NULL)
		return erp_reply_json(r, status, o);
	if (rc == ERP_SQL_DONE)
		return erp_fail(r, ERP_E_NOT_FOUND, NULL,
		    "no such record in this organization");
	return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: read");
}

static int
order_get(struct erp_req *r)
{
	return reply_order(r, 200, erp_host->param_id(r, "id"));
}

static int
order_list(struct erp_req *r)
{
	static const char	 count_sql[] = "SELECT count(*) FROM orders "
				    "WHERE org_id = ?1 AND "
				    "(?2 IS NULL OR status = ?2)";
	static const char	 page_sql[] = "SELECT id FROM orders "
				    "WHERE org_id = ?1 AND "
				    "(?2 IS NULL OR status = ?2) "
				    "ORDER BY id LIMIT ?3 OFFSET ?4";
	struct erp_sql		*st;
	cJSON			*items, *o;
	char			 status[32];
	int64_t			 limit, offset, total = 0;
	size_t			 i;
	int			 has, rc, orc;

	if (erp_host->page(r, &limit, &offset) == -1)
		return -1;
	if ((has = erp_host->query(r, "status", status, sizeof(status))) !=
	    -1) {
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
			if (strcmp(status, statuses[i]) == 0)
				break;
		if (i == sizeof(statuses) / sizeof(statuses[0]))
			return erp_fail(r, ERP_E_VALIDATION, "status",
			    "must be one of draft, confirmed, shipped, "
			    "cancelled");
	}
	if ((st = erp_sql(r, count_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: count");
	erp_host->sql_int(st, 1, erp_host->org(r));
	if (has != -1)
		erp_host->sql_text(st, 2, status);
	if ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW)
		total = erp_host->sql_col_int(st, 0);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_ROW)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: count");
	if ((st = erp_sql(r, page_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: list");
	erp_host->sql_int(st, 1, erp_host->org(r));
	if (has != -1)
		erp_host->sql_text(st, 2, status);
	erp_host->sql_int(st, 3, limit);
	erp_host->sql_int(st, 4, offset);
	items = cJSON_CreateArray();
	while ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW) {
		/* order_read's statements are others: this one stays put */
		if ((o = order_read(r, erp_host->sql_col_int(st, 0), 1,
		    &orc)) == NULL) {
			rc = orc;
			break;
		}
		cJSON_AddItemToArray(items, o);
	}
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE) {
		cJSON_Delete(items);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: list");
	}
	return erp_reply_json(r, 200, erp_page(items, total, limit, offset));
}

/* Is customer one of this organization's? 0, or the failure sent. */
static int
check_customer(struct erp_req *r, int64_t customer)
{
	static const char	 sql[] = "SELECT 1 FROM customers "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	int			 rc;

	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: customer");
	erp_host->sql_int(st, 1, customer);
	erp_host->sql_int(st, 2, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc == ERP_SQL_ROW)
		return 0;
	if (rc == ERP_SQL_DONE)
		return erp_fail(r, ERP_E_VALIDATION, "customer_id",
		    "no such customer in this organization");
	return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: customer");
}

/*
 * Are lines what the base schema admits: 1 to LINES_MAX objects, each with
 * a product_id and a quantity in bounds? Lines it refuses are left to its
 * 422, which names the rule broken.
 */
static int
lines_well_formed(const cJSON *lines)
{
	const cJSON	*l;
	int64_t		 n;
	int		 count;

	count = cJSON_IsArray(lines) ? cJSON_GetArraySize(lines) : 0;
	if (count < 1 || count > LINES_MAX)
		return 0;
	cJSON_ArrayForEach(l, lines)
		if (body_int(l, "product_id", 1, MONEY_MAX, &n) != 1 ||
		    body_int(l, "quantity", 1, QTY_MAX, &n) != 1)
			return 0;
	return 1;
}

/*
 * Prices rec's lines from their products, which must be of this
 * organization, active, and in one currency: each line gets its unit
 * price and line total, rec its currency and total_cents (plain numbers:
 * the policy reads them; all stay below 2^53, exact either way). Lines
 * the schema will refuse stay unpriced. Returns: 0, or the status of the
 * 422 sent.
 */
static int
price_lines(struct erp_req *r, cJSON *rec)
{
	static const char	 sql[] = "SELECT price_cents, currency, active "
				    "FROM products WHERE id = ? AND org_id = ?";
	const cJSON		*lines, *item;
	cJSON			*priced, *l;
	struct erp_sql		*st;
	const char		*cur, *why = NULL, *what = "product_id";
	char			 currency[4] = "", field[48], msg[96];
	int64_t			 product, qty, unit = 0, total = 0;
	int			 i = 0, rc;

	lines = cJSON_GetObjectItemCaseSensitive(rec, "lines");
	if (!lines_well_formed(lines))
		return 0;
	priced = cJSON_CreateArray();
	cJSON_ArrayForEach(item, lines) {
		if (body_int(item, "product_id", 1, MONEY_MAX,
		    &product) != 1 ||
		    body_int(item, "quantity", 1, QTY_MAX, &qty) != 1) {
			/* lines_well_formed admitted every line */
			cJSON_Delete(priced);
			return 0;
		}
		if ((st = erp_sql(r, sql)) == NULL) {
			cJSON_Delete(priced);
			return erp_fail(r, ERP_E_INTERNAL, NULL,
			    "orders: pricing");
		}
		erp_host->sql_int(st, 1, product);
		erp_host->sql_int(st, 2, erp_host->org(r));
		if ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW) {
			unit = erp_host->sql_col_int(st, 0);
			cur = erp_host->sql_col_text(st, 1);
			if (erp_host->sql_col_int(st, 2) == 0)
				why = "the product is not active";
			else if (i == 0)
				snprintf(currency, sizeof(currency), "%s", cur);
			else if (strcmp(cur, currency) != 0) {
				snprintf(msg, sizeof(msg), "the product is "
				    "priced in %.3s, the order in %.3s", cur,
				    currency);
				why = msg;
			}
		} else if (rc == ERP_SQL_DONE)
			why = "no such product in this organization";
		erp_host->sql_reset(st);
		if (rc != ERP_SQL_ROW && rc != ERP_SQL_DONE) {
			cJSON_Delete(priced);
			return erp_fail(r, ERP_E_INTERNAL, NULL,
			    "orders: pricing");
		}
		if (why != NULL)
			break;
		/* money stays below 2^53, exact in any JSON reader */
		if (unit > MONEY_MAX / qty || total > MONEY_MAX - qty * unit) {
			what = "quantity";
			why = "makes the order's total too large";
			break;
		}
		total += qty * unit;
		l = cJSON_CreateObject();
		put_int(l, "product_id", product, 0);
		put_int(l, "quantity", qty, 0);
		put_int(l, "unit_price_cents", unit, 0);
		put_int(l, "line_total_cents", qty * unit, 0);
		cJSON_AddItemToArray(priced, l);
		i++;
	}
	if (why != NULL) {
		cJSON_Delete(priced);
		snprintf(field, sizeof(field), "lines[%d].%s", i, what);
		return erp_fail(r, ERP_E_VALIDATION, field, why);
	}
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "lines", priced);
	cJSON_AddStringToObject(rec, "currency", currency);
	put_int(rec, "total_cents", total, 0);
	return 0;
}

/*
 * The compute hook: the would-be order (the body on create, the stored
 * order with the body applied on update) with what the server sets, so
 * the policy decides on the prices and the total that will be stored.
 * The handlers build the same record with it. Returns: 0, or the status
 * of the failure sent.
 */
static int
order_compute(struct erp_req *r, cJSON *rec, const cJSON *before)
{
	const char *const	*n;
	const cJSON		*v;

	/* what a body may not set is the stored order's, or a new draft's */
	for (n = computed; *n != NULL; n++) {
		cJSON_DeleteItemFromObjectCaseSensitive(rec, *n);
		if (before != NULL && (v = cJSON_GetObjectItemCaseSensitive(
		    before, *n)) != NULL)
			cJSON_AddItemToObject(rec, *n, cJSON_Duplicate(v, 1));
	}
	if (before == NULL)
		cJSON_AddStringToObject(rec, "status", "draft");
	/* kept lines are priced already; other than a draft's never change */
	if (before != NULL && (!cJSON_HasObjectItem(erp_host->body(r),
	    "lines") || strcmp(get_text(before, "status"), "draft") != 0))
		return 0;
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "currency");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "total_cents");
	return price_lines(r, rec);
}

/*
 * The would-be order as the host built it for the policy: before (NULL
 * on create) with the body applied, then computed. Returns: the record
 * (caller frees), or NULL with the failure sent (*status).
 */
static cJSON *
would_be(struct erp_req *r, const cJSON *before, int *status)
{
	const cJSON	*m;
	cJSON		*rec;

	rec = before != NULL ? cJSON_Duplicate(before, 1) :
	    cJSON_CreateObject();
	cJSON_ArrayForEach(m, erp_host->body(r)) {
		cJSON_DeleteItemFromObjectCaseSensitive(rec, m->string);
		cJSON_AddItemToObject(rec, m->string, cJSON_Duplicate(m, 1));
	}
	if ((*status = order_compute(r, rec, before)) == 0 &&
	    cJSON_HasObjectItem(rec, "total_cents"))
		return rec;
	cJSON_Delete(rec);
	if (*status == 0)	/* the schema passed these lines: never */
		*status = erp_fail(r, ERP_E_INTERNAL, NULL, "orders: unpriced");
	return NULL;
}

/* Writes the order's priced lines (its old ones already gone). 0 or -1. */
static int
store_lines(struct erp_req *r, int64_t order, const cJSON *lines)
{
	static const char	 sql[] = "INSERT INTO order_lines (order_id, "
				    "line_no, product_id, quantity, "
				    "unit_price_cents, line_total_cents) "
				    "VALUES (?, ?, ?, ?, ?, ?)";
	const cJSON		*l;
	struct erp_sql		*st;
	int			 i = 0, rc;

	cJSON_ArrayForEach(l, lines) {
		if ((st = erp_sql(r, sql)) == NULL)
			return -1;
		erp_host->sql_int(st, 1, order);
		erp_host->sql_int(st, 2, ++i);
		erp_host->sql_int(st, 3, get_int(l, "product_id"));
		erp_host->sql_int(st, 4, get_int(l, "quantity"));
		erp_host->sql_int(st, 5, get_int(l, "unit_price_cents"));
		erp_host->sql_int(st, 6, get_int(l, "line_total_cents"));
		rc = erp_host->sql_step(st);
		erp_host->sql_reset(st);
		if (rc != ERP_SQL_DONE)
			return -1;
	}
	return 0;
}

/* An order's lines for the audit log: product, quantity, unit price. */
static cJSON *
lines_audit(const cJSON *order)
{
	const cJSON	*l;
	cJSON		*a = cJSON_CreateArray(), *o;

	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(order,
	    "lines")) {
		o = cJSON_CreateObject();
		erp_json_int(o, "product_id", get_int(l, "product_id"));
		erp_json_int(o, "quantity", get_int(l, "quantity"));
		erp_json_int(o, "unit_price_cents",
		    get_int(l, "unit_price_cents"));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void
change_int(cJSON *details, const char *name, int64_t old, int64_t new)
{
	cJSON	*c;

	if (old == new)
		return;
	c = cJSON_AddObjectToObject(details, name);
	erp_json_int(c, "old", old);
	erp_json_int(c, "new", new);
}

static void
change_text(cJSON *details, const char *name, const char *old,
    const char *new)
{
	cJSON	*c;

	if (strcmp(old, new) == 0)
		return;
	c = cJSON_AddObjectToObject(details, name);
	cJSON_AddStringToObject(c, "old", old);
	cJSON_AddStringToObject(c, "new", new);
}

static int
order_create(struct erp_req *r)
{
	static const char	 sql[] = "INSERT INTO orders (org_id, "
				    "customer_id, status, currency, "
				    "total_cents, created_at, updated_at) "
				    "VALUES (?, ?, 'draft', ?, ?, ?, ?)";
	struct erp_sql		*st;
	cJSON			*rec, *details;
	char			 now[21];
	int64_t			 customer, id;
	int			 rc, status;

	if (body_int(erp_host->body(r), "customer_id", 1, MONEY_MAX,
	    &customer) != 1)
		return erp_fail(r, ERP_E_VALIDATION, "customer_id",
		    "must be a positive integer");
	if ((status = check_customer(r, customer)) != 0)
		return status;
	if ((rec = would_be(r, NULL, &status)) == NULL)
		return status;
	if ((st = erp_sql(r, sql)) == NULL)
		goto internal;
	erp_host->time_text(erp_host->now(), now);
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_int(st, 2, customer);
	erp_host->sql_text(st, 3, get_text(rec, "currency"));
	erp_host->sql_int(st, 4, get_int(rec, "total_cents"));
	erp_host->sql_text(st, 5, now);
	erp_host->sql_text(st, 6, now);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		goto internal;
	id = erp_host->last_insert_id(r);
	if (store_lines(r, id, cJSON_GetObjectItemCaseSensitive(rec,
	    "lines")) == -1)
		goto internal;
	details = cJSON_CreateObject();
	erp_json_int(details, "customer_id", customer);
	cJSON_AddStringToObject(details, "currency",
	    get_text(rec, "currency"));
	erp_json_int(details, "total_cents", get_int(rec, "total_cents"));
	cJSON_AddItemToObject(details, "lines", lines_audit(rec));
	cJSON_Delete(rec);
	if (erp_audit(r, "order.create", "order", id, details) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: audit");
	return reply_order(r, 201, id);
internal:
	cJSON_Delete(rec);
	return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: insert");
}

static int
order_patch(struct erp_req *r)
{
	static const char	 sql[] = "UPDATE orders SET customer_id = ?, "
				    "currency = ?, total_cents = ?, "
				    "updated_at = ? "
				    "WHERE id = ? AND org_id = ? AND "
				    "status = 'draft'";
	static const char	 drop_sql[] = "DELETE FROM order_lines "
				    "WHERE order_id = ?";
	struct erp_sql		*st;
	const cJSON		*cur = erp_host->attrs(r);
	cJSON			*rec, *details, *c;
	char			 now[21];
	int64_t			 id = erp_host->param_id(r, "id");
	int64_t			 customer;
	int			 rc, status;

	if (strcmp(get_text(cur, "status"), "draft") != 0)
		return erp_fail(r, ERP_E_CONFLICT, "status",
		    "only a draft order can be changed");
	if (body_int(erp_host->body(r), "customer_id", 1, MONEY_MAX,
	    &customer) == -1)
		return erp_fail(r, ERP_E_VALIDATION, "customer_id",
		    "must be a positive integer");
	if ((rec = would_be(r, cur, &status)) == NULL)
		return status;
	customer = get_int(rec, "customer_id");
	if (customer != get_int(cur, "customer_id") &&
	    (status = check_customer(r, customer)) != 0)
		goto out;
	erp_host->time_text(erp_host->now(), now);
	if (cJSON_HasObjectItem(erp_host->body(r), "lines")) {
		if ((st = erp_sql(r, drop_sql)) == NULL)
			goto internal;
		erp_host->sql_int(st, 1, id);
		rc = erp_host->sql_step(st);
		erp_host->sql_reset(st);
		if (rc != ERP_SQL_DONE || store_lines(r, id,
		    cJSON_GetObjectItemCaseSensitive(rec, "lines")) == -1)
			goto internal;
	}
	if ((st = erp_sql(r, sql)) == NULL)
		goto internal;
	erp_host->sql_int(st, 1, customer);
	erp_host->sql_text(st, 2, get_text(rec, "currency"));
	erp_host->sql_int(st, 3, get_int(rec, "total_cents"));
	erp_host->sql_text(st, 4, now);
	erp_host->sql_int(st, 5, id);
	erp_host->sql_int(st, 6, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE || erp_host->changes(r) != 1)
		goto internal;
	/* what changed: customer, lines, and what the lines made of it */
	details = cJSON_CreateObject();
	change_int(details, "customer_id", get_int(cur, "customer_id"),
	    customer);
	c = cJSON_CreateObject();
	cJSON_AddItemToObject(c, "old", lines_audit(cur));
	cJSON_AddItemToObject(c, "new", lines_audit(rec));
	if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(c, "old"),
	    cJSON_GetObjectItemCaseSensitive(c, "new"), 1))
		cJSON_Delete(c);
	else
		cJSON_AddItemToObject(details, "lines", c);
	change_text(details, "currency", get_text(cur, "currency"),
	    get_text(rec, "currency"));
	change_int(details, "total_cents", get_int(cur, "total_cents"),
	    get_int(rec, "total_cents"));
	if (erp_audit(r, "order.update", "order", id, details) == -1) {
		status = erp_fail(r, ERP_E_INTERNAL, NULL, "orders: audit");
		goto out;
	}
	status = reply_order(r, 200, id);
	goto out;
internal:
	status = erp_fail(r, ERP_E_INTERNAL, NULL, "orders: update");
out:
	cJSON_Delete(rec);
	return status;
}

static int
order_delete(struct erp_req *r)
{
	static const char	 sql[] = "DELETE FROM orders WHERE id = ? AND "
				    "org_id = ? AND status = 'draft'";
	const cJSON		*cur = erp_host->attrs(r);
	struct erp_sql		*st;
	cJSON			*details;
	int64_t			 id = erp_host->param_id(r, "id");
	int			 rc;

	if (strcmp(get_text(cur, "status"), "draft") != 0)
		return erp_fail(r, ERP_E_CONFLICT, "status",
		    "only a draft order can be deleted");
	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: delete");
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE || erp_host->changes(r) != 1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: delete");
	/* what was deleted, for the record */
	details = cJSON_CreateObject();
	erp_json_int(details, "customer_id", get_int(cur, "customer_id"));
	cJSON_AddStringToObject(details, "status", get_text(cur, "status"));
	cJSON_AddStringToObject(details, "currency",
	    get_text(cur, "currency"));
	erp_json_int(details, "total_cents", get_int(cur, "total_cents"));
	cJSON_AddItemToObject(details, "lines", lines_audit(cur));
	if (erp_audit(r, "order.delete", "order", id, details) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: audit");
	return erp_host->reply_empty(r, 204);
}

/* A status move: from one of the statuses in from (NULL-ended) to to. */
struct move {
	const char	*mv_action;	/* "order.confirm", for the audit */
	const char	*mv_verb;	/* "confirm", for messages */
	const char	*mv_to;
	const char	*mv_from[3];
};

static const struct move confirm = { "order.confirm", "confirm",
    "confirmed", { "draft", NULL } };
static const struct move ship = { "order.ship", "ship", "shipped",
    { "confirmed", NULL } };
static const struct move cancel = { "order.cancel", "cancel", "cancelled",
    { "draft", "confirmed", NULL } };

static int
order_move(struct erp_req *r, const struct move *mv)
{
	static const char	 sql[] = "UPDATE orders SET status = ?, "
				    "updated_at = ? WHERE id = ? AND "
				    "org_id = ? AND status = ?";
	const cJSON		*cur = erp_host->attrs(r);
	const char		*from = get_text(cur, "status");
	struct erp_sql		*st;
	cJSON			*details, *c, *order;
	char			 now[21], msg[96];
	int64_t			 id = erp_host->param_id(r, "id");
	size_t			 i;
	int			 rc;

	for (i = 0; mv->mv_from[i] != NULL; i++)
		if (strcmp(from, mv->mv_from[i]) == 0)
			break;
	if (mv->mv_from[i] == NULL) {
		snprintf(msg, sizeof(msg), "cannot %s an order that is %s",
		    mv->mv_verb, from);
		return erp_fail(r, ERP_E_CONFLICT, "status", msg);
	}
	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: move");
	erp_host->time_text(erp_host->now(), now);
	erp_host->sql_text(st, 1, mv->mv_to);
	erp_host->sql_text(st, 2, now);
	erp_host->sql_int(st, 3, id);
	erp_host->sql_int(st, 4, erp_host->org(r));
	erp_host->sql_text(st, 5, from);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE || erp_host->changes(r) != 1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: move");
	details = cJSON_CreateObject();
	c = cJSON_AddObjectToObject(details, "status");
	cJSON_AddStringToObject(c, "old", from);
	cJSON_AddStringToObject(c, "new", mv->mv_to);
	erp_json_int(details, "total_cents", get_int(cur, "total_cents"));
	cJSON_AddStringToObject(details, "currency",
	    get_text(cur, "currency"));
	if (erp_audit(r, mv->mv_action, "order", id, details) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: audit");
	/* other modules (stock) hear "order.shipped" with the order */
	snprintf(msg, sizeof(msg), "order.%s", mv->mv_to);
	if ((order = order_read(r, id, 1, &rc)) == NULL ||
	    erp_host->emit(r, msg, cJSON_Duplicate(order, 1)) == -1) {
		cJSON_Delete(order);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: event");
	}
	return erp_reply_json(r, 200, order);
}

static int
order_confirm(struct erp_req *r)
{
	return order_move(r, &confirm);
}

static int
order_ship(struct erp_req *r)
{
	return order_move(r, &ship);
}

static int
order_cancel(struct erp_req *r)
{
	return order_move(r, &cancel);
}

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/orders",
	  .permission = "order:read", .handler = order_list,
	  .query = "{limit?: integer, offset?: integer, status?: string}" },
	{ .method = ERP_POST, .path = "/orders",
	  .permission = "order:create", .schema = "order",
	  .handler = order_create, .computed = computed,
	  .compute = order_compute },
	{ .method = ERP_GET, .path = "/orders/{id}",
	  .permission = "order:read", .load = order_load,
	  .handler = order_get },
	{ .method = ERP_PATCH, .path = "/orders/{id}",
	  .permission = "order:update", .schema = "order",
	  .load = order_load, .handler = order_patch, .computed = computed,
	  .compute = order_compute },
	{ .method = ERP_DELETE, .path = "/orders/{id}",
	  .permission = "order:delete", .load = order_load,
	  .handler = order_delete },
	{ .method = ERP_POST, .path = "/orders/{id}/confirm",
	  .permission = "order:confirm", .load = order_load,
	  .handler = order_confirm, .summary = "Confirm a draft order",
	  .reply = "$order" },
	{ .method = ERP_POST, .path = "/orders/{id}/ship",
	  .permission = "order:ship", .load = order_load,
	  .handler = order_ship, .summary = "Ship a confirmed order",
	  .reply = "$order" },
	{ .method = ERP_POST, .path = "/orders/{id}/cancel",
	  .permission = "order:cancel", .load = order_load,
	  .handler = order_cancel, .summary = "Cancel a draft or confirmed order",
	  .reply = "$order" },
	ERP_ROUTE_END
};

extern const struct erp_migration orders_migrations[];

/* Orders refer to customers and price lines from products. */
static const struct erp_depend depends[] = {
	{ "customers", "1.0" },
	{ "products", "1.0" },
	{ NULL, NULL }
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "orders",
	.version = "1.0.0",
	.depends = depends,
	.routes = routes,
	.migrations = orders_migrations,
	.policy = orders_policy,
	.policy_file = orders_policy_file,
};
