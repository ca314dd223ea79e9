/*
 * Tests for core/db/migrate.c: order, bookkeeping, idempotence, rollback of
 * a failing migration, and refusing newer databases and bad lists.
 */
#include <string.h>

#include <check.h>
#include <sqlite3.h>

#include "base/base.h"
#include "db/db.h"
#include "db/db_sqlite.h"

static sqlite3	*db;

static void
setup(void)
{
	struct erp_err	 err = { "" };

	ck_assert_msg(db_init(":memory:", DB_SYNC_FULL, &err) == 0, "%s",
	    err.e_msg);
	ck_assert_ptr_nonnull(db = db_get());
}

static void
teardown(void)
{
	db_thread_close();
	db = NULL;
}

/* An integer from a one-row query, bound to one optional text. */
static int
one_int(const char *sql, const char *arg)
{
	sqlite3_stmt	*st = NULL;
	int		 v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (arg != NULL)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static bool
has_table(const char *name)
{
	return one_int("SELECT count(*) FROM sqlite_schema WHERE name = ?1",
	    name) == 1;
}

/* Each step needs the one before it, so out-of-order runs fail. */
static const struct db_migration three[] = {
	{ 1, "0001_a", "CREATE TABLE a (x INTEGER);" },
	{ 2, "0002_b", "CREATE TABLE b (y INTEGER);"
	    " INSERT INTO a VALUES (1);" },
	{ 3, "0003_c", "INSERT INTO b SELECT x + 1 FROM a;" },
	{ 0, NULL, NULL }
};

START_TEST(test_applies_in_order)
{
	struct erp_err	 err = { "" };
	sqlite3_stmt	*st;
	int		 n = -1, i;

	ck_assert_msg(db_migrate("core", three, &n, &err) == 0, "%s",
	    err.e_msg);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(one_int("SELECT y FROM b", NULL), 2);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT version, name,"
	    " applied_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T"
	    "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z' FROM schema_migrations"
	    " WHERE component = 'core' ORDER BY version", -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), three[i].m_version);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 1),
		    three[i].m_name);
		ck_assert_int_eq(sqlite3_column_int(st, 2), 1);
	}
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}
END_TEST

START_TEST(test_second_run_applies_nothing)
{
	struct erp_err	 err = { "" };
	int		 n = -1;

	ck_assert_int_eq(db_migrate("core", three, &n, &err), 0);
	ck_assert_int_eq(db_migrate("core", three, &n, &err), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(one_int("SELECT count(*) FROM schema_migrations",
	    NULL), 3);
	ck_assert_int_eq(one_int("SELECT count(*) FROM b", NULL), 1);
}
END_TEST

START_TEST(test_later_migrations_only)
{
	struct erp_err		 err = { "" };
	struct db_migration	 two[3];
	int			 n = -1;

	memcpy(two, three, sizeof(two));
	two[2] = three[3];	/* the end marker */
	ck_assert_int_eq(db_migrate("core", two, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(db_migrate("core", three, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(one_int("SELECT y FROM b", NULL), 2);
}
END_TEST

START_TEST(test_failure_rolls_back)
{
	static const struct db_migration	 bad[] = {
		{ 1, "0001_a", "CREATE TABLE a (x INTEGER);" },
		{ 2, "0002_bad", "CREATE TABLE c (z INTEGER);"
		    " INSERT INTO a VALUES (1);"
		    " INSERT INTO nosuch VALUES (1);" },
		{ 3, "0003_never", "CREATE TABLE d (w INTEGER);" },
		{ 0, NULL, NULL }
	};
	struct erp_err	 err = { "" };
	int		 n = -1;

	ck_assert_int_eq(db_migrate("core", bad, &n, &err), -1);
	ck_assert_int_eq(n, 1);
	ck_assert_msg(strstr(err.e_msg, "migration core/0002_bad: ") ==
	    err.e_msg && strstr(err.e_msg, "no such table") != NULL, "%s",
	    err.e_msg);
	ck_assert(has_table("a"));
	ck_assert(!has_table("c"));
	ck_assert(!has_table("d"));
	ck_assert_int_eq(one_int("SELECT count(*) FROM a", NULL), 0);
	ck_assert_int_eq(one_int("SELECT max(version) FROM schema_migrations",
	    NULL), 1);
	ck_assert(sqlite3_get_autocommit(db));
}
END_TEST

START_TEST(test_refuses_newer_database)
{
	struct erp_err		 err = { "" };
	struct db_migration	 two[3];
	int			 n = -1;

	memcpy(two, three, sizeof(two));
	two[2] = three[3];
	ck_assert_int_eq(db_migrate("core", three, NULL, &err), 0);
	ck_assert_int_eq(db_migrate("core", two, &n, &err), -1);
	ck_assert_int_eq(n, 0);
	ck_assert_str_eq(err.e_msg, "database has core migration 3, newer "
	    "than this binary's 2: refusing to start");
	/* core's versions do not count against another component */
	ck_assert_int_eq(db_migrate("shop", two + 2, &n, &err), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_refuses_bad_lists)
{
	static const struct db_migration	 down[] = {
		{ 2, "0002_b", "CREATE TABLE b (y INTEGER);" },
		{ 1, "0001_a", "CREATE TABLE a (x INTEGER);" },
		{ 0, NULL, NULL }
	};
	static const struct db_migration	 dup[] = {
		{ 1, "0001_a", "CREATE TABLE a (x INTEGER);" },
		{ 1, "0001_b", "CREATE TABLE b (y INTEGER);" },
		{ 0, NULL, NULL }
	};
	static const struct db_migration	 zero[] = {
		{ 0, "0000_a", "CREATE TABLE a (x INTEGER);" },
		{ 0, NULL, NULL }
	};
	struct erp_err	 err = { "" };

	ck_assert_int_eq(db_migrate("core", down, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "does not follow"));
	ck_assert_int_eq(db_migrate("core", dup, NULL, &err), -1);
	ck_assert_int_eq(db_migrate("core", zero, NULL, &err), -1);
	ck_assert(!has_table("a"));
	ck_assert(!has_table("b"));
}
END_TEST

START_TEST(test_refuses_open_transaction)
{
	struct erp_err	 err = { "" };

	ck_assert_int_eq(db_tx_begin(), 0);
	ck_assert_int_eq(db_migrate("core", three, NULL, &err), -1);
	ck_assert(!sqlite3_get_autocommit(db));	/* the caller's, intact */
	ck_assert_int_eq(db_tx_rollback(), 0);
}
END_TEST

START_TEST(test_refuses_own_commit)
{
	static const struct db_migration	 sneaky[] = {
		{ 1, "0001_a", "CREATE TABLE a (x INTEGER); COMMIT;" },
		{ 0, NULL, NULL }
	};
	struct erp_err	 err = { "" };

	ck_assert_int_eq(db_migrate("core", sneaky, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "ended the transaction"));
	ck_assert_int_eq(one_int("SELECT count(*) FROM schema_migrations",
	    NULL), 0);
}
END_TEST

START_TEST(test_rebuild_keeps_children)
{
	static const struct db_migration	 rebuild[] = {
		{ 1, "0001_pc", "CREATE TABLE p (id INTEGER PRIMARY KEY);"
		    " CREATE TABLE c (p INTEGER REFERENCES p (id)"
		    " ON DELETE CASCADE);"
		    " INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);" },
		/* SQLite's table rebuild: drop would cascade with FKs on */
		{ 2, "0002_rebuild", "CREATE TABLE p2 (id INTEGER PRIMARY KEY,"
		    " name TEXT NOT NULL DEFAULT '');"
		    " INSERT INTO p2 (id) SELECT id FROM p;"
		    " DROP TABLE p; ALTER TABLE p2 RENAME TO p;" },
		{ 0, NULL, NULL }
	};
	struct erp_err	 err = { "" };

	ck_assert_msg(db_migrate("core", rebuild, NULL, &err) == 0, "%s",
	    err.e_msg);
	ck_assert_int_eq(one_int("SELECT count(*) FROM c", NULL), 1);
	ck_assert_int_eq(one_int("PRAGMA foreign_keys", NULL), 1);
}
END_TEST

START_TEST(test_dangling_key_refused)
{
	static const struct db_migration	 dangling[] = {
		{ 1, "0001_pc", "CREATE TABLE p (id INTEGER PRIMARY KEY);"
		    " CREATE TABLE c (p INTEGER REFERENCES p (id));" },
		{ 2, "0002_orphan", "INSERT INTO c VALUES (9);" },
		{ 0, NULL, NULL }
	};
	struct erp_err	 err = { "" };

	ck_assert_int_eq(db_migrate("core", dangling, NULL, &err), -1);
	ck_assert_str_eq(err.e_msg, "migration core/0002_orphan: a row of c "
	    "breaks its foreign key to p");
	ck_assert_int_eq(one_int("SELECT count(*) FROM c", NULL), 0);
	ck_assert_int_eq(one_int("PRAGMA foreign_keys", NULL), 1);
}
END_TEST

START_TEST(test_core_migrations)
{
	struct erp_err	 err = { "" };
	int		 n = -1;

	ck_assert_msg(db_migrate("core", db_core_migrations, &n,
	    &err) == 0, "%s", err.e_msg);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(one_int("SELECT count(*) FROM server_meta WHERE"
	    " key = ?1", "schema_created_at"), 1);
	ck_assert_int_eq(db_migrate("core", db_core_migrations, &n,
	    &err), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

Suite	*db_migrate_suite(void);

Suite *
db_migrate_suite(void)
{
	Suite	*s = suite_create("db_migrate");
	TCase	*tc = tcase_create("migrate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_applies_in_order);
	tcase_add_test(tc, test_second_run_applies_nothing);
	tcase_add_test(tc, test_later_migrations_only);
	tcase_add_test(tc, test_failure_rolls_back);
	tcase_add_test(tc, test_refuses_newer_database);
	tcase_add_test(tc, test_refuses_bad_lists);
	tcase_add_test(tc, test_refuses_open_transaction);
	tcase_add_test(tc, test_refuses_own_commit);
	tcase_add_test(tc, test_rebuild_keeps_children);
	tcase_add_test(tc, test_dangling_key_refused);
	tcase_add_test(tc, test_core_migrations);
	suite_add_tcase(s, tc);
	return s;
}
