/*
 * db query: the SQLite backend of the engine-free query layer in db.h.
 * A struct db_stmt is the SQLite statement itself (never defined, only
 * cast), so the layer costs a call, not an allocation or a copy.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "base/base.h"
#include "db.h"
#include "db_sqlite.h"

#define LOG_SQL_MAX	200	/* bytes of SQL text quoted in a log line */

static sqlite3_stmt *
lite(struct db_stmt *st)
{
	return (sqlite3_stmt *)st;
}

struct db_stmt *
db_prepare(const char *sql)
{
	return (struct db_stmt *)db_stmt(sql);
}

struct db_stmt *
db_prepare_restricted(const char *sql)
{
	return (struct db_stmt *)db_stmt_restricted(sql);
}

void
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(lite(st), i, v);
}

void
db_bind_text(struct db_stmt *st, int i, const char *text)
{
	sqlite3_bind_text(lite(st), i, text, -1, SQLITE_TRANSIENT);
}

void
db_bind_text_ref(struct db_stmt *st, int i, const char *text)
{
	sqlite3_bind_text(lite(st), i, text, -1, SQLITE_STATIC);
}

void
db_bind_blob(struct db_stmt *st, int i, const void *p, size_t len)
{
	/* a zero-length blob is still a blob, not NULL */
	sqlite3_bind_blob64(lite(st), i, p != NULL ? p : "", len,
	    SQLITE_TRANSIENT);
}

void
db_bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(lite(st), i);
}

int
db_bind_count(struct db_stmt *st)
{
	return sqlite3_bind_parameter_count(lite(st));
}

enum db_rc
db_step(struct db_stmt *st)
{
	sqlite3_stmt	*s = lite(st);

	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_CONSTRAINT:
		return DB_CONSTRAINT;
	default:
		log_error("db: \"%.*s\": %s", LOG_SQL_MAX, sqlite3_sql(s),
		    sqlite3_errmsg(sqlite3_db_handle(s)));
		return DB_ERROR;
	}
}

int64_t
db_col_int(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(lite(st), col);
}

const char *
db_col_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(lite(st), col);
}

const void *
db_col_blob(struct db_stmt *st, int col, size_t *len)
{
	const void	*p = sqlite3_column_blob(lite(st), col);

	/* bytes after blob: the documented order for a valid length */
	*len = (size_t)sqlite3_column_bytes(lite(st), col);
	return p;
}

size_t
db_col_len(struct db_stmt *st, int col)
{
	return (size_t)sqlite3_column_bytes(lite(st), col);
}

void
db_col_copy(struct db_stmt *st, int col, char *dst, size_t size)
{
	const char	*t = db_col_text(st, col);

	snprintf(dst, size, "%s", t != NULL ? t : "");
}

bool
db_col_is_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(lite(st), col) == SQLITE_NULL;
}

enum db_kind
db_col_kind(struct db_stmt *st, int col)
{
	switch (sqlite3_column_type(lite(st), col)) {
	case SQLITE_NULL:
		return DB_KIND_NULL;
	case SQLITE_INTEGER:
		return DB_KIND_INT;
	default:
		return DB_KIND_TEXT;
	}
}

void
db_reset(struct db_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(lite(st));
	sqlite3_clear_bindings(lite(st));
}

bool
db_is_readonly(struct db_stmt *st)
{
	return sqlite3_stmt_readonly(lite(st)) != 0;
}

int64_t
db_last_id(void)
{
	sqlite3	*db = db_get();

	return db != NULL ? sqlite3_last_insert_rowid(db) : 0;
}

int
db_changes(void)
{
	sqlite3	*db = db_get();

	return db != NULL ? sqlite3_changes(db) : 0;
}

const char *
db_engine(void)
{
	return "sqlite";
}

const char *
db_errmsg(void)
{
	sqlite3	*db = db_get();

	return db != NULL ? sqlite3_errmsg(db) : "no database connection";
}

int
db_exec(const char *script, struct erp_err *err)
{
	sqlite3	*db;
	char	*msg = NULL;

	if ((db = db_get()) == NULL) {
		err_set(err, "no database connection");
		return -1;
	}
	if (sqlite3_exec(db, script, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(err, "%s", msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}
