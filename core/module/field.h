/*
 * field: a declared field (struct erp_field) wherever it appears, in a
 * resource or in the rows a record owns (resource.c, rows.c).
 */
#ifndef ERP_CORE_MODULE_FIELD_H
#define ERP_CORE_MODULE_FIELD_H

#include <stdbool.h>

#include <erp/module.h>

#include "base/base.h"

struct db_stmt;

bool	field_in_list(const char *const *list, const char *s);
/* Returns: the field of fields (ending with { NULL }) named name, or NULL. */
const struct erp_field *field_named(const struct erp_field *fields,
	    const char *name);
/*
 * Checks f's declaration in owner ("resource order"); refused are flags
 * it may not have there. Returns: 0, or -1 with err naming file.
 */
int	field_check(const char *file, const char *owner,
	    const struct erp_field *f, int refused, struct erp_err *err);
/* Appends f's base schema rule, a Lua table ("{ type = 'integer' ... }"). */
void	field_rule(struct buf *b, const struct erp_field *f);
/*
 * A value the table may store for f: its base type and bounds whatever an
 * organization's schema let through. Returns: NULL, or why not.
 */
const char *field_value_check(const struct erp_field *f, const cJSON *v);
/* Binds a checked value of f as the i-th ? (NULL or null: SQL NULL). */
void	field_bind(struct db_stmt *st, int i, const struct erp_field *f,
	    const cJSON *v);
/*
 * Adds v to o as name's member, exact (as erp_json_int). name is not
 * copied: a declaration's field names and literals live as long as the
 * records built from them, and each key copy was a malloc per member.
 */
void	field_add_int(cJSON *o, const char *name, int64_t v);
/* Adds column col of the row at the cursor to o as f's member (exact). */
void	field_add_column(cJSON *o, const struct erp_field *f,
	    struct db_stmt *st, int col);
/*
 * Appends the row's first ncols columns to b, as a record's ETag hashes
 * them: each with its kind and length, so none runs into the next, and an
 * integer as its 8 bytes (reading it as text made SQLite print it).
 */
void	field_tag_columns(struct buf *b, struct db_stmt *st, int ncols);
/*
 * Checks that v, a value of f (a reference), names a record of org with
 * sql ("SELECT 1 FROM <its table> WHERE id = ? AND org_id = ?"). Returns:
 * 0, or the status of the 422 sent naming name (or of a 500).
 */
int	field_ref_check(struct erp_req *r, const struct erp_field *f,
	    const char *sql, const cJSON *v, int64_t org, const char *name);
/* Whether two values of f are equal (stored integers are exact). */
bool	field_same(const struct erp_field *f, const cJSON *a, const cJSON *b);
/* A value of f for the audit log (integers stay exact). */
cJSON	*field_audit_value(const struct erp_field *f, const cJSON *v);

#endif /* ERP_CORE_MODULE_FIELD_H */
