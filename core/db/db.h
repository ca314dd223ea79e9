/*
 * db: SQLite storage. One connection per worker thread, opened on first use
 * and closed when the thread exits; statements prepared once per thread and
 * reused; numbered migrations; transactions; online backup.
 */
#ifndef ERP_CORE_DB_H
#define ERP_CORE_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

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
 * This thread's connection, opened on first use with foreign keys on, a
 * busy timeout, the configured synchronous level and extension loading off.
 * Returns NULL (logged) if it cannot be opened.
 */
sqlite3	*db_get(void);

/*
 * This thread's prepared statement for sql, which must be a string with
 * static storage: the pointer is the cache key. The statement comes back
 * reset with its bindings cleared; the caller steps it and must not
 * finalize it. Returns NULL (logged with the SQLite message) on failure.
 */
sqlite3_stmt *db_stmt(const char *sql);

/*
 * db_stmt for modules' SQL: prepared under an authorizer that refuses
 * transaction control, ATTACH, PRAGMA and schema changes (NULL, logged).
 */
sqlite3_stmt *db_stmt_restricted(const char *sql);

/* Closes this thread's connection and statements (also done at exit). */
void	db_thread_close(void);

/*
 * Transactions on this thread's connection. begin takes the write lock at
 * once (BEGIN IMMEDIATE), so a write transaction never fails half way with
 * SQLITE_BUSY. Each returns 0 or -1 (logged).
 */
int	db_tx_begin(void);
/* true while this thread holds a write transaction. */
bool	db_tx_writing(void);
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
 * on db, each in its own transaction and recorded in schema_migrations.
 * Refuses (-1, err set) a database that has a version of that component
 * newer than the newest in list. *applied (may be NULL) gets the count.
 */
int	db_migrate(sqlite3 *db, const char *component,
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
