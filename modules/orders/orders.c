/*
 * orders: sales orders under /api/v1/orgs/{org}/orders, declared. The
 * host serves them from the fields and lines below; this module prices
 * every line from its product and computes the total before the policy
 * decides (the compute hook), so a rule can read them, and keeps all but
 * a draft as it is (the check hook). The status moves draft → confirmed
 * → shipped, or draft|confirmed → cancelled, each move its own
 * permission judged with the order, so a policy can say who may confirm
 * what; each is heard by other modules as "order.<status>".
 */
#include <stdio.h>
#include <string.h>

#include <erp/module.h>

#define LINES_MAX	500		/* per order */
#define QTY_MAX		100000		/* per line */
#define MONEY_MAX	INT64_C(9007199254740991)	/* 2^53 - 1 cents */

static const char *const statuses[] = { "draft", "confirmed", "shipped",
    "cancelled", NULL };
static const char *const drafts[] = { "draft", NULL };
static const char *const confirmed[] = { "confirmed", NULL };
static const char *const open_orders[] = { "draft", "confirmed", NULL };

static const char *
get_text(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Sets o's member name to item, in place of any it had. */
static void
set(cJSON *o, const char *name, cJSON *item)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	cJSON_AddItemToObject(o, name, item);
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
		if (erp_json_member_int(l, "product_id", 1, MONEY_MAX,
		    &n) == -1 ||
		    erp_json_member_int(l, "quantity", 1, QTY_MAX, &n) == -1)
			return 0;
	return 1;
}

/*
 * Prices rec's lines from their products, which must be of this
 * organization, active, and in one currency: each line gets its unit
 * price and line total, rec its currency and total_cents (all below
 * 2^53, exact in any JSON reader). Lines the schema will refuse stay
 * unpriced. Returns: 0, or the status of the 422 sent.
 */
static int
price_lines(struct erp_req *r, cJSON *rec)
{
	static const char	 sql[] = "SELECT price_cents, currency, active "
				    "FROM products WHERE id = ? AND org_id = ?";
	cJSON			*lines, *l;
	struct erp_sql		*st;
	const char		*cur, *why = NULL, *what = "product_id";
	char			 currency[4] = "", field[48], msg[96];
	int64_t			 product, qty, unit = 0, total = 0;
	int			 i = 0, rc;

	lines = cJSON_GetObjectItemCaseSensitive(rec, "lines");
	if (!lines_well_formed(lines))
		return 0;
	cJSON_ArrayForEach(l, lines) {
		/* lines_well_formed admitted every line: never fails */
		if (erp_json_member_int(l, "product_id", 1, MONEY_MAX,
		    &product) == -1 ||
		    erp_json_member_int(l, "quantity", 1, QTY_MAX, &qty) == -1)
			return 0;
		if ((st = erp_sql(r, sql)) == NULL)
			return erp_fail(r, ERP_E_INTERNAL, NULL,
			    "orders: pricing");
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
		if (rc != ERP_SQL_ROW && rc != ERP_SQL_DONE)
			return erp_fail(r, ERP_E_INTERNAL, NULL,
			    "orders: pricing");
		if (why != NULL)
			break;
		/* money stays below 2^53, exact in any JSON reader */
		if (unit > MONEY_MAX / qty || total > MONEY_MAX - qty * unit) {
			what = "quantity";
			why = "makes the order's total too large";
			break;
		}
		total += qty * unit;
		set(l, "unit_price_cents", cJSON_CreateNumber((double)unit));
		set(l, "line_total_cents", cJSON_CreateNumber((double)(qty *
		    unit)));
		i++;
	}
	if (why != NULL) {
		snprintf(field, sizeof(field), "lines[%d].%s", i, what);
		return erp_fail(r, ERP_E_VALIDATION, field, why);
	}
	set(rec, "currency", cJSON_CreateString(currency));
	set(rec, "total_cents", cJSON_CreateNumber((double)total));
	return 0;
}

/*
 * The compute hook: the would-be order (the body on create, the stored
 * order with the body applied on update) priced, so the policy decides
 * on the prices and the total that will be stored. Kept lines are priced
 * already; the lines of an order other than a draft never change.
 * Returns: 0, or the status of the failure sent.
 */
static int
order_compute(struct erp_req *r, cJSON *rec, const cJSON *before)
{
	if (before != NULL &&
	    strcmp(get_text(before, "status"), "draft") != 0) {
		set(rec, "lines", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(before, "lines"), 1));
		return 0;
	}
	if (before != NULL && !cJSON_HasObjectItem(erp_host->body(r), "lines"))
		return 0;
	return price_lines(r, rec);
}

/*
 * The check hook: only a draft is changed or deleted. A transition
 * (its status changes) is the declared moves' own to allow. Returns: 0,
 * or the status of the 409 sent.
 */
static int
order_check(struct erp_req *r, cJSON *rec, const cJSON *before)
{
	const char	*was = get_text(before, "status");

	if (before == NULL || strcmp(was, "draft") == 0 ||
	    (rec != NULL && strcmp(get_text(rec, "status"), was) != 0))
		return 0;
	return erp_fail(r, ERP_E_CONFLICT, "status", rec == NULL ?
	    "only a draft order can be deleted" :
	    "only a draft order can be changed");
}

static const struct erp_field fields[] = {
	{ .name = "customer_id", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_REQUIRED | ERP_FIELD_FILTER | ERP_FIELD_MIN, .min = 1,
	  .ref = "customer", .label = "Customer" },
	{ .name = "status", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_COMPUTED | ERP_FIELD_FILTER, .enums = statuses,
	  .def = "\"draft\"" },
	{ .name = "currency", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_COMPUTED | ERP_FIELD_REQUIRED | ERP_FIELD_AUDIT },
	{ .name = "total_cents", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_COMPUTED | ERP_FIELD_REQUIRED | ERP_FIELD_AUDIT |
	  ERP_FIELD_SORT | ERP_FIELD_MIN, .min = 0 },
	{ .name = NULL }
};

static const struct erp_field line_fields[] = {
	{ .name = "product_id", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_REQUIRED | ERP_FIELD_MIN, .min = 1, .ref = "product",
	  .label = "Product" },
	{ .name = "quantity", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_REQUIRED | ERP_FIELD_MIN | ERP_FIELD_MAX, .min = 1,
	  .max = QTY_MAX },
	{ .name = "unit_price_cents", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_COMPUTED | ERP_FIELD_REQUIRED | ERP_FIELD_MIN, .min = 0 },
	{ .name = "line_total_cents", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_COMPUTED | ERP_FIELD_REQUIRED | ERP_FIELD_MIN, .min = 0 },
	{ .name = NULL }
};

static const struct erp_rows rows[] = {
	{ .resource = "order", .name = "lines", .table = "order_lines",
	  .owner = "order_id", .fields = line_fields, .min = 1,
	  .max = LINES_MAX },
	{ .resource = NULL }
};

static const struct erp_transition transitions[] = {
	{ "confirm", drafts, "confirmed", "order:confirm" },
	{ "ship", confirmed, "shipped", "order:ship" },
	{ "cancel", open_orders, "cancelled", "order:cancel" },
	{ NULL, NULL, NULL, NULL }
};

static const struct erp_resource resources[] = {
	{ .type = "order", .path = "/orders", .table = "orders",
	  .fields = fields, .state = "status", .transitions = transitions,
	  .compute = order_compute, .check = order_check },
	ERP_RESOURCE_END
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
	.version = "1.1.0",
	.depends = depends,
	.resources = resources,
	.rows = rows,
	.migrations = orders_migrations,
};
