/*
 * rows: the rows a declared record owns (struct erp_rows, ABI 2.3), for
 * the owner's handlers (resource.c).
 */
#ifndef ERP_CORE_MODULE_ROWS_H
#define ERP_CORE_MODULE_ROWS_H

#include <stdbool.h>

#include <erp/module.h>

#include "base/base.h"

#define ROWS_MAX		1000	/* per record */
#define ROWS_PER_RESOURCE	4	/* owned rows declarations */

/* One struct erp_rows with its SQL. */
struct rowset;

/* Returns: m's owned rows (ABI 2.3 descriptors), or NULL. */
const struct erp_rows *module_rows(const struct erp_module *m);
/* Checks m's rows declarations. Returns: 0, or -1 with err naming file. */
int	rows_check(const char *file, const struct erp_module *m,
	    struct erp_err *err);
/* Appends the base schema rule of the member, a Lua table. */
void	rows_rule(struct buf *b, const struct erp_rows *w);
/* Checks that w's table has its columns. Returns: 0, or -1 (err). */
int	rows_table_check(const char *file, const struct erp_rows *w,
	    struct erp_err *err);
/* w with its SQL; table_of names the table of a referenced type. */
struct rowset *rowset_new(const struct erp_rows *w,
	    const char *(*table_of)(const char *type));
const struct erp_rows *rowset_decl(const struct rowset *rw);
/*
 * Adds the rows of owner to rec as its member, and their columns to tag
 * (what the record's ETag hashes) unless tag is NULL. Returns: 0, or -1.
 */
int	rows_read(const struct rowset *rw, int64_t owner, cJSON *rec,
	    struct buf *tag);
/*
 * Checks rec's rows as the table may store them, and the references of
 * those before (NULL on create) did not hold. Returns: 0, or the status
 * of the 422 sent, naming the row ("lines[2].quantity").
 */
int	rows_check_values(struct erp_req *r, const struct rowset *rw,
	    int64_t org, const cJSON *rec, const cJSON *before);
/* Do rec's rows differ from before's? */
bool	rows_changed(const struct rowset *rw, const cJSON *rec,
	    const cJSON *before);
/* Deletes owner's rows. Returns: a db_rc (DB_DONE). */
int	rows_remove(const struct rowset *rw, int64_t owner);
/* Inserts rec's rows for owner (none there). Returns: a db_rc (DB_DONE). */
int	rows_write(const struct rowset *rw, int64_t owner, const cJSON *rec);
/* rec's rows for the audit log: each declared field, integers exact. */
cJSON	*rows_audit(const struct rowset *rw, const cJSON *rec);

#endif /* ERP_CORE_MODULE_ROWS_H */
