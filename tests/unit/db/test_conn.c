/*
 * Tests for core/db/conn.c: per-thread connections and their settings, the
 * statement cache, transactions, WAL and file mode.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "base/base.h"
#include "db/db.h"
#include "db/db_sqlite.h"

static char	 tmpdir[64];
static char	 dbpath[128];

static void
mem_setup(void)
{
	struct erp_err	 err = { "" };

	ck_assert_msg(db_init(":memory:", DB_SYNC_FULL, &err) == 0, "%s",
	    err.e_msg);
}

static void
mem_teardown(void)
{
	db_thread_close();
}

static void
file_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/erp-db-conn-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof(dbpath), "%s/erp.db", tmpdir);
}

static void
file_teardown(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 p[512];

	db_thread_close();
	if ((d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(tmpdir);
}

static void
file_init(void)
{
	struct erp_err	 err = { "" };

	ck_assert_msg(db_init(dbpath, DB_SYNC_NORMAL, &err) == 0, "%s",
	    err.e_msg);
}

static void
exec_ok(const char *sql)
{
	char	*msg = NULL;
	int	 rc;

	rc = sqlite3_exec(db_get(), sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

/* The first column of sql's first row, through the cache. */
static int
one_int(const char *sql)
{
	sqlite3_stmt	*st;
	int		 v;

	ck_assert_ptr_nonnull(st = db_stmt(sql));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return v;
}

static const char	 sql_count[] = "SELECT count(*) FROM t";

START_TEST(test_foreign_keys_on)
{
	ck_assert_ptr_nonnull(db_get());
	ck_assert_int_eq(one_int("PRAGMA foreign_keys"), 1);
	exec_ok("CREATE TABLE p (id INTEGER PRIMARY KEY);"
	    "CREATE TABLE c (p INTEGER REFERENCES p (id))");
	ck_assert_int_eq(sqlite3_exec(db_get(), "INSERT INTO c VALUES (7)",
	    NULL, NULL, NULL), SQLITE_CONSTRAINT);
}
END_TEST

START_TEST(test_hardening)
{
	int	 v = -1;

	ck_assert_int_eq(sqlite3_db_config(db_get(),
	    SQLITE_DBCONFIG_DEFENSIVE, -1, &v), SQLITE_OK);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(one_int("PRAGMA trusted_schema"), 0);
	ck_assert_int_eq(one_int("PRAGMA synchronous"), 2);	/* FULL */
}
END_TEST

START_TEST(test_sync_normal)
{
	struct erp_err	 err = { "" };

	/* a second init must not keep serving the first one's connection */
	ck_assert_int_eq(one_int("PRAGMA synchronous"), 2);
	ck_assert_int_eq(db_init(":memory:", DB_SYNC_NORMAL, &err), 0);
	ck_assert_int_eq(one_int("PRAGMA synchronous"), 1);
}
END_TEST

START_TEST(test_load_extension_refused)
{
	sqlite3_stmt	*st;

	ck_assert_ptr_nonnull(st = db_stmt("SELECT load_extension('x')"));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ERROR);
	ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(db_get()),
	    "not authorized"));
	sqlite3_reset(st);
}
END_TEST

START_TEST(test_stmt_cached_and_reset)
{
	static const char	 a[] = "SELECT ?1", b[] = "SELECT ?1";
	sqlite3_stmt		*s1, *s2, *s3;

	ck_assert_ptr_nonnull(s1 = db_stmt(a));
	ck_assert_int_eq(sqlite3_bind_int(s1, 1, 42), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s1), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(s1, 0), 42);
	/* left mid-step and bound: the cache must hand it back clean */
	ck_assert_ptr_nonnull(s2 = db_stmt(a));
	ck_assert_ptr_eq(s1, s2);
	ck_assert(!sqlite3_stmt_busy(s2));
	ck_assert_int_eq(sqlite3_step(s2), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_type(s2, 0), SQLITE_NULL);
	/* the key is the pointer, not the text */
	ck_assert_ptr_nonnull(s3 = db_stmt(b));
	ck_assert_ptr_ne(s3, s1);
}
END_TEST

START_TEST(test_stmt_cache_grows)
{
	static char	 sql[100][32];
	sqlite3_stmt	*st[100];
	int		 i;

	for (i = 0; i < 100; i++) {
		snprintf(sql[i], sizeof(sql[i]), "SELECT %d", i);
		ck_assert_ptr_nonnull(st[i] = db_stmt(sql[i]));
	}
	for (i = 0; i < 100; i++) {
		ck_assert_ptr_eq(db_stmt(sql[i]), st[i]);
		ck_assert_int_eq(one_int(sql[i]), i);
	}
}
END_TEST

START_TEST(test_stmt_text_changed)
{
	static char	 sql[32];

	/* a caller breaking the static-string rule still gets its SQL run */
	strcpy(sql, "SELECT 1");
	ck_assert_int_eq(one_int(sql), 1);
	strcpy(sql, "SELECT 2");
	ck_assert_int_eq(one_int(sql), 2);
	strcpy(sql, "SELECT 23");
	ck_assert_int_eq(one_int(sql), 23);
}
END_TEST

START_TEST(test_stmt_bad_sql)
{
	ck_assert_ptr_null(db_stmt("SELEC 1"));
	ck_assert_ptr_null(db_stmt("SELECT 1; SELECT 2"));
	ck_assert_ptr_null(db_stmt(" -- nothing"));
	ck_assert_ptr_null(db_stmt(NULL));
	ck_assert_int_eq(one_int("SELECT 5;"), 5);
}
END_TEST

START_TEST(test_tx_memory)
{
	exec_ok("CREATE TABLE t (x INTEGER)");
	ck_assert_int_eq(db_tx_rollback(), 0);	/* none open: harmless */
	ck_assert_int_eq(db_tx_commit(), -1);

	ck_assert_int_eq(db_tx_begin(), 0);
	ck_assert_int_eq(db_tx_begin(), -1);	/* no nesting */
	exec_ok("INSERT INTO t VALUES (1)");
	ck_assert_int_eq(db_tx_rollback(), 0);
	ck_assert_int_eq(one_int(sql_count), 0);

	ck_assert_int_eq(db_tx_begin(), 0);
	exec_ok("INSERT INTO t VALUES (1)");
	ck_assert_int_eq(db_tx_commit(), 0);
	ck_assert_int_eq(one_int(sql_count), 1);
	ck_assert(sqlite3_get_autocommit(db_get()));
}
END_TEST

START_TEST(test_commit_failure_rolls_back)
{
	exec_ok("CREATE TABLE p (id INTEGER PRIMARY KEY);"
	    "CREATE TABLE c (p INTEGER REFERENCES p (id)"
	    " DEFERRABLE INITIALLY DEFERRED)");
	ck_assert_int_eq(db_tx_begin(), 0);
	exec_ok("INSERT INTO c VALUES (7)");
	ck_assert_int_eq(db_tx_commit(), -1);	/* deferred FK fails here */
	ck_assert(sqlite3_get_autocommit(db_get()));
	ck_assert_int_eq(one_int("SELECT count(*) FROM c"), 0);
	ck_assert_int_eq(db_tx_rollback(), 0);
}
END_TEST

START_TEST(test_ping)
{
	ck_assert_int_eq(db_ping(), 0);
}
END_TEST

static void *
count_other(void *arg)
{
	intptr_t	 n;

	n = one_int(sql_count);
	db_thread_close();
	return (void *)n;
}

/* sql_count as seen from a fresh thread with its own connection. */
static int
count_in_thread(void)
{
	pthread_t	 th;
	void		*ret;

	ck_assert_int_eq(pthread_create(&th, NULL, count_other, NULL), 0);
	ck_assert_int_eq(pthread_join(th, &ret), 0);
	return (int)(intptr_t)ret;
}

START_TEST(test_tx_visibility)
{
	file_init();
	exec_ok("CREATE TABLE t (x INTEGER)");
	ck_assert_int_eq(db_tx_begin(), 0);
	exec_ok("INSERT INTO t VALUES (1)");
	ck_assert_int_eq(one_int(sql_count), 1);
	ck_assert_int_eq(count_in_thread(), 0);
	ck_assert_int_eq(db_tx_commit(), 0);
	ck_assert_int_eq(count_in_thread(), 1);

	ck_assert_int_eq(db_tx_begin(), 0);
	exec_ok("INSERT INTO t VALUES (2)");
	ck_assert_int_eq(db_tx_rollback(), 0);
	ck_assert_int_eq(count_in_thread(), 1);
}
END_TEST

START_TEST(test_file_wal_0600)
{
	struct stat	 sb;
	sqlite3_stmt	*st;
	char		 wal[160];
	mode_t		 old;

	old = umask(0);		/* SQLite alone would create 0666 */
	file_init();
	ck_assert_int_eq(stat(dbpath, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_ptr_nonnull(st = db_stmt("PRAGMA journal_mode"));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_reset(st);
	exec_ok("CREATE TABLE t (x INTEGER)");
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	ck_assert_int_eq(stat(wal, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	umask(old);
}
END_TEST

START_TEST(test_file_mode_tightened)
{
	struct stat	 sb;
	FILE		*f;

	ck_assert_ptr_nonnull(f = fopen(dbpath, "w"));
	fclose(f);
	ck_assert_int_eq(chmod(dbpath, 0644), 0);
	file_init();
	ck_assert_int_eq(stat(dbpath, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_init_errors)
{
	struct erp_err	 err = { "" };

	ck_assert_int_eq(db_init("/nonexistent-erp-dir/x.db", DB_SYNC_FULL,
	    &err), -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "x.db"));
	ck_assert_ptr_null(db_get());	/* a failed init leaves none */
	err.e_msg[0] = '\0';
	ck_assert_int_eq(db_init("", DB_SYNC_FULL, &err), -1);
	ck_assert_str_ne(err.e_msg, "");
}
END_TEST

static void *
get_other(void *arg)
{
	sqlite3	*db = db_get();
	int	 has;

	/* in-memory: this thread's database must not have main's table */
	has = one_int("SELECT count(*) FROM sqlite_schema WHERE name = 'm'");
	*(sqlite3 **)arg = has ? NULL : db;
	return NULL;
}

START_TEST(test_second_thread)
{
	pthread_t	 th;
	sqlite3		*other = NULL;

	exec_ok("CREATE TABLE m (x INTEGER)");
	ck_assert_int_eq(pthread_create(&th, NULL, get_other, &other), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_ptr_nonnull(other);
	ck_assert_ptr_ne(other, db_get());
}
END_TEST

static void *
write_and_exit(void *arg)
{
	exec_ok("CREATE TABLE t (x INTEGER)");
	return NULL;	/* no db_thread_close: the key destructor must */
}

START_TEST(test_thread_exit_closes)
{
	pthread_t	 th;
	char		 wal[160];

	file_init();
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	ck_assert_int_eq(pthread_create(&th, NULL, write_and_exit, NULL), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	/* SQLite deletes the WAL when the last connection closes */
	ck_assert_int_eq(access(wal, F_OK), -1);
	ck_assert_int_eq(count_in_thread(), 0);
}
END_TEST

Suite	*db_conn_suite(void);

Suite *
db_conn_suite(void)
{
	Suite	*s = suite_create("db_conn");
	TCase	*mem = tcase_create("memory");
	TCase	*file = tcase_create("file");

	tcase_add_checked_fixture(mem, mem_setup, mem_teardown);
	tcase_add_test(mem, test_foreign_keys_on);
	tcase_add_test(mem, test_hardening);
	tcase_add_test(mem, test_sync_normal);
	tcase_add_test(mem, test_load_extension_refused);
	tcase_add_test(mem, test_stmt_cached_and_reset);
	tcase_add_test(mem, test_stmt_cache_grows);
	tcase_add_test(mem, test_stmt_text_changed);
	tcase_add_test(mem, test_stmt_bad_sql);
	tcase_add_test(mem, test_tx_memory);
	tcase_add_test(mem, test_commit_failure_rolls_back);
	tcase_add_test(mem, test_ping);
	tcase_add_test(mem, test_second_thread);
	suite_add_tcase(s, mem);

	tcase_add_checked_fixture(file, file_setup, file_teardown);
	tcase_add_test(file, test_tx_visibility);
	tcase_add_test(file, test_file_wal_0600);
	tcase_add_test(file, test_file_mode_tightened);
	tcase_add_test(file, test_init_errors);
	tcase_add_test(file, test_thread_exit_closes);
	suite_add_tcase(s, file);
	return s;
}
