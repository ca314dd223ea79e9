/*
 * inventory: stock per product (on hand, reserved), the moves that change
 * it, each with a reason, and reservations that hold stock for a
 * reference (an order) until it ships or is released. Written against
 * the installed erp/module.h alone, as any integrator's module would be;
 * it reads the products module's table only to check that a product is
 * one of the organization's. It hears the orders module's events inside
 * the order's own transaction (when orders is loaded; neither module
 * needs the other): a confirmation reserves, and is refused when stock
 * is short, a shipment moves the reservation out, a cancellation
 * releases it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <erp/module.h>

#define QTY_MAX		1000000		/* per move or reservation line */
#define LINES_MAX	500		/* per reservation */
#define REF_MAX		64		/* a reservation's reference */
#define NOTE_MAX	500

static const char policy[] =
    "schemas.stock_move = {\n"
    "  product_id = { type = 'integer', required = true, min = 1,\n"
    "    label = 'Product', ref = 'product' },\n"
    "  quantity = { type = 'integer', required = true, min = -1000000,\n"
    "    max = 1000000 },\n"
    "  reason = { type = 'string', required = true,\n"
    "    enum = { 'receipt', 'return', 'scrap', 'adjustment' } },\n"
    "  reference = { type = 'string', min_len = 1, max_len = 64,\n"
    "    nullable = true },\n"
    "  note = { type = 'string', max_len = 500, nullable = true },\n"
    "}\n"
    "schemas.reservation = {\n"
    "  reference = { type = 'string', required = true, min_len = 1,\n"
    "    max_len = 64, pattern = '^[A-Za-z0-9._:-]+$' },\n"
    "  lines = { type = 'array', required = true, min_items = 1,\n"
    "    max_items = 500, items = { type = 'object', fields = {\n"
    "      product_id = { type = 'integer', required = true, min = 1,\n"
    "        label = 'Product', ref = 'product' },\n"
    "      quantity = { type = 'integer', required = true, min = 1,\n"
    "        max = 1000000 },\n"
    "    } } },\n"
    "}\n"
    /* who confirms an order reserves, who ships it ships */
    "table.insert(roles.manager, 'stock:*')\n"
    "table.insert(roles.clerk, 'stock:read')\n"
    "table.insert(roles.clerk, 'stock:move')\n"
    "table.insert(roles.clerk, 'stock:reserve')\n"
    "table.insert(roles.viewer, 'stock:read')\n"
    "table.insert(tests, function()\n"
    "  local clerk = { id = 1, kind = 'user', role = 'clerk' }\n"
    "  expect_allow(clerk, 'stock:reserve', { type = 'stock' })\n"
    "  expect_deny(clerk, 'stock:ship', { type = 'stock' })\n"
    "end)\n";

/* Reasons a move may be made with by hand, and the sign each needs. */
static const struct {
	const char	*rs_name;
	int		 rs_sign;	/* 1 in, -1 out, 0 either */
} reasons[] = {
	{ "receipt", 1 }, { "return", 1 }, { "scrap", -1 },
	{ "adjustment", 0 },
};

/* A string member, NULL when absent or null. */
static const char *
text_member(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Is ref a reservation reference: 1 to REF_MAX of [A-Za-z0-9._:-]? */
static int
is_reference(const char *ref)
{
	size_t	 n = ref != NULL ? strlen(ref) : 0;

	return n >= 1 && n <= REF_MAX && strspn(ref, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == n;
}

/*
 * Is ref an order's own reservation, "order:<id>"? Those are made and
 * ended by the order's confirmation, shipment and cancellation only.
 */
static int
is_order_ref(const char *ref)
{
	return strncmp(ref, "order:", 6) == 0 && ref[6] != '\0' &&
	    strspn(ref + 6, "0123456789") == strlen(ref + 6);
}

/* Returns: 1 if product is one of this organization's, 0 if not, -1. */
static int
product_known(struct erp_req *r, int64_t product)
{
	static const char	 sql[] = "SELECT 1 FROM products "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	int			 rc;

	if ((st = erp_sql(r, sql)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, product);
	erp_host->sql_int(st, 2, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc == ERP_SQL_ROW)
		return 1;
	return rc == ERP_SQL_DONE ? 0 : -1;
}

/*
 * A product's stock (0 and 0 before its first move). Returns: 1, 0 when
 * the product has no stock row yet (inventory never saw it), or -1.
 */
static int
stock_read(struct erp_req *r, int64_t product, int64_t *on_hand,
    int64_t *reserved)
{
	static const char	 sql[] = "SELECT on_hand, reserved FROM "
				    "inventory_stock WHERE org_id = ? AND "
				    "product_id = ?";
	struct erp_sql		*st;
	int			 rc;

	if ((st = erp_sql(r, sql)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_int(st, 2, product);
	*on_hand = *reserved = 0;
	if ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW) {
		*on_hand = erp_host->sql_col_int(st, 0);
		*reserved = erp_host->sql_col_int(st, 1);
	}
	erp_host->sql_reset(st);
	return rc == ERP_SQL_ROW ? 1 : rc == ERP_SQL_DONE ? 0 : -1;
}

/* Sets a product's stock (the row made on its first move). 0 or -1. */
static int
stock_write(struct erp_req *r, int64_t product, int64_t on_hand,
    int64_t reserved)
{
	static const char	 upd[] = "UPDATE inventory_stock SET on_hand "
				    "= ?, reserved = ?, updated_at = ? WHERE "
				    "org_id = ? AND product_id = ?";
	static const char	 ins[] = "INSERT INTO inventory_stock (org_id, "
				    "product_id, on_hand, reserved, updated_at) "
				    "VALUES (?, ?, ?, ?, ?)";
	struct erp_sql		*st;
	char			 now[21];
	int			 rc;

	erp_host->time_text(erp_host->now(), now);
	if ((st = erp_sql(r, upd)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, on_hand);
	erp_host->sql_int(st, 2, reserved);
	erp_host->sql_text(st, 3, now);
	erp_host->sql_int(st, 4, erp_host->org(r));
	erp_host->sql_int(st, 5, product);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		return -1;
	if (erp_host->changes(r) > 0)
		return 0;
	if ((st = erp_sql(r, ins)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_int(st, 2, product);
	erp_host->sql_int(st, 3, on_hand);
	erp_host->sql_int(st, 4, reserved);
	erp_host->sql_text(st, 5, now);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	return rc == ERP_SQL_DONE ? 0 : -1;
}

/* One move as the API shows it. */
struct move {
	int64_t		 mv_id;
	int64_t		 mv_product;
	int64_t		 mv_qty;
	const char	*mv_reason;
	const char	*mv_reference;	/* or NULL */
	const char	*mv_note;	/* or NULL */
	int64_t		 mv_after;	/* on hand after the move */
	int64_t		 mv_by;
	char		 mv_at[21];
};

static void
add_text(cJSON *o, const char *name, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

static cJSON *
move_json(const struct move *m)
{
	cJSON	*o = cJSON_CreateObject();

	erp_json_int(o, "id", m->mv_id);
	erp_json_int(o, "product_id", m->mv_product);
	erp_json_int(o, "quantity", m->mv_qty);
	cJSON_AddStringToObject(o, "reason", m->mv_reason);
	add_text(o, "reference", m->mv_reference);
	add_text(o, "note", m->mv_note);
	erp_json_int(o, "on_hand_after", m->mv_after);
	erp_json_int(o, "created_by", m->mv_by);
	cJSON_AddStringToObject(o, "created_at", m->mv_at);
	return o;
}

/*
 * Records m (its id, author and time filled in here) after stock moved.
 * Returns: 0 or -1.
 */
static int
move_insert(struct erp_req *r, struct move *m)
{
	static const char	 sql[] = "INSERT INTO inventory_moves (org_id, "
				    "product_id, quantity, reason, reference, "
				    "note, on_hand_after, created_by, "
				    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
				    "?, ?)";
	struct erp_sql		*st;
	int			 rc;

	m->mv_by = erp_host->subject_id(r);
	erp_host->time_text(erp_host->now(), m->mv_at);
	if ((st = erp_sql(r, sql)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_int(st, 2, m->mv_product);
	erp_host->sql_int(st, 3, m->mv_qty);
	erp_host->sql_text(st, 4, m->mv_reason);
	erp_host->sql_text(st, 5, m->mv_reference);
	erp_host->sql_text(st, 6, m->mv_note);
	erp_host->sql_int(st, 7, m->mv_after);
	erp_host->sql_int(st, 8, m->mv_by);
	erp_host->sql_text(st, 9, m->mv_at);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		return -1;
	m->mv_id = erp_host->last_insert_id(r);
	return 0;
}

/* The 409 for a line or move that asks more than is available. */
static int
not_enough(struct erp_req *r, const char *field, int64_t product,
    int64_t available, int64_t asked)
{
	char	 msg[128];

	snprintf(msg, sizeof(msg), "not enough stock of product %lld: "
	    "%lld available, %lld asked", (long long)product,
	    (long long)available, (long long)asked);
	return erp_fail(r, ERP_E_CONFLICT, field, msg);
}

/* -- stock ------------------------------------------------------------ */

static cJSON *
stock_json(int64_t product, int64_t on_hand, int64_t reserved)
{
	cJSON	*o = cJSON_CreateObject();

	erp_json_int(o, "product_id", product);
	erp_json_int(o, "on_hand", on_hand);
	erp_json_int(o, "reserved", reserved);
	erp_json_int(o, "available", on_hand - reserved);
	return o;
}

/* Loads /stock/{id}: the stock of product {id} of this organization. */
static int
stock_load(struct erp_req *r, cJSON **attrs)
{
	int64_t	 id = erp_host->param_id(r, "id"), on_hand, reserved;
	int	 known;

	if (id <= 0)
		return 0;
	if ((known = product_known(r, id)) != 1)
		return known;
	if (stock_read(r, id, &on_hand, &reserved) == -1)
		return -1;
	*attrs = stock_json(id, on_hand, reserved);
	return 1;
}

/* GET of one record: what the route's loader loaded. */
static int
reply_loaded(struct erp_req *r)
{
	return erp_reply_json(r, 200, cJSON_Duplicate(erp_host->attrs(r), 1));
}

/*
 * An optional positive integer query parameter. Returns: 1 with *out
 * set, 0 when absent, -1 with the 422 sent.
 */
static int
query_id(struct erp_req *r, const char *name, int64_t *out)
{
	char	 buf[24], *end;
	int	 n;

	if ((n = erp_host->query(r, name, buf, sizeof(buf))) == -1)
		return 0;
	*out = n > 0 ? strtoll(buf, &end, 10) : 0;
	if (n <= 0 || buf[0] < '0' || buf[0] > '9' || *end != '\0' ||
	    *out <= 0) {
		erp_fail(r, ERP_E_VALIDATION, name, "must be a positive "
		    "integer");
		return -1;
	}
	return 1;
}

/* The stock row at the statement's cursor (the columns of stock_list). */
static cJSON *
stock_row(struct erp_sql *st)
{
	return stock_json(erp_host->sql_col_int(st, 0),
	    erp_host->sql_col_int(st, 1), erp_host->sql_col_int(st, 2));
}

/*
 * sql with the organization and ?product_id= (0: any) bound. Returns: the
 * statement, or NULL (which reply_page answers with a 500).
 */
static struct erp_sql *
stock_query(struct erp_req *r, const char *sql, int64_t product)
{
	struct erp_sql	*st;

	if ((st = erp_sql(r, sql)) == NULL)
		return NULL;
	erp_host->sql_int(st, 1, erp_host->org(r));
	if (product > 0) {
		erp_host->sql_int(st, 2, product);
		erp_host->sql_int(st, 3, product);
	}
	return st;
}

static int
stock_list(struct erp_req *r)
{
	static const char	 count_sql[] = "SELECT count(*) FROM "
				    "inventory_stock WHERE org_id = ? AND "
				    "(? IS NULL OR product_id = ?)";
	static const char	 page_sql[] = "SELECT product_id, on_hand, "
				    "reserved FROM inventory_stock WHERE "
				    "org_id = ? AND (? IS NULL OR product_id "
				    "= ?) ORDER BY product_id LIMIT ? OFFSET ?";
	int64_t			 product = 0;

	if (query_id(r, "product_id", &product) == -1)
		return -1;
	return erp_host->reply_page(r, stock_query(r, count_sql, product),
	    stock_query(r, page_sql, product), stock_row);
}

/* -- moves ------------------------------------------------------------ */

static int
move_create(struct erp_req *r)
{
	const cJSON	*body = erp_host->body(r);
	struct move	 m = { 0 };
	int64_t		 on_hand, reserved;
	size_t		 i;
	int		 known;

	if (erp_json_member_int(body, "product_id", 1, ERP_JSON_INT_MAX,
	    &m.mv_product) == -1)
		return erp_fail(r, ERP_E_VALIDATION, "product_id",
		    "must be a positive integer");
	if (erp_json_member_int(body, "quantity", -QTY_MAX, QTY_MAX,
	    &m.mv_qty) == -1 || m.mv_qty == 0)
		return erp_fail(r, ERP_E_VALIDATION, "quantity",
		    "must be a non-zero integer from -1000000 to 1000000");
	m.mv_reason = text_member(body, "reason");
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (m.mv_reason != NULL &&
		    strcmp(m.mv_reason, reasons[i].rs_name) == 0)
			break;
	if (i == sizeof(reasons) / sizeof(reasons[0]))
		return erp_fail(r, ERP_E_VALIDATION, "reason", "must be one "
		    "of receipt, return, scrap, adjustment");
	if (reasons[i].rs_sign * m.mv_qty < 0)
		return erp_fail(r, ERP_E_VALIDATION, "quantity",
		    reasons[i].rs_sign > 0 ? "must be positive for this "
		    "reason" : "must be negative for this reason");
	m.mv_reference = text_member(body, "reference");
	m.mv_note = text_member(body, "note");
	if (m.mv_reference != NULL && !is_reference(m.mv_reference))
		return erp_fail(r, ERP_E_VALIDATION, "reference", "must be 1 "
		    "to 64 of A-Z, a-z, 0-9, '.', '_', ':' and '-'");
	if (m.mv_note != NULL && strlen(m.mv_note) > NOTE_MAX)
		return erp_fail(r, ERP_E_VALIDATION, "note",
		    "must be at most 500 bytes");
	if ((known = product_known(r, m.mv_product)) == 0)
		return erp_fail(r, ERP_E_VALIDATION, "product_id",
		    "no such product in this organization");
	if (known == -1 ||
	    stock_read(r, m.mv_product, &on_hand, &reserved) == -1)
		goto internal;
	/* reserved stock is spoken for: only the rest may leave */
	if (on_hand - reserved + m.mv_qty < 0)
		return not_enough(r, "quantity", m.mv_product,
		    on_hand - reserved, -m.mv_qty);
	if (on_hand > ERP_JSON_INT_MAX - m.mv_qty)
		return erp_fail(r, ERP_E_VALIDATION, "quantity",
		    "makes the stock too large");
	m.mv_after = on_hand + m.mv_qty;
	if (stock_write(r, m.mv_product, m.mv_after, reserved) == -1 ||
	    move_insert(r, &m) == -1)
		goto internal;
	if (erp_audit(r, "stock.move", "stock_move", m.mv_id,
	    move_json(&m)) == -1)
		goto internal;
	return erp_reply_json(r, 201, move_json(&m));
internal:
	return erp_fail(r, ERP_E_INTERNAL, NULL, "inventory: move");
}

/* The move at the statement's cursor (the columns of move_list). */
static cJSON *
move_row(struct erp_sql *st)
{
	struct move	 m;

	m.mv_id = erp_host->sql_col_int(st, 0);
	m.mv_product = erp_host->sql_col_int(st, 1);
	m.mv_qty = erp_host->sql_col_int(st, 2);
	m.mv_reason = erp_host->sql_col_text(st, 3);
	m.mv_reference = erp_host->sql_col_text(st, 4);
	m.mv_note = erp_host->sql_col_text(st, 5);
	m.mv_after = erp_host->sql_col_int(st, 6);
	m.mv_by = erp_host->sql_col_int(st, 7);
	snprintf(m.mv_at, sizeof(m.mv_at), "%s",
	    erp_host->sql_col_text(st, 8));
	return move_json(&m);
}

/*
 * sql with the organization and the filters of ?product_id= (0: any),
 * ?reason= and ?reference= (NULL: any) bound. Returns: the statement, or
 * NULL (which reply_page answers with a 500).
 */
static struct erp_sql *
move_query(struct erp_req *r, const char *sql, int64_t product,
    const char *reason, const char *reference)
{
	struct erp_sql	*st;

	/* the first three ? are stock_query's: organization and product */
	if ((st = stock_query(r, sql, product)) == NULL)
		return NULL;
	erp_host->sql_text(st, 4, reason);
	erp_host->sql_text(st, 5, reason);
	erp_host->sql_text(st, 6, reference);
	erp_host->sql_text(st, 7, reference);
	return st;
}

#define MOVE_FILTER	"org_id = ? AND (? IS NULL OR product_id = ?) AND " \
			"(? IS NULL OR reason = ?) AND " \
			"(? IS NULL OR reference = ?)"

static int
move_list(struct erp_req *r)
{
	static const char	 count_sql[] = "SELECT count(*) FROM "
				    "inventory_moves WHERE " MOVE_FILTER;
	static const char	 page_sql[] = "SELECT id, product_id, quantity, "
				    "reason, reference, note, on_hand_after, "
				    "created_by, created_at FROM "
				    "inventory_moves WHERE " MOVE_FILTER
				    " ORDER BY id DESC LIMIT ? OFFSET ?";
	char			 reason[16], ref[REF_MAX + 1];
	const char		*by_reason = NULL, *by_ref = NULL;
	int64_t			 product = 0;
	int			 n;

	if (query_id(r, "product_id", &product) == -1)
		return -1;
	if ((n = erp_host->query(r, "reason", reason, sizeof(reason))) != -1) {
		if (n <= 0 || strspn(reason, "abcdefghijklmnopqrstuvwxyz") !=
		    (size_t)n)
			return erp_fail(r, ERP_E_VALIDATION, "reason",
			    "must be a reason such as receipt");
		by_reason = reason;
	}
	if ((n = erp_host->query(r, "reference", ref, sizeof(ref))) != -1) {
		if (n <= 0 || !is_reference(ref))
			return erp_fail(r, ERP_E_VALIDATION, "reference",
			    "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_', "
			    "':' and '-'");
		by_ref = ref;
	}
	return erp_host->reply_page(r, move_query(r, count_sql, product,
	    by_reason, by_ref), move_query(r, page_sql, product, by_reason,
	    by_ref), move_row);
}

/* -- reservations ----------------------------------------------------- */

/*
 * Reserves each line of lines for reference, all or none: a line that
 * asks more than is available is a 409 naming it (the host then rolls
 * back the lines before it). With kept_only, lines of products that have
 * no stock row (inventory never saw them: not kept in stock) are passed
 * over, as an order's are. Returns: 0, or the status of the failure sent.
 */
static int
reserve_lines(struct erp_req *r, const char *reference, const cJSON *lines,
    int kept_only, cJSON *out)
{
	static const char	 sql[] = "INSERT INTO inventory_reservations "
				    "(org_id, reference, line_no, product_id, "
				    "quantity, created_at) VALUES (?, ?, ?, ?, "
				    "?, ?)";
	struct erp_sql		*st;
	const cJSON		*item;
	cJSON			*o;
	char			 field[48], now[21];
	int64_t			 product, qty, on_hand, reserved;
	int			 i, n, known, kept, rc;

	n = cJSON_IsArray(lines) ? cJSON_GetArraySize(lines) : 0;
	if (n < 1 || n > LINES_MAX)
		return erp_fail(r, ERP_E_VALIDATION, "lines",
		    "must be an array of 1 to 500 lines");
	erp_host->time_text(erp_host->now(), now);
	for (i = 0; i < n; i++) {
		item = cJSON_GetArrayItem(lines, i);
		snprintf(field, sizeof(field), "lines[%d].product_id", i);
		if (erp_json_member_int(item, "product_id", 1, ERP_JSON_INT_MAX,
		    &product) == -1)
			return erp_fail(r, ERP_E_VALIDATION, field,
			    "must be a positive integer");
		if ((known = product_known(r, product)) == 0)
			return erp_fail(r, ERP_E_VALIDATION, field,
			    "no such product in this organization");
		snprintf(field, sizeof(field), "lines[%d].quantity", i);
		if (erp_json_member_int(item, "quantity", 1, QTY_MAX,
		    &qty) == -1)
			return erp_fail(r, ERP_E_VALIDATION, field,
			    "must be an integer from 1 to 1000000");
		if (known == -1 || (kept = stock_read(r, product, &on_hand,
		    &reserved)) == -1)
			goto internal;
		if (kept == 0 && kept_only)
			continue;
		if ((st = erp_sql(r, sql)) == NULL)
			goto internal;
		erp_host->sql_int(st, 1, erp_host->org(r));
		erp_host->sql_text(st, 2, reference);
		erp_host->sql_int(st, 3, i + 1);
		erp_host->sql_int(st, 4, product);
		erp_host->sql_int(st, 5, qty);
		erp_host->sql_text(st, 6, now);
		rc = erp_host->sql_step(st);
		erp_host->sql_reset(st);
		if (rc == ERP_SQL_CONFLICT)
			return erp_fail(r, ERP_E_CONFLICT, "reference",
			    "already reserved");
		if (rc != ERP_SQL_DONE)
			goto internal;
		/* earlier lines of the same product already count */
		if (on_hand - reserved < qty)
			return not_enough(r, field, product,
			    on_hand - reserved, qty);
		if (stock_write(r, product, on_hand, reserved + qty) == -1)
			goto internal;
		o = cJSON_CreateObject();
		erp_json_int(o, "product_id", product);
		erp_json_int(o, "quantity", qty);
		cJSON_AddItemToArray(out, o);
	}
	return 0;
internal:
	return erp_fail(r, ERP_E_INTERNAL, NULL, "inventory: reserve");
}

static cJSON *
reservation_json(const char *reference, cJSON *lines)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "reference", reference);
	cJSON_AddItemToObject(o, "lines", lines);
	return o;
}

static int
reservation_create(struct erp_req *r)
{
	const cJSON	*body = erp_host->body(r);
	const char	*ref = text_member(body, "reference");
	cJSON		*lines = cJSON_CreateArray();
	int		 status;

	if (!is_reference(ref) || is_order_ref(ref)) {
		cJSON_Delete(lines);
		return erp_fail(r, ERP_E_VALIDATION, "reference", ref != NULL &&
		    is_order_ref(ref) ? "order:<id> is the order's own: "
		    "confirming the order reserves it" : "must be 1 to 64 of "
		    "A-Z, a-z, 0-9, '.', '_', ':' and '-'");
	}
	if ((status = reserve_lines(r, ref,
	    cJSON_GetObjectItemCaseSensitive(body, "lines"), 0, lines)) != 0) {
		cJSON_Delete(lines);
		return status;
	}
	if (erp_audit(r, "stock.reserve", "reservation", 0,
	    reservation_json(ref, cJSON_Duplicate(lines, 1))) == -1) {
		cJSON_Delete(lines);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "inventory: audit");
	}
	return erp_reply_json(r, 201, reservation_json(ref, lines));
}

/*
 * Reads reservation ref into *attrs ({reference, lines}; caller frees).
 * Returns: 1, 0 when there is none, -1.
 */
static int
reservation_read(struct erp_req *r, const char *ref, cJSON **attrs)
{
	static const char	 sql[] = "SELECT product_id, quantity FROM "
				    "inventory_reservations WHERE org_id = ? "
				    "AND reference = ? ORDER BY line_no";
	struct erp_sql		*st;
	cJSON			*lines, *line;
	int			 rc;

	if (!is_reference(ref))
		return 0;
	if ((st = erp_sql(r, sql)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_text(st, 2, ref);
	/* plain numbers: the policy reads these attributes */
	lines = cJSON_CreateArray();
	while ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW) {
		line = cJSON_CreateObject();
		cJSON_AddNumberToObject(line, "product_id",
		    (double)erp_host->sql_col_int(st, 0));
		cJSON_AddNumberToObject(line, "quantity",
		    (double)erp_host->sql_col_int(st, 1));
		cJSON_AddItemToArray(lines, line);
	}
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE || cJSON_GetArraySize(lines) == 0) {
		cJSON_Delete(lines);
		return rc == ERP_SQL_DONE ? 0 : -1;
	}
	*attrs = reservation_json(ref, lines);
	return 1;
}

/* Loads /reservations/{ref}: its lines, or 0 when there are none. */
static int
reservation_load(struct erp_req *r, cJSON **attrs)
{
	return reservation_read(r, erp_host->param(r, "ref"), attrs);
}

/* Drops the reservation's rows once its stock has moved or been freed. */
static int
reservation_drop(struct erp_req *r, const char *ref)
{
	static const char	 sql[] = "DELETE FROM inventory_reservations "
				    "WHERE org_id = ? AND reference = ?";
	struct erp_sql		*st;
	int			 rc;

	if ((st = erp_sql(r, sql)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_text(st, 2, ref);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	return rc == ERP_SQL_DONE ? 0 : -1;
}

/*
 * Ends reservation ref (loaded as attrs): shipping takes each line's
 * quantity out of stock with a "shipment" move (into moves), releasing
 * only frees it. Returns: 0 or -1. A shipped or cancelled order calls
 * this.
 */
static int
reservation_end(struct erp_req *r, const cJSON *attrs, int ship,
    cJSON *moves)
{
	const char	*ref = text_member(attrs, "reference");
	const cJSON	*line;
	struct move	 m;
	int64_t		 qty, on_hand, reserved;

	cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(attrs,
	    "lines")) {
		memset(&m, 0, sizeof(m));
		if (erp_json_member_int(line, "product_id", 1, ERP_JSON_INT_MAX,
		    &m.mv_product) == -1 ||
		    erp_json_member_int(line, "quantity", 1, QTY_MAX,
		    &qty) == -1 ||
		    stock_read(r, m.mv_product, &on_hand, &reserved) == -1)
			return -1;
		if (!ship) {
			if (stock_write(r, m.mv_product, on_hand,
			    reserved - qty) == -1)
				return -1;
			continue;
		}
		m.mv_qty = -qty;
		m.mv_reason = "shipment";
		m.mv_reference = ref;
		m.mv_after = on_hand - qty;
		if (stock_write(r, m.mv_product, on_hand - qty,
		    reserved - qty) == -1 || move_insert(r, &m) == -1)
			return -1;
		cJSON_AddItemToArray(moves, move_json(&m));
	}
	return reservation_drop(r, ref);
}

/*
 * Ends reservation res ({reference, lines}) and audits it: stock.ship
 * with the moves out, or stock.release with the lines. Returns: what a
 * ship answers, {reference, moves} (caller frees), or NULL on error.
 */
static cJSON *
reservation_finish(struct erp_req *r, const cJSON *res, int ship)
{
	cJSON	*out = cJSON_CreateObject(), *moves;

	cJSON_AddStringToObject(out, "reference",
	    text_member(res, "reference"));
	moves = cJSON_AddArrayToObject(out, "moves");
	if (reservation_end(r, res, ship, moves) == -1 ||
	    erp_audit(r, ship ? "stock.ship" : "stock.release",
	    "reservation", 0, cJSON_Duplicate(ship ? out : res, 1)) == -1) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/* Ship and release by hand: not an order's own reservation. */
static int
reservation_by_hand(struct erp_req *r)
{
	if (!is_order_ref(erp_host->param(r, "ref")))
		return 0;
	return erp_fail(r, ERP_E_CONFLICT, "reference", "an order's "
	    "reservation ends when the order ships or is cancelled");
}

static int
reservation_ship(struct erp_req *r)
{
	cJSON	*out;
	int	 status;

	if ((status = reservation_by_hand(r)) != 0)
		return status;
	if ((out = reservation_finish(r, erp_host->attrs(r), 1)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "inventory: ship");
	return erp_reply_json(r, 200, out);
}

static int
reservation_release(struct erp_req *r)
{
	cJSON	*out;
	int	 status;

	if ((status = reservation_by_hand(r)) != 0)
		return status;
	if ((out = reservation_finish(r, erp_host->attrs(r), 0)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "inventory: release");
	cJSON_Delete(out);
	return erp_host->reply_empty(r, 204);
}

/* -- orders' events, inside the order's transaction -------------------- */

/* The reservation of the order in an event's payload: "order:<id>". */
static int
order_ref(const cJSON *order, char ref[REF_MAX + 1])
{
	int64_t	 id;

	if (erp_json_get_int(cJSON_GetObjectItemCaseSensitive(order, "id"),
	    &id) == -1 || id <= 0)
		return -1;
	snprintf(ref, REF_MAX + 1, "order:%lld", (long long)id);
	return 0;
}

/*
 * order.confirmed: reserves the order's lines of products kept in stock;
 * a line asking more than is available refuses the confirmation (409
 * naming lines[i].quantity).
 */
static int
on_order_confirmed(struct erp_req *r, const char *event, const cJSON *order)
{
	char	 ref[REF_MAX + 1];
	cJSON	*lines;
	int	 status;

	if (order_ref(order, ref) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "inventory: order");
	lines = cJSON_CreateArray();
	if ((status = reserve_lines(r, ref, cJSON_GetObjectItemCaseSensitive(
	    order, "lines"), 1, lines)) != 0 ||
	    cJSON_GetArraySize(lines) == 0) {
		cJSON_Delete(lines);
		return status;
	}
	if (erp_audit(r, "stock.reserve", "reservation", 0,
	    reservation_json(ref, lines)) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "inventory: audit");
	return 0;
}

/* order.shipped and order.cancelled: ship or release what it reserved. */
static int
order_ended(struct erp_req *r, const cJSON *order, int ship)
{
	char	 ref[REF_MAX + 1];
	cJSON	*res, *out;
	int	 rc;

	if (order_ref(order, ref) == -1 ||
	    (rc = reservation_read(r, ref, &res)) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "inventory: order");
	if (rc == 0)
		return 0;	/* nothing of it was kept in stock */
	out = reservation_finish(r, res, ship);
	cJSON_Delete(res);
	if (out == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "inventory: order");
	cJSON_Delete(out);
	return 0;
}

static int
on_order_shipped(struct erp_req *r, const char *event, const cJSON *order)
{
	return order_ended(r, order, 1);
}

static int
on_order_cancelled(struct erp_req *r, const char *event, const cJSON *order)
{
	return order_ended(r, order, 0);
}

/* The answers' shapes, for the API document (stock_json, move_json, …). */
#define STOCK_SHAPE	"{product_id: integer, on_hand: integer, " \
			"reserved: integer, available: integer}"
#define MOVE_SHAPE	"{id: integer, product_id: integer, " \
			"quantity: integer, reason: string, " \
			"reference: string|null, note: string|null, " \
			"on_hand_after: integer, created_by: integer, " \
			"created_at: time}"
#define RESERVATION_SHAPE "{reference: string, lines: [{product_id: " \
			"integer, quantity: integer}]}"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/stock",
	  .permission = "stock:read", .handler = stock_list,
	  .summary = "Stock of every product", .reply = "page(" STOCK_SHAPE
	  ")", .query = "{limit?: integer, offset?: integer, "
	  "product_id?: integer}" },
	{ .method = ERP_GET, .path = "/stock/moves",
	  .permission = "stock:read", .handler = move_list,
	  .summary = "Stock moves, newest first",
	  .reply = "page(" MOVE_SHAPE ")", .query = "{limit?: integer, "
	  "offset?: integer, product_id?: integer, reason?: string, "
	  "reference?: string}" },
	{ .method = ERP_POST, .path = "/stock/moves",
	  .permission = "stock:move", .schema = "stock_move",
	  .handler = move_create, .summary = "Move stock by hand",
	  .status = 201, .reply = MOVE_SHAPE },
	{ .method = ERP_GET, .path = "/stock/{id}",
	  .permission = "stock:read", .load = stock_load,
	  .handler = reply_loaded, .summary = "Stock of one product",
	  .reply = STOCK_SHAPE },
	{ .method = ERP_POST, .path = "/reservations",
	  .permission = "stock:reserve", .schema = "reservation",
	  .handler = reservation_create,
	  .summary = "Reserve stock for a reference, all lines or none",
	  .status = 201, .reply = RESERVATION_SHAPE },
	{ .method = ERP_GET, .path = "/reservations/{ref}",
	  .permission = "stock:read", .load = reservation_load,
	  .handler = reply_loaded, .summary = "One reservation",
	  .reply = RESERVATION_SHAPE },
	{ .method = ERP_POST, .path = "/reservations/{ref}/ship",
	  .permission = "stock:ship", .load = reservation_load,
	  .handler = reservation_ship,
	  .summary = "Ship a reservation: its stock leaves",
	  .reply = "{reference: string, moves: [" MOVE_SHAPE "]}" },
	{ .method = ERP_DELETE, .path = "/reservations/{ref}",
	  .permission = "stock:release", .load = reservation_load,
	  .handler = reservation_release,
	  .summary = "Release a reservation: its stock is free again",
	  .status = 204 },
	ERP_ROUTE_END
};

static const struct erp_depend depends[] = {
	{ "products", "1.0" },
	{ NULL, NULL }
};

static const struct erp_subscription order_events[] = {
	{ "order.confirmed", on_order_confirmed },
	{ "order.shipped", on_order_shipped },
	{ "order.cancelled", on_order_cancelled },
	{ NULL, NULL }
};

extern const struct erp_migration inventory_migrations[];

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "inventory",
	.version = "1.0.0",
	.depends = depends,
	.routes = routes,
	.migrations = inventory_migrations,
	.policy = policy,
	.tx_subscriptions = order_events,
};
