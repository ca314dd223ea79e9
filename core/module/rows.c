/*
 * rows: the rows a declared record owns (struct erp_rows, ABI 2.3), an
 * array member of the record kept in a table of its own: their
 * declaration checked, their base schema rule, their SQL (built once),
 * and reading, checking, writing and auditing them with their owner. The
 * owner's handlers (resource.c) call these inside its transaction.
 */
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "field.h"
#include "host_int.h"
#include "rows.h"

#define ROW_FIELDS_MAX	32	/* per row */
#define ROWS_DECL_MAX	16	/* per module */

struct rowset {
	const struct erp_rows	*rw_decl;
	int			 rw_nfields;
	char			*rw_select;	/* the owner's, in order */
	char			*rw_insert;
	char			*rw_delete;	/* all of the owner's */
	char			*rw_refs[ROW_FIELDS_MAX];	/* ref checks */
};

const struct erp_rows *
module_rows(const struct erp_module *m)
{
	return m->size > offsetof(struct erp_module, rows) ? m->rows : NULL;
}

const struct erp_rows *
rowset_decl(const struct rowset *rw)
{
	return rw->rw_decl;
}

/* Declarations ---------------------------------------------------------- */

static const struct erp_resource *
owner_of(const struct erp_module *m, const char *type)
{
	const struct erp_resource	*d;

	for (d = m->resources; type != NULL && d != NULL && d->type != NULL;
	    d++)
		if (strcmp(d->type, type) == 0)
			return d;
	return NULL;
}

int
rows_check(const char *file, const struct erp_module *m, struct erp_err *err)
{
	const int			 refused = ERP_FIELD_UNIQUE |
					    ERP_FIELD_SEARCH |
					    ERP_FIELD_FILTER | ERP_FIELD_SORT |
					    ERP_FIELD_AUDIT;
	const struct erp_rows		*first = module_rows(m), *w, *o;
	const struct erp_resource	*d;
	const struct erp_field		*f;
	char				 owner[80];
	int				 n = 0, nf, same;

	for (w = first; w != NULL && w->resource != NULL; w++) {
		if (++n > ROWS_DECL_MAX) {
			err_set(err, "%s: more than %d owned rows", file,
			    ROWS_DECL_MAX);
			return -1;
		}
		d = owner_of(m, w->resource);
		if (d == NULL || !module_name_valid(w->name, 32, false) ||
		    field_named(d->fields, w->name) != NULL ||
		    !module_name_valid(w->table, 48, false) ||
		    !module_name_valid(w->owner, 32, false) ||
		    w->fields == NULL || w->min < 0 || w->max < 1 ||
		    w->max > ROWS_MAX || w->min > w->max) {
			err_set(err, "%s: rows %s of %s are malformed (a "
			    "resource of this module, a name no field has, "
			    "table, owner, fields, or min and max within 0 "
			    "to %d)", file, w->name ? w->name : "?",
			    w->resource, ROWS_MAX);
			return -1;
		}
		for (o = first, same = 0; o != w; o++) {
			if (strcmp(o->resource, w->resource) != 0)
				continue;
			if (strcmp(o->name, w->name) == 0 ||
			    ++same == ROWS_PER_RESOURCE) {
				err_set(err, "%s: rows %s of %s twice, or more "
				    "than %d of one resource", file, w->name,
				    w->resource, ROWS_PER_RESOURCE);
				return -1;
			}
		}
		snprintf(owner, sizeof(owner), "rows %s of %s", w->name,
		    w->resource);
		for (f = w->fields, nf = 0; f->name != NULL; f++, nf++) {
			if (nf == ROW_FIELDS_MAX) {
				err_set(err, "%s: %s: more than %d fields",
				    file, owner, ROW_FIELDS_MAX);
				return -1;
			}
			if (field_check(file, owner, f, refused, err) == -1)
				return -1;
			if (field_named(w->fields, f->name) != f ||
			    strcmp(f->name, w->owner) == 0) {
				err_set(err, "%s: %s: field %s twice, or is "
				    "the owner's column", file, owner, f->name);
				return -1;
			}
		}
		if (nf == 0) {
			err_set(err, "%s: %s declare no fields", file, owner);
			return -1;
		}
	}
	return 0;
}

void
rows_rule(struct buf *b, const struct erp_rows *w)
{
	const struct erp_field	*f;

	buf_puts(b, "{ type = 'array'");
	if (w->min > 0)
		buf_puts(b, ", required = true");
	buf_printf(b, ", min_items = %d, max_items = %d, items = { type = "
	    "'object', fields = {\n", w->min, w->max);
	for (f = w->fields; f->name != NULL; f++) {
		if (f->flags & ERP_FIELD_COMPUTED)
			continue;	/* never in a body */
		buf_printf(b, "    %s = ", f->name);
		field_rule(b, f);
		buf_puts(b, ",\n");
	}
	buf_puts(b, "  } } }");
}

int
rows_table_check(const char *file, const struct erp_rows *w,
    struct erp_err *err)
{
	const struct erp_field	*f;
	struct buf		 b = { 0 };
	struct erp_err		 why;
	int			 rc;

	buf_printf(&b, "SELECT %s, line_no", w->owner);
	for (f = w->fields; f->name != NULL; f++)
		buf_printf(&b, ", %s", f->name);
	buf_printf(&b, " FROM %s LIMIT 0", w->table);
	if ((rc = db_exec(b.b_data, &why)) == -1)
		err_set(err, "%s: rows %s of %s: table %s does not match the "
		    "declaration (%.120s)", file, w->name, w->resource,
		    w->table, why.e_msg);
	buf_free(&b);
	return rc;
}

struct rowset *
rowset_new(const struct erp_rows *w, const char *(*table_of)(const char *))
{
	struct rowset		*rw = xcalloc(1, sizeof(*rw));
	const struct erp_field	*f;
	struct buf		 b = { 0 };
	int			 i;

	rw->rw_decl = w;
	buf_puts(&b, "SELECT ");
	for (f = w->fields; f->name != NULL; f++, rw->rw_nfields++)
		buf_printf(&b, "%s%s", f == w->fields ? "" : ", ", f->name);
	buf_printf(&b, " FROM %s WHERE %s = ? ORDER BY line_no", w->table,
	    w->owner);
	rw->rw_select = buf_take(&b);
	buf_printf(&b, "INSERT INTO %s (%s, line_no", w->table, w->owner);
	for (f = w->fields; f->name != NULL; f++)
		buf_printf(&b, ", %s", f->name);
	buf_puts(&b, ") VALUES (?, ?");
	for (f = w->fields; f->name != NULL; f++)
		buf_puts(&b, ", ?");
	buf_puts(&b, ")");
	rw->rw_insert = buf_take(&b);
	buf_printf(&b, "DELETE FROM %s WHERE %s = ?", w->table, w->owner);
	rw->rw_delete = buf_take(&b);
	for (f = w->fields, i = 0; f->name != NULL; f++, i++)
		if (f->ref != NULL) {
			buf_printf(&b, "SELECT 1 FROM %s WHERE id = ? AND "
			    "org_id = ?", table_of(f->ref));
			rw->rw_refs[i] = buf_take(&b);
		}
	buf_free(&b);
	return rw;
}

/* Records ---------------------------------------------------------------- */

int
rows_read(const struct rowset *rw, int64_t owner, cJSON *rec,
    struct buf *tag)
{
	const struct erp_field	*f;
	struct db_stmt		*st;
	cJSON			*arr, *o;
	uint32_t		 n = 0;
	int			 rc, col;

	if ((st = db_prepare(rw->rw_select)) == NULL)
		return -1;
	arr = cJSON_AddArrayToObject(rec, rw->rw_decl->name);
	db_bind_int(st, 1, owner);
	while ((rc = db_step(st)) == DB_ROW) {
		o = cJSON_CreateObject();
		for (f = rw->rw_decl->fields, col = 0; f->name != NULL;
		    f++, col++)
			field_add_column(o, f, st, col);
		cJSON_AddItemToArray(arr, o);
		if (tag != NULL)
			field_tag_columns(tag, st, rw->rw_nfields);
		n++;
	}
	db_reset(st);
	/* how many, so rows never run into the next set's */
	if (tag != NULL)
		buf_append(tag, &n, sizeof(n));
	return rc == DB_DONE ? 0 : -1;
}

/* Does one of before's rows hold v for f already (checked when stored)? */
static bool
stored(const struct erp_field *f, const cJSON *before, const cJSON *v)
{
	const cJSON	*row;

	cJSON_ArrayForEach(row, before)
		if (field_same(f, cJSON_GetObjectItemCaseSensitive(row,
		    f->name), v))
			return true;
	return false;
}

int
rows_check_values(struct erp_req *r, const struct rowset *rw, int64_t org,
    const cJSON *rec, const cJSON *before)
{
	const struct erp_rows	*w = rw->rw_decl;
	const struct erp_field	*f;
	const cJSON		*arr, *row, *v, *had;
	const char		*why;
	char			 field[96], msg[96];
	int			 n, i = 0, k, rc;

	arr = cJSON_GetObjectItemCaseSensitive(rec, w->name);
	had = before != NULL ? cJSON_GetObjectItemCaseSensitive(before,
	    w->name) : NULL;
	n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	if (arr == NULL && w->min > 0)
		return module_host.fail(r, ERP_E_VALIDATION, w->name,
		    "is required");
	if (arr != NULL && (!cJSON_IsArray(arr) || n < w->min || n > w->max)) {
		snprintf(msg, sizeof(msg), "must be an array of %d to %d rows",
		    w->min, w->max);
		return module_host.fail(r, ERP_E_VALIDATION, w->name, msg);
	}
	cJSON_ArrayForEach(row, arr) {
		if (!cJSON_IsObject(row)) {
			snprintf(field, sizeof(field), "%s[%d]", w->name, i);
			return module_host.fail(r, ERP_E_VALIDATION, field,
			    "must be an object");
		}
		for (f = w->fields, k = 0; f->name != NULL; f++, k++) {
			v = cJSON_GetObjectItemCaseSensitive(row, f->name);
			snprintf(field, sizeof(field), "%s[%d].%s", w->name, i,
			    f->name);
			if ((why = field_value_check(f, v)) != NULL)
				return module_host.fail(r, ERP_E_VALIDATION,
				    field, why);
			if (rw->rw_refs[k] == NULL || v == NULL ||
			    cJSON_IsNull(v) || stored(f, had, v))
				continue;
			if ((rc = field_ref_check(r, f, rw->rw_refs[k], v, org,
			    field)) != 0)
				return rc;
		}
		i++;
	}
	return 0;
}

bool
rows_changed(const struct rowset *rw, const cJSON *rec, const cJSON *before)
{
	const struct erp_field	*f;
	const cJSON		*a, *b, *x, *y;

	a = cJSON_GetObjectItemCaseSensitive(rec, rw->rw_decl->name);
	b = cJSON_GetObjectItemCaseSensitive(before, rw->rw_decl->name);
	if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
		return true;
	for (x = a != NULL ? a->child : NULL, y = b != NULL ? b->child : NULL;
	    x != NULL && y != NULL; x = x->next, y = y->next)
		for (f = rw->rw_decl->fields; f->name != NULL; f++)
			if (!field_same(f, cJSON_GetObjectItemCaseSensitive(x,
			    f->name), cJSON_GetObjectItemCaseSensitive(y,
			    f->name)))
				return true;
	return false;
}

int
rows_remove(const struct rowset *rw, int64_t owner)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = db_prepare(rw->rw_delete)) == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, owner);
	rc = db_step(st);
	db_reset(st);
	return rc;
}

int
rows_write(const struct rowset *rw, int64_t owner, const cJSON *rec)
{
	const struct erp_field	*f;
	const cJSON		*row;
	struct db_stmt		*st;
	int			 line = 0, i, rc = DB_DONE;

	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(rec,
	    rw->rw_decl->name)) {
		if ((st = db_prepare(rw->rw_insert)) == NULL)
			return DB_ERROR;
		db_bind_int(st, 1, owner);
		db_bind_int(st, 2, ++line);
		for (f = rw->rw_decl->fields, i = 3; f->name != NULL; f++)
			field_bind(st, i++, f,
			    cJSON_GetObjectItemCaseSensitive(row, f->name));
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE)
			return rc;
	}
	return rc;
}

cJSON *
rows_audit(const struct rowset *rw, const cJSON *rec)
{
	const struct erp_field	*f;
	const cJSON		*row;
	cJSON			*arr = cJSON_CreateArray(), *o;

	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(rec,
	    rw->rw_decl->name)) {
		o = cJSON_CreateObject();
		for (f = rw->rw_decl->fields; f->name != NULL; f++)
			cJSON_AddItemToObject(o, f->name, field_audit_value(f,
			    cJSON_GetObjectItemCaseSensitive(row, f->name)));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}
