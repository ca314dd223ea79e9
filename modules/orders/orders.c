/*
 * orders: sales orders under /api/v1/orgs/{org}/orders. The server prices
 * every line from its product and computes the total; the status moves
 * draft → confirmed → shipped, or draft|confirmed → cancelled, each move
 * its own permission judged with the order's attributes, so a policy can
 * say who may confirm what.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* One priced line. */
struct line {
	int64_t		 ln_product;	/* products.id */
	int64_t		 ln_qty;	/* 1 .. QTY_MAX */
	int64_t		 ln_unit;	/* the product's price when priced */
	int64_t		 ln_total;	/* ln_qty * ln_unit */
};

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
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);
	int64_t		 n;

	if (erp_json_get_int(v, &n) == 0)
		return n;
	if (cJSON_IsRaw(v))
		return strtoll(v->valuestring, NULL, 10);
	return -1;
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

/*
 * The order was loaded and judged before the handler's transaction began;
 * re-read it under the write lock and, if it changed meanwhile (another
 * request confirmed it, or raised its total), ask the policy again with
 * what is there now. Returns: the order (caller frees), or NULL with the
 * failure sent (*status).
 */
static cJSON *
order_recheck(struct erp_req *r, const char *permission, int *status)
{
	cJSON	*cur;
	int	 rc;

	cur = order_read(r, erp_host->param_id(r, "id"), 0, &rc);
	if (cur == NULL) {
		*status = rc == ERP_SQL_DONE ? erp_fail(r, ERP_E_NOT_FOUND,
		    NULL, "no such record in this organization") :
		    erp_fail(r, ERP_E_INTERNAL, NULL, "orders: read");
		return NULL;
	}
	if (!cJSON_Compare(cur, erp_host->attrs(r), 1) &&
	    !erp_host->allowed(r, permission, cur)) {
		cJSON_Delete(cur);
		*status = erp_fail(r, ERP_E_FORBIDDEN, NULL, "the order "
		    "changed meanwhile and the policy denies this now");
		return NULL;
	}
	return cur;
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

/* Is customer a customer of this organization? 0 no, 1 yes, -1 error. */
static int
customer_exists(struct erp_req *r, int64_t customer)
{
	static const char	 sql[] = "SELECT 1 FROM customers "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	int			 rc;

	if ((st = erp_sql(r, sql)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, customer);
	erp_host->sql_int(st, 2, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	return rc == ERP_SQL_ROW ? 1 : rc == ERP_SQL_DONE ? 0 : -1;
}

/* Checks the body's customer_id; 0 when fine, else the failure sent. */
static int
check_customer(struct erp_req *r, int64_t customer)
{
	switch (customer_exists(r, customer)) {
	case 1:
		return 0;
	case 0:
		return erp_fail(r, ERP_E_VALIDATION, "customer_id",
		    "no such customer in this organization");
	default:
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: customer");
	}
}

/*
 * Reads the body's lines into *out (caller frees) and prices each from
 * its product, which must be of this organization, active, and in the
 * currency of the others (written to currency). Returns: the number of
 * lines, or -1 with the failure sent (*status).
 */
static int
price_lines(struct erp_req *r, const cJSON *lines, struct line **out,
    char currency[4], int64_t *total, int *status)
{
	static const char	 sql[] = "SELECT price_cents, currency, active "
				    "FROM products WHERE id = ? AND org_id = ?";
	const cJSON		*item;
	struct line		*ln;
	struct erp_sql		*st;
	const char		*cur, *why = NULL, *what = "product_id";
	char			 field[48], msg[96];
	int			 n, i, rc;

	*out = NULL;
	*total = 0;
	n = cJSON_IsArray(lines) ? cJSON_GetArraySize(lines) : -1;
	if (n < 1 || n > LINES_MAX) {
		*status = erp_fail(r, ERP_E_VALIDATION, "lines",
		    "must be an array of 1 to 500 lines");
		return -1;
	}
	if ((ln = calloc((size_t)n, sizeof(*ln))) == NULL) {
		*status = erp_fail(r, ERP_E_INTERNAL, NULL, "orders: memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		item = cJSON_GetArrayItem(lines, i);
		if (body_int(item, "product_id", 1, MONEY_MAX,
		    &ln[i].ln_product) != 1) {
			why = "must be a positive integer";
			break;
		}
		if (body_int(item, "quantity", 1, QTY_MAX,
		    &ln[i].ln_qty) != 1) {
			what = "quantity";
			why = "must be an integer from 1 to 100000";
			break;
		}
		if ((st = erp_sql(r, sql)) == NULL)
			goto internal;
		erp_host->sql_int(st, 1, ln[i].ln_product);
		erp_host->sql_int(st, 2, erp_host->org(r));
		if ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW) {
			ln[i].ln_unit = erp_host->sql_col_int(st, 0);
			cur = erp_host->sql_col_text(st, 1);
			if (erp_host->sql_col_int(st, 2) == 0)
				why = "the product is not active";
			else if (i == 0)
				snprintf(currency, 4, "%s", cur);
			else if (strcmp(cur, currency) != 0) {
				snprintf(msg, sizeof(msg), "the product is "
				    "priced in %.3s, the order in %.3s", cur,
				    currency);
				why = msg;
			}
		} else if (rc == ERP_SQL_DONE)
			why = "no such product in this organization";
		erp_host->sql_reset(st);
		if (rc != ERP_SQL_ROW && rc != ERP_SQL_DONE)
			goto internal;
		if (why != NULL)
			break;
		/* money stays below 2^53, exact in any JSON reader */
		if (ln[i].ln_unit > MONEY_MAX / ln[i].ln_qty ||
		    *total > MONEY_MAX - ln[i].ln_qty * ln[i].ln_unit) {
			what = "quantity";
			why = "makes the order's total too large";
			break;
		}
		ln[i].ln_total = ln[i].ln_qty * ln[i].ln_unit;
		*total += ln[i].ln_total;
	}
	if (why != NULL) {
		snprintf(field, sizeof(field), "lines[%d].%s", i, what);
		*status = erp_fail(r, ERP_E_VALIDATION, field, why);
		free(ln);
		return -1;
	}
	*out = ln;
	return n;
internal:
	free(ln);
	*status = erp_fail(r, ERP_E_INTERNAL, NULL, "orders: pricing");
	return -1;
}

/* Writes the order's lines (its old ones already gone). 0 or -1. */
static int
store_lines(struct erp_req *r, int64_t order, const struct line *ln, int n)
{
	static const char	 sql[] = "INSERT INTO order_lines (order_id, "
				    "line_no, product_id, quantity, "
				    "unit_price_cents, line_total_cents) "
				    "VALUES (?, ?, ?, ?, ?, ?)";
	struct erp_sql		*st;
	int			 i, rc;

	for (i = 0; i < n; i++) {
		if ((st = erp_sql(r, sql)) == NULL)
			return -1;
		erp_host->sql_int(st, 1, order);
		erp_host->sql_int(st, 2, i + 1);
		erp_host->sql_int(st, 3, ln[i].ln_product);
		erp_host->sql_int(st, 4, ln[i].ln_qty);
		erp_host->sql_int(st, 5, ln[i].ln_unit);
		erp_host->sql_int(st, 6, ln[i].ln_total);
		rc = erp_host->sql_step(st);
		erp_host->sql_reset(st);
		if (rc != ERP_SQL_DONE)
			return -1;
	}
	return 0;
}

/* The lines for the audit log: [{product_id, quantity, unit_price_cents}]. */
static cJSON *
lines_audit(const struct line *ln, int n)
{
	cJSON	*a = cJSON_CreateArray(), *l;
	int	 i;

	for (i = 0; i < n; i++) {
		l = cJSON_CreateObject();
		erp_json_int(l, "product_id", ln[i].ln_product);
		erp_json_int(l, "quantity", ln[i].ln_qty);
		erp_json_int(l, "unit_price_cents", ln[i].ln_unit);
		cJSON_AddItemToArray(a, l);
	}
	return a;
}

/* The same of an order as order_read left it. */
static cJSON *
lines_audit_json(const cJSON *order)
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
	const cJSON		*b = erp_host->body(r);
	struct line		*ln = NULL;
	struct erp_sql		*st;
	cJSON			*details;
	char			 now[21], currency[4] = "";
	int64_t			 customer, total, id;
	int			 n, rc, status;

	if (body_int(b, "customer_id", 1, MONEY_MAX, &customer) != 1)
		return erp_fail(r, ERP_E_VALIDATION, "customer_id",
		    "must be a positive integer");
	if ((status = check_customer(r, customer)) != 0)
		return status;
	if ((n = price_lines(r, cJSON_GetObjectItemCaseSensitive(b, "lines"),
	    &ln, currency, &total, &status)) == -1)
		return status;
	if ((st = erp_sql(r, sql)) == NULL)
		goto internal;
	erp_host->time_text(erp_host->now(), now);
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_int(st, 2, customer);
	erp_host->sql_text(st, 3, currency);
	erp_host->sql_int(st, 4, total);
	erp_host->sql_text(st, 5, now);
	erp_host->sql_text(st, 6, now);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		goto internal;
	id = erp_host->last_insert_id(r);
	if (store_lines(r, id, ln, n) == -1)
		goto internal;
	details = cJSON_CreateObject();
	erp_json_int(details, "customer_id", customer);
	cJSON_AddStringToObject(details, "currency", currency);
	erp_json_int(details, "total_cents", total);
	cJSON_AddItemToObject(details, "lines", lines_audit(ln, n));
	free(ln);
	rc = erp_audit(r, "order.create", "order", id, details);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: audit");
	return reply_order(r, 201, id);
internal:
	free(ln);
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
	const cJSON		*b = erp_host->body(r), *lines;
	struct line		*ln = NULL;
	struct erp_sql		*st;
	cJSON			*cur, *details = NULL, *c;
	char			 now[21], currency[4];
	int64_t			 id = erp_host->param_id(r, "id");
	int64_t			 customer, old_customer, total, old_total;
	int			 n = 0, rc, status;

	if ((cur = order_recheck(r, "order:update", &status)) == NULL)
		return status;
	if (strcmp(get_text(cur, "status"), "draft") != 0) {
		cJSON_Delete(cur);
		return erp_fail(r, ERP_E_CONFLICT, "status",
		    "only a draft order can be changed");
	}
	customer = old_customer = get_int(cur, "customer_id");
	total = old_total = get_int(cur, "total_cents");
	snprintf(currency, sizeof(currency), "%s", get_text(cur, "currency"));
	if ((rc = body_int(b, "customer_id", 1, MONEY_MAX, &customer)) ==
	    -1) {
		status = erp_fail(r, ERP_E_VALIDATION, "customer_id",
		    "must be a positive integer");
		goto out;
	}
	if (rc == 1 && customer != old_customer &&
	    (status = check_customer(r, customer)) != 0)
		goto out;
	lines = cJSON_GetObjectItemCaseSensitive(b, "lines");
	if (lines != NULL && (n = price_lines(r, lines, &ln, currency,
	    &total, &status)) == -1)
		goto out;
	erp_host->time_text(erp_host->now(), now);
	if (lines != NULL) {
		if ((st = erp_sql(r, drop_sql)) == NULL)
			goto internal;
		erp_host->sql_int(st, 1, id);
		rc = erp_host->sql_step(st);
		erp_host->sql_reset(st);
		if (rc != ERP_SQL_DONE || store_lines(r, id, ln, n) == -1)
			goto internal;
	}
	if ((st = erp_sql(r, sql)) == NULL)
		goto internal;
	erp_host->sql_int(st, 1, customer);
	erp_host->sql_text(st, 2, currency);
	erp_host->sql_int(st, 3, total);
	erp_host->sql_text(st, 4, now);
	erp_host->sql_int(st, 5, id);
	erp_host->sql_int(st, 6, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE || erp_host->changes(r) != 1)
		goto internal;
	/* what changed: customer, lines, and what the lines made of it */
	details = cJSON_CreateObject();
	change_int(details, "customer_id", old_customer, customer);
	if (lines != NULL) {
		c = cJSON_CreateObject();
		cJSON_AddItemToObject(c, "old", lines_audit_json(cur));
		cJSON_AddItemToObject(c, "new", lines_audit(ln, n));
		if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(c, "old"),
		    cJSON_GetObjectItemCaseSensitive(c, "new"), 1))
			cJSON_Delete(c);
		else
			cJSON_AddItemToObject(details, "lines", c);
	}
	change_text(details, "currency", get_text(cur, "currency"), currency);
	change_int(details, "total_cents", old_total, total);
	rc = erp_audit(r, "order.update", "order", id, details);
	details = NULL;		/* the host's now */
	if (rc == -1) {
		status = erp_fail(r, ERP_E_INTERNAL, NULL, "orders: audit");
		goto out;
	}
	status = reply_order(r, 200, id);
	goto out;
internal:
	status = erp_fail(r, ERP_E_INTERNAL, NULL, "orders: update");
out:
	cJSON_Delete(details);
	cJSON_Delete(cur);
	free(ln);
	return status;
}

static int
order_delete(struct erp_req *r)
{
	static const char	 sql[] = "DELETE FROM orders WHERE id = ? AND "
				    "org_id = ? AND status = 'draft'";
	struct erp_sql		*st;
	cJSON			*cur, *details;
	int64_t			 id = erp_host->param_id(r, "id");
	int			 rc, status;

	if ((cur = order_recheck(r, "order:delete", &status)) == NULL)
		return status;
	if (strcmp(get_text(cur, "status"), "draft") != 0) {
		cJSON_Delete(cur);
		return erp_fail(r, ERP_E_CONFLICT, "status",
		    "only a draft order can be deleted");
	}
	if ((st = erp_sql(r, sql)) == NULL) {
		cJSON_Delete(cur);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: delete");
	}
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE || erp_host->changes(r) != 1) {
		cJSON_Delete(cur);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: delete");
	}
	/* what was deleted, for the record */
	details = cJSON_CreateObject();
	erp_json_int(details, "customer_id", get_int(cur, "customer_id"));
	cJSON_AddStringToObject(details, "status", get_text(cur, "status"));
	cJSON_AddStringToObject(details, "currency",
	    get_text(cur, "currency"));
	erp_json_int(details, "total_cents", get_int(cur, "total_cents"));
	cJSON_AddItemToObject(details, "lines", lines_audit_json(cur));
	cJSON_Delete(cur);
	rc = erp_audit(r, "order.delete", "order", id, details);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: audit");
	return erp_host->reply_empty(r, 204);
}

/* A status move: from one of the statuses in from (NULL-ended) to to. */
struct move {
	const char	*mv_permission;	/* "order:confirm" */
	const char	*mv_action;	/* "order.confirm", for the audit */
	const char	*mv_verb;	/* "confirm", for messages */
	const char	*mv_to;
	const char	*mv_from[3];
};

static const struct move confirm = { "order:confirm", "order.confirm",
    "confirm", "confirmed", { "draft", NULL } };
static const struct move ship = { "order:ship", "order.ship", "ship",
    "shipped", { "confirmed", NULL } };
static const struct move cancel = { "order:cancel", "order.cancel",
    "cancel", "cancelled", { "draft", "confirmed", NULL } };

static int
order_move(struct erp_req *r, const struct move *mv)
{
	static const char	 sql[] = "UPDATE orders SET status = ?, "
				    "updated_at = ? WHERE id = ? AND "
				    "org_id = ? AND status = ?";
	struct erp_sql		*st;
	cJSON			*cur, *details, *c;
	const char		*from;
	char			 now[21], msg[96], was[16];
	int64_t			 id = erp_host->param_id(r, "id");
	size_t			 i;
	int			 rc, status;

	if ((cur = order_recheck(r, mv->mv_permission, &status)) == NULL)
		return status;
	from = get_text(cur, "status");
	for (i = 0; mv->mv_from[i] != NULL; i++)
		if (strcmp(from, mv->mv_from[i]) == 0)
			break;
	if (mv->mv_from[i] == NULL) {
		snprintf(msg, sizeof(msg), "cannot %s an order that is %s",
		    mv->mv_verb, from);
		cJSON_Delete(cur);
		return erp_fail(r, ERP_E_CONFLICT, "status", msg);
	}
	snprintf(was, sizeof(was), "%s", from);
	if ((st = erp_sql(r, sql)) == NULL) {
		cJSON_Delete(cur);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: move");
	}
	erp_host->time_text(erp_host->now(), now);
	erp_host->sql_text(st, 1, mv->mv_to);
	erp_host->sql_text(st, 2, now);
	erp_host->sql_int(st, 3, id);
	erp_host->sql_int(st, 4, erp_host->org(r));
	erp_host->sql_text(st, 5, was);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE || erp_host->changes(r) != 1) {
		cJSON_Delete(cur);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: move");
	}
	details = cJSON_CreateObject();
	c = cJSON_AddObjectToObject(details, "status");
	cJSON_AddStringToObject(c, "old", was);
	cJSON_AddStringToObject(c, "new", mv->mv_to);
	erp_json_int(details, "total_cents", get_int(cur, "total_cents"));
	cJSON_AddStringToObject(details, "currency",
	    get_text(cur, "currency"));
	cJSON_Delete(cur);
	rc = erp_audit(r, mv->mv_action, "order", id, details);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: audit");
	/* other modules (stock) hear "order.shipped" once it committed */
	snprintf(msg, sizeof(msg), "order.%s", mv->mv_to);
	if ((cur = order_read(r, id, 1, &rc)) == NULL ||
	    erp_host->emit(r, msg, cur) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "orders: event");
	return reply_order(r, 200, id);
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
	  .permission = "order:read", .handler = order_list },
	{ .method = ERP_POST, .path = "/orders",
	  .permission = "order:create", .schema = "order",
	  .handler = order_create, .computed = computed },
	{ .method = ERP_GET, .path = "/orders/{id}",
	  .permission = "order:read", .load = order_load,
	  .handler = order_get },
	{ .method = ERP_PATCH, .path = "/orders/{id}",
	  .permission = "order:update", .schema = "order",
	  .load = order_load, .handler = order_patch, .computed = computed },
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
