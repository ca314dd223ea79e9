/*
 * db sqlite: the SQLite backend's own calls, for the files of core/db and
 * for tests that look at the database underneath the query layer. Code
 * outside core/db uses db.h only.
 */
#ifndef ERP_CORE_DB_DB_SQLITE_H
#define ERP_CORE_DB_DB_SQLITE_H

#include <sqlite3.h>

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

#endif /* ERP_CORE_DB_DB_SQLITE_H */
