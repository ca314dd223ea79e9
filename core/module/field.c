/*
 * field: one declared field (struct erp_field) as the host handles it
 * wherever it appears, in a resource or in the rows a record owns: its
 * declaration checked, its base schema rule, the check of a value the
 * table may store, its binding, its column read back as JSON, its audit
 * value and its equality.
 */
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "field.h"
#include "host_int.h"

bool
field_in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

const struct erp_field *
field_named(const struct erp_field *fields, const char *name)
{
	const struct erp_field	*f;

	for (f = fields; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

int
field_check(const char *file, const char *owner, const struct erp_field *f,
    int refused, struct erp_err *err)
{
	static const char *const reserved[] = { "id", "org_id", "created_at",
	    "updated_at", "line_no", NULL };
	cJSON	*def;

	if (!module_name_valid(f->name, 32, false) ||
	    field_in_list(reserved, f->name)) {
		err_set(err, "%s: %s: a field name must be 1 to 32 of a-z 0-9 "
		    "_ and not id, org_id, line_no or a timestamp", file,
		    owner);
		return -1;
	}
	if (f->type != ERP_FIELD_STRING && f->type != ERP_FIELD_INTEGER &&
	    f->type != ERP_FIELD_BOOLEAN) {
		err_set(err, "%s: %s: field %s has no known type", file, owner,
		    f->name);
		return -1;
	}
	if (((f->flags & ERP_FIELD_MIN) && (f->flags & ERP_FIELD_MAX) &&
	    f->min > f->max) || (f->type == ERP_FIELD_STRING &&
	    (f->flags & ERP_FIELD_MIN) && f->min < 0) ||
	    ((f->pattern != NULL || f->enums != NULL) && f->type !=
	    ERP_FIELD_STRING) || (f->ref != NULL && f->type !=
	    ERP_FIELD_INTEGER) || ((f->flags & ERP_FIELD_SEARCH) &&
	    f->type != ERP_FIELD_STRING)) {
		err_set(err, "%s: %s: field %s has bounds, a pattern, an enum, "
		    "a reference or a search its type cannot have", file, owner,
		    f->name);
		return -1;
	}
	if (f->flags & refused) {
		err_set(err, "%s: %s: field %s has a flag owned rows cannot "
		    "have (unique, search, filter, sort or audit)", file, owner,
		    f->name);
		return -1;
	}
	if (f->def != NULL) {
		def = cJSON_Parse(f->def);
		if (def == NULL || (f->type == ERP_FIELD_STRING &&
		    !cJSON_IsString(def)) || (f->type == ERP_FIELD_INTEGER &&
		    !cJSON_IsNumber(def)) || (f->type == ERP_FIELD_BOOLEAN &&
		    !cJSON_IsBool(def))) {
			cJSON_Delete(def);
			err_set(err, "%s: %s: field %s: default %s is not JSON "
			    "of the field's type", file, owner, f->name,
			    f->def);
			return -1;
		}
		cJSON_Delete(def);
	}
	return 0;
}

/* A Lua long string that no text can close early. */
static void
lua_text(struct buf *b, const char *s)
{
	buf_printf(b, "[==[%s]==]", s);
}

void
field_rule(struct buf *b, const struct erp_field *f)
{
	const char *const	*e;
	bool			 str = f->type == ERP_FIELD_STRING;

	buf_printf(b, "{ type = '%s'", str ? "string" :
	    f->type == ERP_FIELD_INTEGER ? "integer" : "boolean");
	if (f->flags & ERP_FIELD_REQUIRED)
		buf_puts(b, ", required = true");
	if (f->flags & ERP_FIELD_NULLABLE)
		buf_puts(b, ", nullable = true");
	if (f->flags & ERP_FIELD_MIN)
		buf_printf(b, ", %s = %lld", str ? "min_len" : "min",
		    (long long)f->min);
	if (f->flags & ERP_FIELD_MAX)
		buf_printf(b, ", %s = %lld", str ? "max_len" : "max",
		    (long long)f->max);
	if (f->pattern != NULL) {
		buf_puts(b, ", pattern = ");
		lua_text(b, f->pattern);
	}
	if (f->enums != NULL) {
		buf_puts(b, ", enum = {");
		for (e = f->enums; *e != NULL; e++) {
			lua_text(b, *e);
			buf_puts(b, ",");
		}
		buf_puts(b, "}");
	}
	if (f->label != NULL) {
		buf_puts(b, ", label = ");
		lua_text(b, f->label);
	}
	/* the web UI offers a picker of the referenced records */
	if (f->ref != NULL) {
		buf_puts(b, ", ref = ");
		lua_text(b, f->ref);
	}
	buf_puts(b, " }");
}

const char *
field_value_check(const struct erp_field *f, const cJSON *v)
{
	int64_t	 n;

	if (v == NULL || cJSON_IsNull(v))
		return (f->flags & ERP_FIELD_REQUIRED) && !(f->flags &
		    ERP_FIELD_NULLABLE) ? "is required" : NULL;
	switch (f->type) {
	case ERP_FIELD_STRING:
		if (!cJSON_IsString(v))
			return "must be a string";
		n = (int64_t)utf8_count(v->valuestring,
		    strlen(v->valuestring));
		if (((f->flags & ERP_FIELD_MIN) && n < f->min) ||
		    ((f->flags & ERP_FIELD_MAX) && n > f->max))
			return "has a length outside its bounds";
		if (f->enums != NULL && !field_in_list(f->enums,
		    v->valuestring))
			return "is not one of the allowed values";
		return NULL;
	case ERP_FIELD_INTEGER:
		if (erp_json_get_int(v, &n) == -1)
			return "must be an integer within ±(2^53 − 1)";
		if (((f->flags & ERP_FIELD_MIN) && n < f->min) ||
		    ((f->flags & ERP_FIELD_MAX) && n > f->max))
			return "is outside its bounds";
		return NULL;
	default:
		return cJSON_IsBool(v) ? NULL : "must be a boolean";
	}
}

void
field_bind(struct db_stmt *st, int i, const struct erp_field *f,
    const cJSON *v)
{
	int64_t	 n = 0;

	if (v == NULL || cJSON_IsNull(v))
		db_bind_null(st, i);
	else if (f->type == ERP_FIELD_STRING)
		db_bind_text(st, i, v->valuestring);
	else if (f->type == ERP_FIELD_INTEGER) {
		erp_json_get_int(v, &n);
		db_bind_int(st, i, n);
	} else
		db_bind_int(st, i, cJSON_IsTrue(v));
}

void
field_add_int(cJSON *o, const char *name, int64_t v)
{
	char	 text[24];

	/* exact, as erp_json_int writes it */
	snprintf(text, sizeof(text), "%lld", (long long)v);
	cJSON_AddItemToObjectCS(o, name, cJSON_CreateRaw(text));
}

void
field_add_column(cJSON *o, const struct erp_field *f, struct db_stmt *st,
    int col)
{
	const char	*t;

	if (db_col_is_null(st, col))
		cJSON_AddItemToObjectCS(o, f->name, cJSON_CreateNull());
	else if (f->type == ERP_FIELD_STRING)
		cJSON_AddItemToObjectCS(o, f->name, cJSON_CreateString(
		    (t = db_col_text(st, col)) ? t : ""));
	else if (f->type == ERP_FIELD_INTEGER)
		field_add_int(o, f->name, db_col_int(st, col));
	else
		cJSON_AddItemToObjectCS(o, f->name,
		    cJSON_CreateBool(db_col_int(st, col)));
}

void
field_tag_columns(struct buf *b, struct db_stmt *st, int ncols)
{
	const char	*t;
	unsigned char	 kind;
	uint32_t	 len;
	int64_t		 n;
	int		 col;

	for (col = 0; col < ncols; col++) {
		kind = (unsigned char)db_col_kind(st, col);
		buf_append(b, &kind, 1);
		if (kind == DB_KIND_INT) {
			n = db_col_int(st, col);
			buf_append(b, &n, sizeof(n));
		} else if (kind == DB_KIND_TEXT) {
			t = db_col_text(st, col);
			len = (uint32_t)db_col_len(st, col);
			buf_append(b, &len, sizeof(len));
			buf_append(b, t != NULL ? t : "", len);
		}
	}
}

bool
field_same(const struct erp_field *f, const cJSON *a, const cJSON *b)
{
	int64_t	 x, y;

	if (f->type == ERP_FIELD_INTEGER && erp_json_get_int(a, &x) == 0 &&
	    erp_json_get_int(b, &y) == 0)
		return x == y;
	if ((a == NULL || cJSON_IsNull(a)) && (b == NULL || cJSON_IsNull(b)))
		return true;
	return a != NULL && b != NULL && cJSON_Compare(a, b, 1);
}

cJSON *
field_audit_value(const struct erp_field *f, const cJSON *v)
{
	char	 text[24];
	int64_t	 n;

	if (v == NULL)
		return cJSON_CreateNull();
	if (f->type == ERP_FIELD_INTEGER && erp_json_get_int(v, &n) == 0) {
		/* exact, as erp_json_int writes it */
		snprintf(text, sizeof(text), "%lld", (long long)n);
		return cJSON_CreateRaw(text);
	}
	return cJSON_Duplicate(v, 1);
}

int
field_ref_check(struct erp_req *r, const struct erp_field *f,
    const char *sql, const cJSON *v, int64_t org, const char *name)
{
	struct db_stmt	*st;
	char		 msg[96];
	int		 rc;

	if ((st = db_prepare(sql)) == NULL)
		return module_host.fail(r, ERP_E_INTERNAL, NULL,
		    "resource: reference");
	field_bind(st, 1, f, v);
	db_bind_int(st, 2, org);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_ROW)
		return 0;
	if (rc != DB_DONE)
		return module_host.fail(r, ERP_E_INTERNAL, NULL,
		    "resource: reference");
	snprintf(msg, sizeof(msg), "no such %s in this organization", f->ref);
	return module_host.fail(r, ERP_E_VALIDATION, name, msg);
}
