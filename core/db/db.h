/*
 * db: storage behind an engine-free interface. One connection per worker
 * thread, opened on first use and closed when the thread exits; statements
 * prepared once per thread and reused; numbered migrations; transactions;
 * online backup. No engine type appears here: the SQLite backend is
 * conn.c, query.c, migrate.c, backup.c and checkpoint.c (its own calls in
 * db_sqlite.h), and a second engine is another set of those files.
 */
#ifndef ERP_CORE_DB_H
#define ERP_CORE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"

/* One numbered migration; arrays of them end with a zeroed entry. */
struct db_migration {
	int		 m_version;	/* 1, 2, ...: strictly increasing */
	const char	*m_name;	/* file name without .sql */
	const char	*m_sql;		/* one or more statements */
};

/* The core's migrations, generated from db/migrations at build time. */
extern const struct db_migration db_core_migrations[];

enum db_sync { DB_SYNC_NORMAL = 1, DB_SYNC_FULL = 2 };

/*
 * Sets the database file and its settings for every connection opened
 * afterwards, creates the file if needed and switches it to WAL. Call once,
 * before threads start. path may be ":memory:" (tests: each thread then
 * has its own database). Returns 0, or -1 with err set.
 */
int	db_init(const char *path, enum db_sync, struct erp_err *err);

/*
 * The query layer: everything outside core/db runs SQL through these, so
 * no engine type appears outside it and a second engine is one new backend.
 * SQL uses `?` placeholders (numbered from 1) and the portable subset in
 * docs/modules.md. A statement is opaque and belongs to this thread's
 * cache: callers never free it, and end each use with db_reset.
 */
struct db_stmt;

/* What db_step found. DB_ERROR is logged with the SQL; the others are not. */
enum db_rc {
	DB_ERROR = -1,		/* anything else: the message is logged */
	DB_DONE = 0,		/* the statement ran to its end */
	DB_ROW = 1,		/* a row is ready for db_col_* */
	DB_CONSTRAINT = 2	/* a UNIQUE, CHECK, NOT NULL or foreign key */
};

/*
 * This thread's prepared statement for sql, which must be a string with
 * static storage: the pointer is the cache key. It comes back reset with
 * no bindings. Returns NULL (logged with the engine's message) if sql does
 * not prepare or is not exactly one statement.
 */
struct db_stmt	*db_prepare(const char *sql);
/*
 * db_prepare for modules' SQL: refuses transaction control, ATTACH,
 * PRAGMA and schema changes (NULL, logged).
 */
struct db_stmt	*db_prepare_restricted(const char *sql);

/*
 * Binding: i counts placeholders from 1. Text and blobs are copied, so
 * the caller's buffer may go at once; text NULL binds SQL NULL.
 * db_bind_text_ref borrows instead: the text must stay valid until the
 * statement's db_reset (for hot paths with long-lived strings).
 */
void	db_bind_int(struct db_stmt *, int i, int64_t v);
void	db_bind_text(struct db_stmt *, int i, const char *text);
void	db_bind_text_ref(struct db_stmt *, int i, const char *text);
void	db_bind_blob(struct db_stmt *, int i, const void *p, size_t len);
void	db_bind_null(struct db_stmt *, int i);
/* Returns: the number of the statement's last placeholder (0: none). */
int	db_bind_count(struct db_stmt *);

/* Runs the statement to its next row or its end. */
enum db_rc	 db_step(struct db_stmt *);

/*
 * The current row's columns, counted from 0. Text and blobs are borrowed
 * until the next db_step or db_reset. db_col_text returns NULL for SQL
 * NULL; db_col_int 0. db_col_blob sets *len (0 for NULL). db_col_len is
 * the byte length of the text just read with db_col_text.
 */
int64_t		 db_col_int(struct db_stmt *, int col);
const char	*db_col_text(struct db_stmt *, int col);
const void	*db_col_blob(struct db_stmt *, int col, size_t *len);
size_t		 db_col_len(struct db_stmt *, int col);
/* Copies the column's text ("" for NULL) into dst, cut to fit size. */
void		 db_col_copy(struct db_stmt *, int col, char *dst, size_t size);
bool		 db_col_is_null(struct db_stmt *, int col);
/* What the column holds, in one call: text stands for anything else. */
enum db_kind {
	DB_KIND_NULL,
	DB_KIND_INT,
	DB_KIND_TEXT
};
enum db_kind	 db_col_kind(struct db_stmt *, int col);

/* Ends this use of the statement: resets it and clears its bindings. */
void	db_reset(struct db_stmt *);

/* true if the statement cannot change the database. */
bool	db_is_readonly(struct db_stmt *);

/* The id of the last row this thread's connection inserted. */
int64_t	db_last_id(void);
/* Rows changed by this thread's last INSERT, UPDATE or DELETE. */
int	db_changes(void);
/*
 * The backend's engine ("sqlite"): a module migration written for one
 * engine runs only on it.
 */
const char *db_engine(void);
/* This thread's last engine error, for err_set (borrowed; never NULL). */
const char *db_errmsg(void);

/*
 * Runs script, one or more statements without parameters or results, on
 * this thread's connection (migrations, tests). 0, or -1 with err set.
 */
int	db_exec(const char *script, struct erp_err *err);

/* Closes the current worker's connection and statements. */
void	db_thread_close(void);

/*
 * Before waiting for a client (or for a long computation that needs no
 * database): ends a read transaction and gives the request's worker back
 * (base/worker.c); the next database call borrows one again. Nothing
 * happens inside a write transaction: the write lock stays with its
 * worker.
 */
void	db_release(void);

/*
 * Transactions on this thread's connection. begin takes the write lock at
 * once (BEGIN IMMEDIATE), so a write transaction never fails half way with
 * SQLITE_BUSY. Each returns 0 or -1 (logged).
 */
int	db_tx_begin(void);
/* true while this thread holds a write transaction. */
bool	db_tx_writing(void);
/* true while this thread holds a read transaction (db_tx_begin_read). */
bool	db_tx_reading(void);
/* This thread's current write transaction, unique per thread; 0: none. */
uint64_t db_tx_id(void);
/*
 * A read transaction: one consistent snapshot, no write lock. Inside an
 * open transaction it does nothing (the outer one is shared); a later
 * db_tx_begin ends it first.
 */
int	db_tx_begin_read(void);
/*
 * Ends whatever this thread left open: commits a read transaction, rolls
 * back (and logs) a write transaction. For the end of a request.
 */
void	db_tx_end(void);
int	db_tx_commit(void);
int	db_tx_rollback(void);

/*
 * Applies the pending migrations of component ("core" or a module name)
 * on this thread's connection, each in its own transaction and recorded
 * in schema_migrations. Refuses (-1, err set) a database that has a version of that component
 * newer than the newest in list. *applied (may be NULL) gets the count.
 */
int	db_migrate(const char *component,
	    const struct db_migration *list, int *applied, struct erp_err *err);

/*
 * Copies the live database into dest with SQLite's online backup API,
 * also while the server writes. dest is written as dest.tmp, synced and
 * renamed into place, mode 0600. Returns 0, or -1 with err set.
 */
int	db_backup(const char *dest, struct erp_err *err);

/*
 * Starts (and stops) the background WAL checkpointer; connections opened
 * afterwards leave checkpoints to it. Start before serving. 0 or -1.
 */
int	db_checkpointer_start(void);
void	db_checkpointer_stop(void);

/* 0 if this thread's connection answers a query, -1 otherwise. */
int	db_ping(void);

#endif /* ERP_CORE_DB_H */
