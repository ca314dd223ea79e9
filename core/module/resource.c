/*
 * resource: what the host serves for a module's declared resources
 * (struct erp_resource): the routes (list, get, create, update, delete,
 * transitions), their SQL (built once at start-up from the declaration),
 * the base schema as a policy fragment, the check of the table against
 * the declaration, and the handlers. The pipeline has authenticated,
 * loaded, decided on the would-be record and validated before a handler
 * here runs; host_dispatch holds the transaction around it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/api.h"
#include "db/db.h"
#include "field.h"
#include "host_int.h"
#include "policy/policy.h"
#include "rows.h"

#define RESOURCES_MAX	16	/* per module */
#define FIELDS_MAX	48	/* per resource */
#define Q_MAX		200	/* ?q= characters */
#define ETAG_BYTES	12

/* What a resource's routes share: its declaration and its SQL. */
struct res {
	const struct erp_resource	*rs_decl;
	const char			*rs_module;
	size_t				 rs_nfields;
	char				*rs_cols;	/* "id, f1, ..., updated_at" */
	char				*rs_get;	/* by id and org */
	char				*rs_count;
	char				**rs_pages;	/* [0] by id, then +f, -f */
	char				*rs_insert;
	char				*rs_update;
	char				*rs_delete;
	char				*rs_move;	/* the state, if it still is */
	char				*rs_query;	/* list_query's */
	char				*rs_refs[FIELDS_MAX];	/* ref checks */
	struct rowset			*rs_rows[ROWS_PER_RESOURCE];
	size_t				 rs_nrows;
	const char			*rs_reserved[FIELDS_MAX + 5];
};

/* One synthesized route: an ABI route, so host_dispatch runs it. */
struct res_route {
	struct erp_route		 rr_route;	/* first: rt_arg */
	struct res			*rr_res;
	const struct erp_transition	*rr_move;	/* or NULL */
};

/* ETags are keyed: a tag reveals nothing of fields redacted from a caller */
static unsigned char	 etag_key[crypto_shorthash_siphashx24_KEYBYTES];
#define ETAG_LEN	(2 * ETAG_BYTES + 2)
/* The ETag of the record this thread read last (record_read). */
static __thread char	 etag[ETAG_LEN + 1];

#define REQ(r)	((struct http_req *)(void *)(r))

static struct res *
res_of(struct erp_req *r)
{
	return ((const struct res_route *)http_route_arg(REQ(r)))->rr_res;
}

/* A name that is also an SQL identifier: no digit first. */
static bool
ident_valid(const char *s, size_t max)
{
	return module_name_valid(s, max, false);
}

/* Declarations ---------------------------------------------------------- */

int
resource_check(const char *file, const struct erp_module *m,
    struct erp_err *err)
{
	const struct erp_resource	*d;
	const struct erp_transition	*t;
	const struct erp_field		*f, *state;
	size_t				 n, nf;
	char				 perm[80], owner[48];

	for (d = m->resources, n = 0; d != NULL && d->type != NULL; d++, n++) {
		if (n == RESOURCES_MAX) {
			err_set(err, "%s: more than %d resources", file,
			    RESOURCES_MAX);
			return -1;
		}
		snprintf(perm, sizeof(perm), "%s:read", d->type);
		if (!ident_valid(d->type, 32) || !policy_perm_valid(perm) ||
		    d->path == NULL || d->path[0] != '/' ||
		    strchr(d->path, '{') != NULL ||
		    !ident_valid(d->table, 48) || d->fields == NULL) {
			err_set(err, "%s: resource %s is malformed (type, path, "
			    "table or fields)", file, d->type ? d->type : "?");
			return -1;
		}
		snprintf(owner, sizeof(owner), "resource %s", d->type);
		for (f = d->fields, nf = 0; f->name != NULL; f++, nf++) {
			if (nf == FIELDS_MAX) {
				err_set(err, "%s: resource %s: more than %d "
				    "fields", file, d->type, FIELDS_MAX);
				return -1;
			}
			if (field_check(file, owner, f, 0, err) == -1)
				return -1;
			if (field_named(d->fields, f->name) != f) {
				err_set(err, "%s: resource %s: field %s twice",
				    file, d->type, f->name);
				return -1;
			}
		}
		if (nf == 0) {
			err_set(err, "%s: resource %s declares no fields", file,
			    d->type);
			return -1;
		}
		state = d->state ? field_named(d->fields, d->state) : NULL;
		if ((d->state != NULL && (state == NULL || state->enums ==
		    NULL || (state->flags & ERP_FIELD_COMPUTED) == 0)) ||
		    (d->transitions != NULL && state == NULL)) {
			err_set(err, "%s: resource %s: transitions need a state "
			    "field that is computed and has an enum", file,
			    d->type);
			return -1;
		}
		for (t = d->transitions; t != NULL && t->name != NULL; t++)
			if (!ident_valid(t->name, 32) || t->to == NULL ||
			    !field_in_list(state->enums, t->to) ||
			    t->from == NULL || t->permission == NULL ||
			    strchr(t->permission, '*') != NULL ||
			    !policy_perm_valid(t->permission)) {
				err_set(err, "%s: resource %s: transition %s is "
				    "malformed (name, from, to or permission)",
				    file, d->type, t->name ? t->name : "?");
				return -1;
			}
	}
	return rows_check(file, m, err);
}

/* The base schema, as a policy fragment --------------------------------- */

int
resource_fragment(const struct erp_module *m, struct erp_err *err)
{
	static const char *const verbs[] = { "read", "create", "update",
	    "delete" };
	const struct erp_resource	*d;
	const struct erp_transition	*t;
	const struct erp_field		*f;
	const struct erp_rows		*w;
	struct buf			 b = { 0 };
	char				 action[80];
	size_t				 i;
	int				 rc = 0;

	for (d = m->resources; d != NULL && d->type != NULL; d++) {
		/* role patterns may name these (policy check too) */
		for (i = 0; i < nitems(verbs); i++) {
			snprintf(action, sizeof(action), "%s:%s", d->type,
			    verbs[i]);
			policy_engine_add_action(action);
		}
		for (t = d->transitions; t != NULL && t->name != NULL; t++)
			policy_engine_add_action(t->permission);
		buf_printf(&b, "schemas.%s = {\n", d->type);
		for (f = d->fields; f->name != NULL; f++) {
			if (f->flags & ERP_FIELD_COMPUTED)
				continue;	/* never in a body */
			buf_printf(&b, "  %s = ", f->name);
			field_rule(&b, f);
			buf_puts(&b, ",\n");
		}
		for (w = module_rows(m); w != NULL && w->resource != NULL; w++)
			if (strcmp(w->resource, d->type) == 0) {
				buf_printf(&b, "  %s = ", w->name);
				rows_rule(&b, w);
				buf_puts(&b, ",\n");
			}
		buf_puts(&b, "}\n");
	}
	if (b.b_len > 0)
		rc = policy_engine_add_fragment(m->name, b.b_data, err);
	buf_free(&b);
	return rc;
}

/* SQL, built once ------------------------------------------------------- */

/* WHERE org_id = ? AND <q> AND <filters>: one text for every request. */
static void
list_where(struct buf *b, const struct erp_resource *d)
{
	const struct erp_field	*f;
	bool			 search = false;

	buf_puts(b, " FROM ");
	buf_puts(b, d->table);
	buf_puts(b, " WHERE org_id = ?");
	for (f = d->fields; f->name != NULL; f++)
		if (f->flags & ERP_FIELD_SEARCH) {
			buf_puts(b, search ? " OR " : " AND (? IS NULL");
			if (!search)
				buf_puts(b, " OR ");
			buf_printf(b, "lower(%s) LIKE ? ESCAPE '\\'", f->name);
			search = true;
		}
	if (search)
		buf_puts(b, ")");
	for (f = d->fields; f->name != NULL; f++)
		if (f->flags & ERP_FIELD_FILTER)
			buf_printf(b, " AND (? IS NULL OR %s = ?)", f->name);
}

static void
build_sql(struct res *rs, const struct erp_module *m)
{
	const struct erp_resource	*d = rs->rs_decl;
	const struct erp_field		*f;
	struct buf			 b = { 0 }, where = { 0 };
	size_t				 i, np = 1;

	buf_puts(&b, "id");
	for (f = d->fields; f->name != NULL; f++, rs->rs_nfields++)
		buf_printf(&b, ", %s", f->name);
	buf_puts(&b, ", created_at, updated_at");
	rs->rs_cols = buf_take(&b);
	buf_printf(&b, "SELECT %s FROM %s WHERE id = ? AND org_id = ?",
	    rs->rs_cols, d->table);
	rs->rs_get = buf_take(&b);

	list_where(&where, d);
	buf_printf(&b, "SELECT count(*)%s", where.b_data);
	rs->rs_count = buf_take(&b);
	for (f = d->fields; f->name != NULL; f++)
		if (f->flags & ERP_FIELD_SORT)
			np += 2;
	rs->rs_pages = xcalloc(np + 1, sizeof(*rs->rs_pages));
	buf_printf(&b, "SELECT %s%s ORDER BY id LIMIT ? OFFSET ?",
	    rs->rs_cols, where.b_data);
	rs->rs_pages[0] = buf_take(&b);
	/* text sorts as people read it: any case together */
	for (f = d->fields, i = 1; f->name != NULL; f++)
		if (f->flags & ERP_FIELD_SORT) {
			const char	*lo = f->type == ERP_FIELD_STRING ?
					    "lower(" : "(";

			buf_printf(&b, "SELECT %s%s ORDER BY %s%s), id LIMIT ? "
			    "OFFSET ?", rs->rs_cols, where.b_data, lo, f->name);
			rs->rs_pages[i++] = buf_take(&b);
			buf_printf(&b, "SELECT %s%s ORDER BY %s%s) DESC, id DESC "
			    "LIMIT ? OFFSET ?", rs->rs_cols, where.b_data, lo,
			    f->name);
			rs->rs_pages[i++] = buf_take(&b);
		}
	buf_free(&where);

	buf_printf(&b, "INSERT INTO %s (org_id", d->table);
	for (f = d->fields; f->name != NULL; f++)
		buf_printf(&b, ", %s", f->name);
	buf_puts(&b, ", created_at, updated_at) VALUES (?");
	for (f = d->fields; f->name != NULL; f++)
		buf_puts(&b, ", ?");
	buf_puts(&b, ", ?, ?)");
	rs->rs_insert = buf_take(&b);
	buf_printf(&b, "UPDATE %s SET ", d->table);
	for (f = d->fields; f->name != NULL; f++)
		buf_printf(&b, "%s = ?, ", f->name);
	buf_puts(&b, "updated_at = ? WHERE id = ? AND org_id = ?");
	rs->rs_update = buf_take(&b);
	buf_printf(&b, "DELETE FROM %s WHERE id = ? AND org_id = ?", d->table);
	rs->rs_delete = buf_take(&b);
	if (d->state != NULL) {
		buf_printf(&b, "UPDATE %s SET %s = ?, updated_at = ? WHERE "
		    "id = ? AND org_id = ? AND %s = ?", d->table, d->state,
		    d->state);
		rs->rs_move = buf_take(&b);
	}
	buf_free(&b);
	rs->rs_module = m->name;
}

/* Whether the table has every column the declaration names. */
int
resource_table_check(const char *file, const struct erp_module *m,
    struct erp_err *err)
{
	const struct erp_resource	*d;
	const struct erp_field		*f;
	const struct erp_rows		*w;
	struct buf			 b = { 0 };
	struct erp_err			 why;
	int				 rc = 0;

	for (d = m->resources; rc == 0 && d != NULL && d->type != NULL; d++) {
		buf_reset(&b);
		buf_puts(&b, "SELECT id, org_id, created_at, updated_at");
		for (f = d->fields; f->name != NULL; f++)
			buf_printf(&b, ", %s", f->name);
		buf_printf(&b, " FROM %s LIMIT 0", d->table);
		if ((rc = db_exec(b.b_data, &why)) == -1)
			err_set(err, "%s: resource %s: table %s does not match "
			    "the declaration (%.120s)", file, d->type, d->table,
			    why.e_msg);
	}
	buf_free(&b);
	for (w = module_rows(m); rc == 0 && w != NULL && w->resource != NULL;
	    w++)
		rc = rows_table_check(file, w, err);
	return rc;
}

/* Records --------------------------------------------------------------- */

/* The row at the cursor as the API's JSON (integers exact). */
static cJSON *
row_json(const struct res *rs, struct db_stmt *st)
{
	const struct erp_field	*f;
	cJSON			*o = cJSON_CreateObject();
	const char		*t;
	int			 col = 1;

	field_add_int(o, "id", db_col_int(st, 0));
	for (f = rs->rs_decl->fields; f->name != NULL; f++, col++)
		field_add_column(o, f, st, col);
	cJSON_AddItemToObjectCS(o, "created_at", cJSON_CreateString((t =
	    db_col_text(st, col)) ? t : ""));
	cJSON_AddItemToObjectCS(o, "updated_at", cJSON_CreateString((t =
	    db_col_text(st, col + 1)) ? t : ""));
	return o;
}

/* Adds the rows rec (of id) owns, and their columns to tag unless NULL. */
static int
owned_read(const struct res *rs, int64_t id, cJSON *rec, struct buf *tag)
{
	size_t	 i;

	for (i = 0; i < rs->rs_nrows; i++)
		if (rows_read(rs->rs_rows[i], id, rec, tag) == -1)
			return -1;
	return 0;
}

/*
 * The record id of this organization with the rows it owns, its ETag (a
 * keyed SipHash of their columns, no JSON printed: a few hundred
 * instructions where BLAKE2b took 3,000) into etag. Returns: 1 with *out
 * (caller frees), 0 when there is none, -1 on error.
 */
static int
record_read(const struct res *rs, int64_t org, int64_t id, cJSON **out)
{
	struct buf	 cols = { 0 };
	unsigned char	 tag[crypto_shorthash_siphashx24_BYTES];
	struct db_stmt	*st;
	int		 rc;

	if ((st = db_prepare(rs->rs_get)) == NULL)
		return -1;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, org);
	if ((rc = db_step(st)) == DB_ROW) {
		buf_reserve(&cols, 512);
		field_tag_columns(&cols, st, (int)rs->rs_nfields + 3);
		*out = row_json(rs, st);
	}
	db_reset(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	if (owned_read(rs, id, *out, &cols) == -1) {
		buf_free(&cols);
		cJSON_Delete(*out);
		*out = NULL;
		return -1;
	}
	crypto_shorthash_siphashx24(tag, (const unsigned char *)cols.b_data,
	    cols.b_len, etag_key);
	buf_free(&cols);
	etag[0] = '"';
	sodium_bin2hex(etag + 1, 2 * ETAG_BYTES + 1, tag, ETAG_BYTES);
	etag[ETAG_LEN - 1] = '"';
	etag[ETAG_LEN] = '\0';
	return 1;
}

/*
 * Answers the record read last with its ETag; rec belongs to the reply
 * from the call on. Records leave through the host's reply_json, like
 * every module's, where the policy's redact rule filters them.
 */
static int
answer(struct erp_req *r, int status, cJSON *rec)
{
	http_add_header(REQ(r), "ETag", etag);
	return module_host.reply_json(r, status, rec);
}

/* Answers the record id as it is now. */
static int
answer_id(struct erp_req *r, int status, int64_t id)
{
	cJSON	*rec = NULL;

	if (record_read(res_of(r), http_org(REQ(r)), id, &rec) != 1)
		return module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: reread");
	return answer(r, status, rec);
}

/*
 * If-Match against the loaded record (whose ETag the load left in etag):
 * absent or "*" passes, else one of its comma-separated tags must be the
 * record's. Returns: 0, or the 412.
 */
static int
if_match(struct erp_req *r)
{
	const char	*h = http_header(REQ(r), "If-Match"), *p;
	size_t		 n = ETAG_LEN;

	if (h == NULL)
		return 0;
	for (p = h; *p != '\0'; p++) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*' || (strncmp(p, etag, n) == 0 && (p[n] == '\0' ||
		    p[n] == ',' || p[n] == ' ' || p[n] == '\t')))
			return 0;
		while (*p != '\0' && *p != ',')
			p++;
		if (*p == '\0')
			break;
	}
	return module_host.fail(r, ERP_E_PRECONDITION, NULL,
	    "the record changed since it was read (If-Match)");
}

/* The loader of {id} routes: the stored record. */
static int
res_load(struct erp_req *r, cJSON **attrs)
{
	int64_t	 id = api_param_id(REQ(r), "id");

	if (id <= 0)
		return 0;
	return record_read(res_of(r), http_org(REQ(r)), id, attrs);
}

/* The table of a referenced type: a loaded module's resource, or its name. */
static const char *
table_of(const char *type)
{
	const struct erp_resource	*d = module_resource(type);

	return d != NULL ? d->table : type;
}

/*
 * Checks the record's values (only the changed ones' references). Returns:
 * 0, or the status of the 422 sent.
 */
static int
values_check(struct erp_req *r, const struct res *rs, const cJSON *rec,
    const cJSON *before)
{
	const struct erp_field	*f;
	const cJSON		*v;
	const char		*why;
	int			 i = 0, rc;

	for (f = rs->rs_decl->fields; f->name != NULL; f++, i++) {
		v = cJSON_GetObjectItemCaseSensitive(rec, f->name);
		if ((why = field_value_check(f, v)) != NULL)
			return module_host.fail(r, ERP_E_VALIDATION, f->name, why);
		if (rs->rs_refs[i] == NULL || v == NULL || cJSON_IsNull(v) ||
		    (before != NULL && cJSON_Compare(v,
		    cJSON_GetObjectItemCaseSensitive(before, f->name), 1)))
			continue;
		if ((rc = field_ref_check(r, f, rs->rs_refs[i], v,
		    http_org(REQ(r)), f->name)) != 0)
			return rc;
	}
	for (i = 0; i < (int)rs->rs_nrows; i++)
		if ((rc = rows_check_values(r, rs->rs_rows[i],
		    http_org(REQ(r)), rec, before)) != 0)
			return rc;
	return 0;
}

/* The hooks -------------------------------------------------------------- */

/* rt_compute of create and update: defaults, then the module's compute. */
static int
res_compute(struct erp_req *r, cJSON *rec, const cJSON *before)
{
	const struct res	*rs = res_of(r);
	const struct erp_field	*f;

	for (f = rs->rs_decl->fields; before == NULL && f->name != NULL; f++)
		if (f->def != NULL &&
		    !cJSON_HasObjectItem(rec, f->name))
			cJSON_AddItemToObject(rec, f->name, cJSON_Parse(f->def));
	if (rs->rs_decl->compute == NULL)
		return 0;
	return rs->rs_decl->compute(r, rec, before) == 0 ? 0 : -1;
}

/* The module's check inside the transaction. 0, or the failure's status. */
static int
res_checked(struct erp_req *r, cJSON *rec, const cJSON *before)
{
	const struct erp_resource	*d = res_of(r)->rs_decl;

	return d->check != NULL ? d->check(r, rec, before) : 0;
}

/* The handlers ----------------------------------------------------------- */

/* A constraint refused the write: a unique field taken, or in use. */
static int
res_conflict(struct erp_req *r, const struct res *rs)
{
	const struct erp_field	*f;
	char			 msg[128];

	for (f = rs->rs_decl->fields; f->name != NULL; f++)
		if (f->flags & ERP_FIELD_UNIQUE) {
			snprintf(msg, sizeof(msg), "a %s with this %s exists "
			    "in this organization", rs->rs_decl->type, f->name);
			return module_host.fail(r, ERP_E_CONFLICT, f->name, msg);
		}
	snprintf(msg, sizeof(msg), "the %s is used by another record",
	    rs->rs_decl->type);
	return module_host.fail(r, ERP_E_CONFLICT, NULL, msg);
}

/*
 * Audits "<type>.<verb>" with details (owned from the call on) and
 * answers the record id as it is now.
 */
static int
res_audit_answer(struct erp_req *r, const char *verb, int64_t id,
    cJSON *details, int status)
{
	const struct res	*rs = res_of(r);
	char			 action[80];

	snprintf(action, sizeof(action), "%s.%s", rs->rs_decl->type, verb);
	if (module_host.audit(r, action, rs->rs_decl->type, id,
	    details) == -1)
		return module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: audit");
	if (status == 204)
		return http_reply_empty(REQ(r), 204);
	return answer_id(r, status, id);
}

static int
res_get(struct erp_req *r)
{
	/* the load read it just now: etag is its tag */
	return answer(r, 200, http_attrs_take(REQ(r)));
}

static int
res_create(struct erp_req *r)
{
	const struct res	*rs = res_of(r);
	const struct erp_field	*f;
	cJSON			*rec = http_wouldbe(REQ(r)), *details;
	const cJSON		*v;
	struct db_stmt		*st;
	char			 now[21];
	int64_t			 id;
	size_t			 k;
	int			 i = 2, rc;

	if ((rc = values_check(r, rs, rec, NULL)) != 0 ||
	    (rc = res_checked(r, rec, NULL)) != 0)
		return rc;
	if ((st = db_prepare(rs->rs_insert)) == NULL)
		return module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: insert");
	module_host.time_text(time_now(), now);
	db_bind_int(st, 1, http_org(REQ(r)));
	details = cJSON_CreateObject();
	for (f = rs->rs_decl->fields; f->name != NULL; f++) {
		v = cJSON_GetObjectItemCaseSensitive(rec, f->name);
		field_bind(st, i++, f, v);
		if (v != NULL && !cJSON_IsNull(v))
			cJSON_AddItemToObject(details, f->name,
			    field_audit_value(f, v));
	}
	db_bind_text(st, i++, now);
	db_bind_text(st, i, now);
	rc = db_step(st);
	db_reset(st);
	id = db_last_id();
	for (k = 0; rc == DB_DONE && k < rs->rs_nrows; k++) {
		rc = rows_write(rs->rs_rows[k], id, rec);
		cJSON_AddItemToObject(details, rowset_decl(rs->rs_rows[k])->name,
		    rows_audit(rs->rs_rows[k], rec));
	}
	if (rc != DB_DONE) {
		cJSON_Delete(details);
		return rc == DB_CONSTRAINT ? res_conflict(r, rs) :
		    module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: insert");
	}
	return res_audit_answer(r, "create", id, details, 201);
}

static int
res_update(struct erp_req *r)
{
	const struct res	*rs = res_of(r);
	const struct erp_field	*f;
	const cJSON		*before = http_attrs(REQ(r)), *v, *was;
	cJSON			*rec = http_wouldbe(REQ(r)), *details, *c;
	const struct rowset	*rw;
	struct db_stmt		*st;
	char			 now[21];
	int64_t			 id = api_param_id(REQ(r), "id");
	size_t			 k;
	int			 i = 1, rc;

	if ((rc = if_match(r)) != 0 ||
	    (rc = values_check(r, rs, rec, before)) != 0 ||
	    (rc = res_checked(r, rec, before)) != 0)
		return rc;
	if ((st = db_prepare(rs->rs_update)) == NULL)
		return module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: update");
	module_host.time_text(time_now(), now);
	details = cJSON_CreateObject();
	for (f = rs->rs_decl->fields; f->name != NULL; f++) {
		v = cJSON_GetObjectItemCaseSensitive(rec, f->name);
		field_bind(st, i++, f, v);
		was = cJSON_GetObjectItemCaseSensitive(before, f->name);
		if (field_same(f, v, was))
			continue;
		c = cJSON_AddObjectToObject(details, f->name);
		cJSON_AddItemToObject(c, "old", field_audit_value(f, was));
		cJSON_AddItemToObject(c, "new", field_audit_value(f, v));
	}
	db_bind_text(st, i++, now);
	db_bind_int(st, i++, id);
	db_bind_int(st, i, http_org(REQ(r)));
	rc = db_step(st);
	db_reset(st);
	/* owned rows that changed are replaced, all of them */
	for (k = 0; rc == DB_DONE && k < rs->rs_nrows; k++) {
		rw = rs->rs_rows[k];
		if (!rows_changed(rw, rec, before))
			continue;
		if ((rc = rows_remove(rw, id)) == DB_DONE)
			rc = rows_write(rw, id, rec);
		c = cJSON_AddObjectToObject(details, rowset_decl(rw)->name);
		cJSON_AddItemToObject(c, "old", rows_audit(rw, before));
		cJSON_AddItemToObject(c, "new", rows_audit(rw, rec));
	}
	if (rc != DB_DONE) {
		cJSON_Delete(details);
		return rc == DB_CONSTRAINT ? res_conflict(r, rs) :
		    module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: update");
	}
	return res_audit_answer(r, "update", id, details, 200);
}

static int
res_delete(struct erp_req *r)
{
	const struct res	*rs = res_of(r);
	struct db_stmt		*st;
	cJSON			*details;
	int64_t			 id = api_param_id(REQ(r), "id");
	size_t			 k;
	int			 rc;

	if ((rc = if_match(r)) != 0 ||
	    (rc = res_checked(r, NULL, http_attrs(REQ(r)))) != 0)
		return rc;
	/* the rows it owns go first (a refusal below rolls them back) */
	for (k = 0, rc = DB_DONE; rc == DB_DONE && k < rs->rs_nrows; k++)
		rc = rows_remove(rs->rs_rows[k], id);
	if (rc == DB_DONE) {
		if ((st = db_prepare(rs->rs_delete)) == NULL)
			return module_host.fail(r, ERP_E_INTERNAL, NULL,
			    "resource: delete");
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, http_org(REQ(r)));
		rc = db_step(st);
		db_reset(st);
	}
	if (rc != DB_DONE)
		return rc == DB_CONSTRAINT ? res_conflict(r, rs) :
		    module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: delete");
	/* what was deleted, for the record */
	details = cJSON_Duplicate(http_attrs(REQ(r)), 1);
	cJSON_DeleteItemFromObjectCaseSensitive(details, "id");
	return res_audit_answer(r, "delete", id, details, 204);
}

static int
res_move(struct erp_req *r)
{
	const struct res_route		*rr = http_route_arg(REQ(r));
	const struct erp_transition	*t = rr->rr_move;
	const struct erp_resource	*d = rr->rr_res->rs_decl;
	const struct erp_field		*f;
	const cJSON			*before = http_attrs(REQ(r));
	struct db_stmt			*st;
	cJSON				*rec, *details, *c;
	const char			*from;
	char				 now[21], msg[128];
	int64_t				 id = api_param_id(REQ(r), "id");
	int				 rc;

	if ((rc = if_match(r)) != 0)
		return rc;
	from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(before,
	    d->state));
	if (from == NULL || !field_in_list(t->from, from)) {
		snprintf(msg, sizeof(msg), "cannot %s %s %s that is %s",
		    t->name, strchr("aeiou", d->type[0]) ? "an" : "a",
		    d->type, from ? from : "null");
		return module_host.fail(r, ERP_E_CONFLICT, d->state, msg);
	}
	rec = cJSON_Duplicate(before, 1);
	cJSON_ReplaceItemInObjectCaseSensitive(rec, d->state,
	    cJSON_CreateString(t->to));
	rc = res_checked(r, rec, before);
	cJSON_Delete(rec);
	if (rc != 0)
		return rc;
	if ((st = db_prepare(rr->rr_res->rs_move)) == NULL)
		return module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: move");
	module_host.time_text(time_now(), now);
	db_bind_text(st, 1, t->to);
	db_bind_text(st, 2, now);
	db_bind_int(st, 3, id);
	db_bind_int(st, 4, http_org(REQ(r)));
	db_bind_text(st, 5, from);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE || db_changes() != 1)
		return module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: move");
	details = cJSON_CreateObject();
	c = cJSON_AddObjectToObject(details, d->state);
	cJSON_AddStringToObject(c, "old", from);
	cJSON_AddStringToObject(c, "new", t->to);
	for (f = d->fields; f->name != NULL; f++)
		if (f->flags & ERP_FIELD_AUDIT)
			cJSON_AddItemToObject(details, f->name,
			    field_audit_value(f, cJSON_GetObjectItemCaseSensitive(
			    before, f->name)));
	/* the subscribers hear "<type>.<to>" with the record, once committed */
	snprintf(msg, sizeof(msg), "%s.%s", d->type, t->to);
	if (record_read(rr->rr_res, http_org(REQ(r)), id, &rec) != 1 ||
	    host_emit(r, msg, rec) == -1) {
		cJSON_Delete(details);
		return module_host.fail(r, ERP_E_INTERNAL, NULL,
		    "resource: event");
	}
	return res_audit_answer(r, t->name, id, details, 200);
}

/* Lists ------------------------------------------------------------------ */

/* What a list request asks for, checked. */
struct ask {
	char		 q[4 * Q_MAX + 8];	/* "%pattern%", or "" */
	bool		 has_q;
	int		 page;			/* rs_pages index */
	char		 val[FIELDS_MAX][128];	/* filter values */
	bool		 has[FIELDS_MAX];
	int64_t		 limit, offset;
};

/* A 422 naming a list parameter. Returns: the status sent. */
static int
bad_param(struct erp_req *r, const char *name, const char *code,
    const char *msg)
{
	return http_reply_field_error(REQ(r), 422, "validation_failed",
	    "the list parameters break the rules", name, code, msg);
}

/* Reads ?q=, ?sort= and the filters into *a. Returns: 0, or the 422. */
static int
read_ask(struct erp_req *r, const struct erp_resource *d, struct ask *a)
{
	const struct erp_field	*f;
	char			 q[4 * Q_MAX + 1], sort[64], *o;
	const char		*s, *want;
	int			 n, i = 0, page = 1;
	bool			 desc;

	/* the pipeline refused what list_query does not name */
	if (api_page(REQ(r), &a->limit, &a->offset) == -1)
		return -1;
	if ((n = http_query(REQ(r), "q", q, sizeof(q))) == -2 || (n > 0 &&
	    utf8_count(q, (size_t)n) > Q_MAX))
		return bad_param(r, "q", "max_len",
		    "must be at most 200 characters");
	if ((a->has_q = n > 0)) {
		/* contains, any case: LIKE with its own characters escaped */
		o = a->q;
		*o++ = '%';
		for (s = q; *s != '\0'; s++) {
			if (*s == '%' || *s == '_' || *s == '\\')
				*o++ = '\\';
			*o++ = (*s >= 'A' && *s <= 'Z') ? *s + 32 : *s;
		}
		*o++ = '%';
		*o = '\0';
	}
	a->page = 0;
	if (http_query(REQ(r), "sort", sort, sizeof(sort)) >= 0) {
		desc = sort[0] == '-';
		want = sort + desc;
		for (f = d->fields; f->name != NULL; f++)
			if (f->flags & ERP_FIELD_SORT) {
				if (strcmp(f->name, want) == 0)
					break;
				page += 2;
			}
		if (f->name == NULL)
			return bad_param(r, "sort", "enum", "must name a "
			    "sortable field, with - for descending");
		a->page = page + desc;
	}
	for (f = d->fields; f->name != NULL; f++, i++) {
		if ((f->flags & ERP_FIELD_FILTER) == 0)
			continue;
		n = http_query(REQ(r), f->name, a->val[i], sizeof(a->val[i]));
		if (n == -1)
			continue;
		a->has[i] = true;
		if (n == -2 || (f->type == ERP_FIELD_BOOLEAN &&
		    strcmp(a->val[i], "true") != 0 &&
		    strcmp(a->val[i], "false") != 0) ||
		    (f->type == ERP_FIELD_INTEGER && (n == 0 || n > 16 ||
		    strspn(a->val[i] + (a->val[i][0] == '-'), "0123456789") !=
		    (size_t)n - (a->val[i][0] == '-'))) ||
		    (f->enums != NULL && !field_in_list(f->enums, a->val[i])))
			return bad_param(r, f->name, "type", "not a value this "
			    "field can have");
	}
	return 0;
}

/* Binds org, q and the filters, as list_where wrote them. Returns next. */
static int
bind_ask(struct db_stmt *st, const struct erp_resource *d, int64_t org,
    const struct ask *a)
{
	const struct erp_field	*f;
	int			 i = 1, k = 0;
	bool			 search = false;

	db_bind_int(st, i++, org);
	for (f = d->fields; f->name != NULL; f++)
		if (f->flags & ERP_FIELD_SEARCH) {
			if (!search)
				db_bind_text(st, i++, a->has_q ? a->q : NULL);
			db_bind_text(st, i++, a->has_q ? a->q : "");
			search = true;
		}
	for (f = d->fields; f->name != NULL; f++, k++) {
		if ((f->flags & ERP_FIELD_FILTER) == 0)
			continue;
		if (!a->has[k]) {
			db_bind_null(st, i++);
			db_bind_null(st, i++);
		} else if (f->type == ERP_FIELD_STRING) {
			db_bind_text(st, i++, a->val[k]);
			db_bind_text(st, i++, a->val[k]);
		} else {
			int64_t	 v = f->type == ERP_FIELD_BOOLEAN ?
			    strcmp(a->val[k], "true") == 0 :
			    strtoll(a->val[k], NULL, 10);

			db_bind_int(st, i++, v);
			db_bind_int(st, i++, v);
		}
	}
	return i;
}

static int
res_list(struct erp_req *r)
{
	const struct res	*rs = res_of(r);
	const struct erp_resource *d = rs->rs_decl;
	struct db_stmt		*st;
	struct ask		*a = xcalloc(1, sizeof(*a));
	cJSON			*items, *rec;
	int64_t			 org = http_org(REQ(r)), total = 0;
	int			 i, rc;

	if (read_ask(r, d, a) != 0) {
		free(a);
		return -1;
	}
	if ((st = db_prepare(rs->rs_count)) == NULL)
		goto internal;
	bind_ask(st, d, org, a);
	if ((rc = db_step(st)) == DB_ROW)
		total = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_ROW || (st = db_prepare(rs->rs_pages[a->page])) == NULL)
		goto internal;
	i = bind_ask(st, d, org, a);
	db_bind_int(st, i++, a->limit);
	db_bind_int(st, i, a->offset);
	items = cJSON_CreateArray();
	while ((rc = db_step(st)) == DB_ROW) {
		cJSON_AddItemToArray(items, rec = row_json(rs, st));
		/* other statements: this one stays put */
		if (owned_read(rs, db_col_int(st, 0), rec, NULL) == -1) {
			rc = DB_ERROR;
			break;
		}
	}
	db_reset(st);
	if (rc != DB_DONE) {
		cJSON_Delete(items);
		goto internal;
	}
	rc = module_host.reply_json(r, 200, api_page_new(items, total,
	    a->limit, a->offset));
	free(a);
	return rc;
internal:
	free(a);
	return module_host.fail(r, ERP_E_INTERNAL, NULL, "resource: list");
}

/*
 * What a list of d accepts (read_ask) as JSON Schema text for the API
 * document and the pipeline: the page, ?q= and ?sort= when fields allow
 * them, a parameter per filter field; nothing else (422).
 */
static char *
list_query(const struct erp_resource *d)
{
	const struct erp_field	*f;
	const char *const	*e;
	cJSON			*o = cJSON_CreateObject(), *props, *p, *values;
	struct buf		 in = { 0 };
	char			 desc[64], *text;

	cJSON_AddStringToObject(o, "type", "object");
	props = cJSON_AddObjectToObject(o, "properties");
	p = cJSON_AddObjectToObject(props, "limit");
	cJSON_AddStringToObject(p, "type", "integer");
	cJSON_AddNumberToObject(p, "minimum", 1);
	cJSON_AddNumberToObject(p, "maximum", API_LIMIT_MAX);
	cJSON_AddNumberToObject(p, "default", API_LIMIT_DEFAULT);
	p = cJSON_AddObjectToObject(props, "offset");
	cJSON_AddStringToObject(p, "type", "integer");
	cJSON_AddNumberToObject(p, "minimum", 0);
	cJSON_AddNumberToObject(p, "default", 0);
	for (f = d->fields; f->name != NULL; f++)
		if (f->flags & ERP_FIELD_SEARCH)
			buf_printf(&in, "%s%s", in.b_len > 0 ? " or " :
			    "records whose ", f->name);
	if (in.b_len > 0) {
		p = cJSON_AddObjectToObject(props, "q");
		cJSON_AddStringToObject(p, "type", "string");
		cJSON_AddNumberToObject(p, "maxLength", Q_MAX);
		buf_puts(&in, " contains it, in any case");
		cJSON_AddStringToObject(p, "description", in.b_data);
	}
	buf_free(&in);
	values = cJSON_CreateArray();
	for (f = d->fields; f->name != NULL; f++)
		if (f->flags & ERP_FIELD_SORT) {
			cJSON_AddItemToArray(values,
			    cJSON_CreateString(f->name));
			snprintf(desc, sizeof(desc), "-%s", f->name);
			cJSON_AddItemToArray(values, cJSON_CreateString(desc));
		}
	if (cJSON_GetArraySize(values) > 0) {
		p = cJSON_AddObjectToObject(props, "sort");
		cJSON_AddStringToObject(p, "type", "string");
		cJSON_AddItemToObject(p, "enum", values);
		cJSON_AddStringToObject(p, "description", "a field, with - "
		    "for descending; by id otherwise");
	} else
		cJSON_Delete(values);
	for (f = d->fields; f->name != NULL; f++) {
		if ((f->flags & ERP_FIELD_FILTER) == 0)
			continue;
		p = cJSON_AddObjectToObject(props, f->name);
		if (f->type == ERP_FIELD_BOOLEAN)
			cJSON_AddStringToObject(p, "type", "boolean");
		else if (f->type == ERP_FIELD_INTEGER)
			cJSON_AddStringToObject(p, "type", "integer");
		else {
			cJSON_AddStringToObject(p, "type", "string");
			if (f->enums != NULL) {
				values = cJSON_AddArrayToObject(p, "enum");
				for (e = f->enums; *e != NULL; e++)
					cJSON_AddItemToArray(values,
					    cJSON_CreateString(*e));
			}
		}
		snprintf(desc, sizeof(desc), "only records whose %s is this",
		    f->name);
		cJSON_AddStringToObject(p, "description", desc);
	}
	cJSON_AddFalseToObject(o, "additionalProperties");
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Routes ----------------------------------------------------------------- */

/*
 * A route of rs; verb makes its permission ("product:read") unless perm
 * names one.
 */
static struct res_route *
route_new(struct res *rs, int method, const char *path, const char *verb,
    const char *perm, erp_handler_fn handler)
{
	struct res_route	*rr = xcalloc(1, sizeof(*rr));
	char			*own;

	if (perm == NULL) {
		own = xcalloc(1, 80);
		snprintf(own, 80, "%s:%s", rs->rs_decl->type, verb);
		perm = own;
	}
	rr->rr_res = rs;
	rr->rr_route.method = method;
	rr->rr_route.path = path;
	rr->rr_route.permission = perm;
	rr->rr_route.handler = handler;
	rr->rr_route.computed = rs->rs_reserved;
	return rr;
}

const struct erp_route **
resource_routes(const struct erp_module *m)
{
	const struct erp_resource	*d;
	const struct erp_transition	*t;
	const struct erp_field		*f;
	const struct erp_rows		*w;
	const struct erp_route		**v;
	struct res_route		*rr;
	struct res			*rs;
	struct buf			 b = { 0 };
	size_t				 n = 0, k, i;
	char				*item;

	for (d = m->resources; d != NULL && d->type != NULL; d++)
		for (n += 5, t = d->transitions; t && t->name; t++)
			n++;
	/* an array of route pointers, NULL-terminated */
	v = xcalloc(n + 1, sizeof(*v));	/* NOLINT(bugprone-sizeof-expression) */
	n = 0;
	if (m->resources != NULL && module_host.derive_key("erpd etag",
	    etag_key, sizeof(etag_key)) == -1)
		fatal("resources: no key for ETags");
	for (d = m->resources; d != NULL && d->type != NULL; d++) {
		rs = xcalloc(1, sizeof(*rs));
		rs->rs_decl = d;
		build_sql(rs, m);
		for (f = d->fields, i = 0, k = 0; f->name != NULL; f++, i++) {
			if (f->flags & ERP_FIELD_COMPUTED)
				rs->rs_reserved[k++] = f->name;
			if (f->ref == NULL)
				continue;
			buf_printf(&b, "SELECT 1 FROM %s WHERE id = ? AND "
			    "org_id = ?", table_of(f->ref));
			rs->rs_refs[i] = buf_take(&b);
		}
		for (w = module_rows(m); w != NULL && w->resource != NULL; w++)
			if (strcmp(w->resource, d->type) == 0)
				rs->rs_rows[rs->rs_nrows++] = rowset_new(w,
				    table_of);
		rs->rs_query = list_query(d);
		buf_printf(&b, "%s/{id}", d->path);
		item = buf_take(&b);
		v[n++] = &route_new(rs, ERP_GET, d->path, "read", NULL,
		    res_list)->rr_route;
		rr = route_new(rs, ERP_POST, d->path, "create", NULL,
		    res_create);
		rr->rr_route.schema = d->type;
		rr->rr_route.compute = res_compute;
		v[n++] = &rr->rr_route;
		rr = route_new(rs, ERP_GET, item, "read", NULL, res_get);
		rr->rr_route.load = res_load;
		v[n++] = &rr->rr_route;
		rr = route_new(rs, ERP_PATCH, item, "update", NULL,
		    res_update);
		rr->rr_route.schema = d->type;
		rr->rr_route.load = res_load;
		rr->rr_route.compute = res_compute;
		v[n++] = &rr->rr_route;
		rr = route_new(rs, ERP_DELETE, item, "delete", NULL,
		    res_delete);
		rr->rr_route.load = res_load;
		v[n++] = &rr->rr_route;
		for (t = d->transitions; t != NULL && t->name != NULL; t++) {
			buf_printf(&b, "%s/{id}/%s", d->path, t->name);
			rr = route_new(rs, ERP_POST, buf_take(&b), t->name,
			    t->permission, res_move);
			rr->rr_route.load = res_load;
			rr->rr_move = t;
			v[n++] = &rr->rr_route;
		}
	}
	buf_free(&b);
	return v;
}

const char *
resource_list_query(const struct erp_route *r)
{
	/* a list route is the first member of its res_route */
	if (r->handler != res_list)
		return NULL;
	return ((const struct res_route *)(const void *)r)->rr_res->rs_query;
}
