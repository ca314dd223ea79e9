/*
 * Tests for core/db/backup.c: the copy holds the rows, is mode 0600, leaves
 * no temporary file, fails cleanly, and works while another process writes.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "base/base.h"
#include "db/db.h"
#include "db/db_sqlite.h"

#define ROWS	2000	/* 1 KB each, so a copy takes several ms */

static char	 tmpdir[64];
static char	 dbpath[128];
static char	 dest[128];
static char	 desttmp[160];

static void
exec_ok(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;
	int	 rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

static void
setup(void)
{
	struct erp_err	 err = { "" };

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/erp-db-backup-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof(dbpath), "%s/erp.db", tmpdir);
	snprintf(dest, sizeof(dest), "%s/backup.db", tmpdir);
	snprintf(desttmp, sizeof(desttmp), "%s.tmp", dest);
	ck_assert_msg(db_init(dbpath, DB_SYNC_NORMAL, &err) == 0, "%s",
	    err.e_msg);
	exec_ok(db_get(), "CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB);"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	    " WHERE i < 2000) INSERT INTO t (pad) SELECT randomblob(1000)"
	    " FROM n");
}

static void
teardown(void)
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

/* Rows in t of the database at path, after an integrity check. */
static int
count_rows(const char *path)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	int		 n;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1,
	    &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

START_TEST(test_backup_has_rows)
{
	struct erp_err	 err = { "" };
	struct stat	 sb;
	mode_t		 old;

	old = umask(0);
	ck_assert_msg(db_backup(dest, &err) == 0, "%s", err.e_msg);
	umask(old);
	ck_assert_int_eq(count_rows(dest), ROWS);
	ck_assert_int_eq(stat(dest, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(access(desttmp, F_OK), -1);
}
END_TEST

START_TEST(test_backup_replaces)
{
	struct erp_err	 err = { "" };
	FILE		*f;

	/* a stale tmp from a crash and an older backup are both replaced */
	ck_assert_ptr_nonnull(f = fopen(desttmp, "w"));
	fputs("junk", f);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(dest, "w"));
	fputs("old", f);
	fclose(f);
	ck_assert_msg(db_backup(dest, &err) == 0, "%s", err.e_msg);
	ck_assert_int_eq(count_rows(dest), ROWS);
	ck_assert_int_eq(access(desttmp, F_OK), -1);
}
END_TEST

START_TEST(test_backup_bad_dest)
{
	struct erp_err	 err = { "" };

	ck_assert_int_eq(db_backup("/nonexistent-erp-dir/b.db", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "/nonexistent-erp-dir/b.db"));
	err.e_msg[0] = '\0';
	ck_assert_int_eq(db_backup("", &err), -1);
	ck_assert_str_ne(err.e_msg, "");
	err.e_msg[0] = '\0';
	ck_assert_int_eq(db_backup(dbpath, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "the database itself"));
	ck_assert_int_eq(count_rows(dbpath), ROWS);
}
END_TEST

START_TEST(test_backup_cleans_up_on_failure)
{
	struct erp_err	 err = { "" };

	/* dest is a directory: everything works until the rename */
	ck_assert_int_eq(mkdir(dest, 0700), 0);
	ck_assert_int_eq(db_backup(dest, &err), -1);
	ck_assert_str_ne(err.e_msg, "");
	ck_assert_int_eq(access(desttmp, F_OK), -1);
	rmdir(dest);
}
END_TEST

/* The child: its own connection, writing rows one commit at a time. */
static void __attribute__((noreturn))
writer(int ready)
{
	sqlite3		*db = NULL;
	int64_t		 end;
	int		 ok = 1;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		_exit(1);
	sqlite3_busy_timeout(db, 5000);
	end = time_mono_us() + 1500000;
	while (ok && time_mono_us() < end) {
		ok = sqlite3_exec(db, "INSERT INTO t (pad) VALUES"
		    " (randomblob(1000))", NULL, NULL, NULL) == SQLITE_OK;
		if (ready != -1) {
			if (write(ready, "x", 1) != 1)
				_exit(1);
			close(ready);
			ready = -1;
		}
	}
	sqlite3_close(db);
	_exit(ok ? 0 : 1);
}

START_TEST(test_backup_while_writing)
{
	struct erp_err	 err = { "" };
	pid_t		 pid;
	char		 c;
	int		 fds[2], status, n = 0, rows, last = ROWS;

	/* No connection may cross fork(): SQLite's locks would be shared. */
	db_thread_close();
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		close(fds[0]);
		writer(fds[1]);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	do {
		ck_assert_msg(db_backup(dest, &err) == 0, "%s", err.e_msg);
		rows = count_rows(dest);
		ck_assert_int_ge(rows, last);
		last = rows;
		n++;
	} while (waitpid(pid, &status, WNOHANG) == 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_ge(n, 3);
	ck_assert_int_gt(last, ROWS);
}
END_TEST

START_TEST(test_backup_memory)
{
	struct erp_err	 err = { "" };

	ck_assert_int_eq(db_init(":memory:", DB_SYNC_FULL, &err), 0);
	exec_ok(db_get(), "CREATE TABLE t (x INTEGER); INSERT INTO t"
	    " VALUES (1), (2)");
	ck_assert_msg(db_backup(dest, &err) == 0, "%s", err.e_msg);
	ck_assert_int_eq(count_rows(dest), 2);
}
END_TEST

Suite	*db_backup_suite(void);

Suite *
db_backup_suite(void)
{
	Suite	*s = suite_create("db_backup");
	TCase	*tc = tcase_create("backup");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_backup_has_rows);
	tcase_add_test(tc, test_backup_replaces);
	tcase_add_test(tc, test_backup_bad_dest);
	tcase_add_test(tc, test_backup_cleans_up_on_failure);
	tcase_add_test(tc, test_backup_while_writing);
	tcase_add_test(tc, test_backup_memory);
	suite_add_tcase(s, tc);
	return s;
}
