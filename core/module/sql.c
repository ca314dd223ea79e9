/*
 * sql: the statements modules run through the host (erp_host->sql and
 * its sql_* members, and reply_page, which steps a list's two), over
 * core/db's query layer. struct erp_sql is a db_stmt behind the ABI's own
 * name, so no engine type reaches include/erp/module.h and a second
 * engine changes core/db, not a module.
 */
#include "api/api.h"
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

/*
 * erp_host->reply_page: the page's bounds, the count, then the rows, each
 * step checked, so a statement that fails is a 500, never a short page.
 * Returns: the status sent.
 */
int
host_reply_page(struct erp_req *r, struct erp_sql *count,
    struct erp_sql *rows, cJSON *(*row)(struct erp_sql *))
{
	const char	*why;
	cJSON		*items = NULL, *item;
	int64_t		 limit, offset, total;
	int		 n, rc;

	if (api_page((struct http_req *)(void *)r, &limit, &offset) == -1) {
		host_sql_reset(count);
		host_sql_reset(rows);
		return http_status((struct http_req *)(void *)r);
	}
	why = "a list without its statements";
	if (count == NULL || rows == NULL || row == NULL)
		goto fail;
	/* LIMIT ? OFFSET ? close the statement: its last two placeholders */
	why = "a list's rows statement without LIMIT ? OFFSET ?";
	if ((n = db_bind_count(STMT(rows))) < 2)
		goto fail;
	why = "a list's count";
	if (db_step(STMT(count)) != DB_ROW)
		goto fail;
	total = db_col_int(STMT(count), 0);
	db_bind_int(STMT(rows), n - 1, limit);
	db_bind_int(STMT(rows), n, offset);
	why = "a list's rows";
	items = cJSON_CreateArray();
	while ((rc = db_step(STMT(rows))) == DB_ROW) {
		if ((item = row(rows)) == NULL)
			goto fail;
		cJSON_AddItemToArray(items, item);
	}
	if (rc != DB_DONE)
		goto fail;
	host_sql_reset(count);
	host_sql_reset(rows);
	return module_host.reply_json(r, 200, api_page_new(items, total,
	    limit, offset));
fail:
	cJSON_Delete(items);
	host_sql_reset(count);
	host_sql_reset(rows);
	return module_host.fail(r, ERP_E_INTERNAL, NULL, why);
}
