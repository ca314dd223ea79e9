/*
 * db migrate: applies a component's numbered migrations in order, each in
 * its own transaction, and records them in schema_migrations.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/base.h"
#include "db.h"
#include "db_sqlite.h"

static const char	 sql_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" component TEXT NOT NULL,"
	" version INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" applied_at TEXT NOT NULL,"
	" PRIMARY KEY (component, version))";
static const char	 sql_max[] =
	"SELECT max(version) FROM schema_migrations WHERE component = ?1";
static const char	 sql_has[] =
	"SELECT 1 FROM schema_migrations WHERE component = ?1 AND version = ?2";
static const char	 sql_add[] =
	"INSERT INTO schema_migrations (component, version, name, applied_at)"
	" VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))";

static bool
is_end(const struct db_migration *m)
{
	return m->m_version == 0 && m->m_name == NULL && m->m_sql == NULL;
}

/* Checks the list and returns its newest version (0 if empty), or -1. */
static int
check_list(const char *component, const struct db_migration *list,
    struct erp_err *err)
{
	const struct db_migration	*m;
	int				 last = 0;

	for (m = list; !is_end(m); m++) {
		if (m->m_name == NULL || m->m_sql == NULL) {
			err_set(err, "%s migration %d has no name or SQL",
			    component, m->m_version);
			return -1;
		}
		if (m->m_version <= last) {
			err_set(err, "%s migration %s: version %d does not "
			    "follow %d", component, m->m_name, m->m_version,
			    last);
			return -1;
		}
		last = m->m_version;
	}
	return last;
}

/*
 * Runs a query of at most one row whose first column is an integer, bound
 * to component and version: *out gets it, or 0 when there is no row or it
 * is NULL.
 */
static int
query_int(sqlite3 *db, const char *sql, const char *component, int version,
    int *out, struct erp_err *err)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1, step;

	*out = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    (sqlite3_bind_parameter_count(st) >= 2 &&
	    sqlite3_bind_int(st, 2, version) != SQLITE_OK))
		goto fail;
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else if (step != SQLITE_DONE)
		goto fail;
	rc = 0;
	goto out;
fail:
	err_set(err, "schema_migrations: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	return rc;
}

/* Refuses a migration that leaves a row breaking a foreign key. */
static int
fk_check(sqlite3 *db, const char *component, const struct db_migration *m,
    struct erp_err *err)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1, step;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	if ((step = sqlite3_step(st)) == SQLITE_ROW) {
		err_set(err, "migration %s/%s: a row of %s breaks its foreign "
		    "key to %s", component, m->m_name,
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 2));
		goto out;
	}
	if (step != SQLITE_DONE)
		goto fail;
	rc = 0;
	goto out;
fail:
	err_set(err, "migration %s/%s: %s", component, m->m_name,
	    sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	return rc;
}

static int
record(sqlite3 *db, const char *component, const struct db_migration *m)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db, sql_add, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_int(st, 2, m->m_version) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, m->m_name, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Applies m in a transaction; *done is 1 if it ran, 0 if already there. */
static int
apply(sqlite3 *db, const char *component, const struct db_migration *m,
    int *done, struct erp_err *err)
{
	char	*msg = NULL;
	int	 has = 0, rc = -1;

	*done = 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	/* Another process may have applied it since we looked. */
	if (query_int(db, sql_has, component, m->m_version, &has, err) == -1)
		goto out;
	if (has) {
		rc = 0;
		goto out;
	}
	if (sqlite3_exec(db, m->m_sql, NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_get_autocommit(db)) {
		err_set(err, "migration %s/%s: it ended the transaction itself "
		    "(no BEGIN, COMMIT or ROLLBACK in migrations)", component,
		    m->m_name);
		goto out;
	}
	if (fk_check(db, component, m, err) == -1)
		goto out;
	if (record(db, component, m) == -1 ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	*done = 1;
	return 0;
fail:
	err_set(err, "migration %s/%s: %s", component, m->m_name,
	    msg ? msg : sqlite3_errmsg(db));
out:
	sqlite3_free(msg);
	/* Some errors already rolled back; then there is nothing to undo. */
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int
db_migrate(const char *component, const struct db_migration *list,
    int *applied, struct erp_err *err)
{
	sqlite3				*db = db_get();
	const struct db_migration	*m;
	char				*msg = NULL;
	int				 newest, have, done, fk, n = 0;
	int				 fk_was = 0, rc = -1;

	if (applied != NULL)
		*applied = 0;
	if (db == NULL || component == NULL || *component == '\0' ||
	    list == NULL) {
		err_set(err, "db_migrate: no database, component or list");
		return -1;
	}
	/* Our BEGIN would fail and our ROLLBACK would undo the caller's. */
	if (!sqlite3_get_autocommit(db)) {
		err_set(err, "db_migrate: a transaction is already open");
		return -1;
	}
	if ((newest = check_list(component, list, err)) == -1)
		return -1;
	if (sqlite3_exec(db, sql_table, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(err, "schema_migrations: %s",
		    msg ? msg : sqlite3_errmsg(db));
		goto out;
	}
	if (query_int(db, sql_max, component, 0, &have, err) == -1)
		goto out;
	if (have > newest) {
		err_set(err, "database has %s migration %d, newer than this "
		    "binary's %d: refusing to start", component, have, newest);
		goto out;
	}
	/*
	 * A migration that rebuilds a table (create, copy, drop, rename, as
	 * SQLite documents) needs foreign keys off, or dropping the old table
	 * would cascade into its children; fk_check() then runs before each
	 * commit instead. The setting cannot change inside a transaction.
	 */
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, -1, &fk) !=
	    SQLITE_OK || (fk && sqlite3_db_config(db,
	    SQLITE_DBCONFIG_ENABLE_FKEY, 0, (int *)NULL) != SQLITE_OK)) {
		err_set(err, "db_migrate: cannot turn foreign keys off: %s",
		    sqlite3_errmsg(db));
		goto out;
	}
	fk_was = fk;
	for (m = list; !is_end(m); m++) {
		if (m->m_version <= have)
			continue;
		if (apply(db, component, m, &done, err) == -1)
			goto out;
		if (done) {
			log_info("db: applied migration %s/%s", component,
			    m->m_name);
			n++;
		}
	}
	rc = 0;
out:
	if (fk_was && sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, 1,
	    (int *)NULL) != SQLITE_OK) {
		err_set(err, "db_migrate: cannot turn foreign keys back on: %s",
		    sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_free(msg);
	if (applied != NULL)
		*applied = n;
	return rc;
}
