/*
 * sql: the statements modules run through the host (erp_host->sql and
 * its sql_* members), over core/db's query layer. struct erp_sql is a
 * db_stmt behind the ABI's own name, so no engine type reaches
 * include/erp/module.h and a second engine changes core/db, not a module.
 */
#include "db/db.h"
#include "host_int.h"

#define STMT(q)	((struct db_stmt *)(void *)(q))

/* The ABI's step results are the query layer's. */
_Static_assert(ERP_SQL_ERROR == (int)DB_ERROR && ERP_SQL_DONE == (int)DB_DONE &&
    ERP_SQL_ROW == (int)DB_ROW && ERP_SQL_CONFLICT == (int)DB_CONSTRAINT,
    "enum erp_sql_result is enum db_rc");

/* Set while a raw-body write route has not taken the write lock yet. */
static __thread bool	 lazy_write;

void
host_sql_lazy_write(bool on)
{
	lazy_write = on;
}

int
host_write_now(void)
{
	if (db_tx_writing())
		return 0;
	return db_tx_begin();
}

struct erp_sql *
host_sql(struct erp_req *r, const char *sql)
{
	struct db_stmt	*st;

	if (lazy_write && host_write_now() == -1)
		return NULL;
	st = db_prepare_restricted(sql);

	/* a GET runs in a read transaction: it may not write */
	if (st != NULL && !db_tx_writing() && !db_is_readonly(st)) {
		log_msg(LOG_ERROR, r ? http_request_id((struct http_req *)
		    (void *)r) : NULL, "module: a statement that writes, "
		    "refused on a read-only route: %.60s", sql);
		return NULL;
	}
	return (struct erp_sql *)(void *)st;
}

void
host_sql_int(struct erp_sql *q, int idx, int64_t v)
{
	db_bind_int(STMT(q), idx, v);
}

void
host_sql_text(struct erp_sql *q, int idx, const char *text)
{
	db_bind_text(STMT(q), idx, text);
}

int
host_sql_step(struct erp_sql *q)
{
	return (int)db_step(STMT(q));
}

int64_t
host_sql_col_int(struct erp_sql *q, int col)
{
	return db_col_int(STMT(q), col);
}

const char *
host_sql_col_text(struct erp_sql *q, int col)
{
	return db_col_text(STMT(q), col);
}

void
host_sql_reset(struct erp_sql *q)
{
	if (q != NULL)
		db_reset(STMT(q));
}

int64_t
host_last_insert_id(struct erp_req *r)
{
	return db_last_id();
}

int
host_changes(struct erp_req *r)
{
	return db_changes();
}

int
host_tx(struct erp_req *r)
{
	if (db_tx_writing())
		return ERP_TX_WRITE;
	return db_tx_reading() ? ERP_TX_READ : ERP_TX_NONE;
}
