/*
 * Tests for core/db/query.c: the engine-free query layer (typed binds and
 * columns, step results, the cache, restricted statements, exec).
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "base/base.h"
#include "db/db.h"

static void
setup(void)
{
	struct erp_err	 err = { "" };

	ck_assert_msg(db_init(":memory:", DB_SYNC_FULL, &err) == 0, "%s",
	    err.e_msg);
	ck_assert_msg(db_exec("CREATE TABLE t (id INTEGER PRIMARY KEY, "
	    "name TEXT NOT NULL UNIQUE, qty INTEGER, data BLOB, "
	    "CHECK (qty IS NULL OR qty >= 0))", &err) == 0, "%s", err.e_msg);
}

static void
teardown(void)
{
	db_thread_close();
}

static const char	 sql_ins[] = "INSERT INTO t (name, qty, data) "
			    "VALUES (?, ?, ?)";
static const char	 sql_get[] = "SELECT id, name, qty, data FROM t "
			    "WHERE name = ?";

static enum db_rc
insert(const char *name, int64_t qty, const void *data, size_t len)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	ck_assert_ptr_nonnull(st = db_prepare(sql_ins));
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, qty);
	if (data != NULL)
		db_bind_blob(st, 3, data, len);
	rc = db_step(st);
	db_reset(st);
	return rc;
}

START_TEST(test_round_trip)
{
	struct db_stmt	*st;
	char		 name[16];
	const void	*p;
	size_t		 len = 99;

	/* the bound buffer may change at once: text is copied */
	strcpy(name, "bolt");
	ck_assert_ptr_nonnull(st = db_prepare(sql_ins));
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, INT64_C(9007199254740993));
	db_bind_blob(st, 3, "a\0b", 3);
	memset(name, 'x', sizeof(name) - 1);
	ck_assert_int_eq(db_step(st), DB_DONE);
	db_reset(st);
	ck_assert_int_eq(db_last_id(), 1);
	ck_assert_int_eq(db_changes(), 1);

	ck_assert_ptr_nonnull(st = db_prepare(sql_get));
	db_bind_text(st, 1, "bolt");
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_col_int(st, 0), 1);
	ck_assert_str_eq(db_col_text(st, 1), "bolt");
	ck_assert_uint_eq(db_col_len(st, 1), 4);
	ck_assert(db_col_int(st, 2) == INT64_C(9007199254740993));
	p = db_col_blob(st, 3, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(p, "a\0b", 3), 0);
	ck_assert(!db_col_is_null(st, 3));
	ck_assert_int_eq(db_step(st), DB_DONE);
	db_reset(st);
}
END_TEST

START_TEST(test_nulls)
{
	struct db_stmt	*st;
	size_t		 len = 99;

	ck_assert_ptr_nonnull(st = db_prepare(sql_ins));
	db_bind_text(st, 1, "nut");
	db_bind_null(st, 2);
	ck_assert_int_eq(db_step(st), DB_DONE);	/* data never bound: NULL */
	db_reset(st);

	ck_assert_ptr_nonnull(st = db_prepare(sql_get));
	db_bind_text(st, 1, "nut");
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert(db_col_is_null(st, 2));
	ck_assert_int_eq(db_col_int(st, 2), 0);
	ck_assert_ptr_null(db_col_blob(st, 3, &len));
	ck_assert_uint_eq(len, 0);
	db_reset(st);

	/* a NULL text binds SQL NULL, which NOT NULL refuses */
	ck_assert_int_eq(insert(NULL, 1, NULL, 0), DB_CONSTRAINT);
}
END_TEST

START_TEST(test_empty_blob_is_not_null)
{
	struct db_stmt	*st;
	size_t		 len = 99;

	ck_assert_int_eq(insert("empty", 0, "", 0), DB_DONE);
	ck_assert_ptr_nonnull(st = db_prepare(sql_get));
	db_bind_text(st, 1, "empty");
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert(!db_col_is_null(st, 3));
	db_col_blob(st, 3, &len);
	ck_assert_uint_eq(len, 0);
	db_reset(st);
}
END_TEST

START_TEST(test_constraints)
{
	ck_assert_int_eq(insert("a", 1, NULL, 0), DB_DONE);
	ck_assert_int_eq(insert("a", 2, NULL, 0), DB_CONSTRAINT);	/* UNIQUE */
	ck_assert_int_eq(insert("b", -1, NULL, 0), DB_CONSTRAINT);	/* CHECK */
	/* a refused statement leaves the cached one usable */
	ck_assert_int_eq(insert("b", 1, NULL, 0), DB_DONE);
	ck_assert_int_eq(db_last_id(), 2);
}
END_TEST

START_TEST(test_error_is_reported)
{
	static const char	 sql[] = "SELECT abs(?)";
	struct db_stmt		*st;

	/* integer overflow is a runtime error, not a constraint */
	ck_assert_ptr_nonnull(st = db_prepare(sql));
	db_bind_int(st, 1, INT64_MIN);
	ck_assert_int_eq(db_step(st), DB_ERROR);
	ck_assert_ptr_nonnull(strstr(db_errmsg(), "overflow"));
	db_reset(st);
	/* the same statement works again after db_reset */
	db_bind_int(st, 1, -5);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_col_int(st, 0), 5);
	db_reset(st);
}
END_TEST

START_TEST(test_reset_clears_bindings)
{
	static const char	 sql[] = "SELECT ? IS NULL";
	struct db_stmt		*st;

	ck_assert_ptr_nonnull(st = db_prepare(sql));
	db_bind_int(st, 1, 1);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_col_int(st, 0), 0);
	db_reset(st);
	/* the cache hands the same statement back, with no bindings */
	ck_assert_ptr_eq(db_prepare(sql), st);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_col_int(st, 0), 1);
	db_reset(st);
	db_reset(NULL);		/* harmless, like free(NULL) */
}
END_TEST

START_TEST(test_col_copy)
{
	static const char	 sql[] = "SELECT 'abcdef', NULL";
	struct db_stmt		*st;
	char			 small[4], big[16];

	ck_assert_ptr_nonnull(st = db_prepare(sql));
	ck_assert_int_eq(db_step(st), DB_ROW);
	db_col_copy(st, 0, small, sizeof(small));
	ck_assert_str_eq(small, "abc");		/* cut to fit, terminated */
	db_col_copy(st, 0, big, sizeof(big));
	ck_assert_str_eq(big, "abcdef");
	db_col_copy(st, 1, big, sizeof(big));
	ck_assert_str_eq(big, "");		/* NULL */
	db_reset(st);
}
END_TEST

START_TEST(test_text_ref)
{
	static const char	 sql[] = "SELECT length(?)";
	static const char	 word[] = "kept";
	struct db_stmt		*st;

	ck_assert_ptr_nonnull(st = db_prepare(sql));
	db_bind_text_ref(st, 1, word);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_col_int(st, 0), 4);
	db_reset(st);
}
END_TEST

START_TEST(test_bad_sql)
{
	static const char	 two[] = "SELECT 1; SELECT 2";
	static const char	 typo[] = "SELEC 1";

	ck_assert_ptr_null(db_prepare(typo));
	ck_assert_ptr_null(db_prepare(two));
}
END_TEST

START_TEST(test_readonly)
{
	static const char	 sel[] = "SELECT count(*) FROM t";

	ck_assert(db_is_readonly(db_prepare(sel)));
	ck_assert(!db_is_readonly(db_prepare(sql_ins)));
}
END_TEST

START_TEST(test_restricted)
{
	static const char	 sel[] = "SELECT count(*) FROM t";
	static const char	 prag[] = "PRAGMA foreign_keys = OFF";
	static const char	 drop[] = "DROP TABLE t";
	static const char	 tx[] = "COMMIT";
	static const char	 att[] = "ATTACH ':memory:' AS x";
	struct db_stmt		*st;

	ck_assert_ptr_nonnull(st = db_prepare_restricted(sel));
	ck_assert_int_eq(db_step(st), DB_ROW);
	db_reset(st);
	ck_assert_ptr_null(db_prepare_restricted(prag));
	ck_assert_ptr_null(db_prepare_restricted(drop));
	ck_assert_ptr_null(db_prepare_restricted(tx));
	ck_assert_ptr_null(db_prepare_restricted(att));
	/* the authorizer is gone afterwards: core's own SQL still runs */
	ck_assert_ptr_nonnull(db_prepare(prag));
}
END_TEST

START_TEST(test_engine)
{
	ck_assert_str_eq(db_engine(), "sqlite");
}
END_TEST

START_TEST(test_exec)
{
	struct erp_err	 err = { "" };

	ck_assert_int_eq(db_exec("INSERT INTO t (name) VALUES ('x');"
	    "INSERT INTO t (name) VALUES ('y')", &err), 0);
	ck_assert_int_eq(db_last_id(), 2);
	ck_assert_int_eq(db_exec("INSERT INTO t (name) VALUES ('x')", &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "UNIQUE"));
	ck_assert_int_eq(db_exec("NOT SQL", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "syntax error"));
}
END_TEST

Suite	*db_query_suite(void);

Suite *
db_query_suite(void)
{
	Suite	*s = suite_create("db_query");
	TCase	*tc = tcase_create("query");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_nulls);
	tcase_add_test(tc, test_empty_blob_is_not_null);
	tcase_add_test(tc, test_constraints);
	tcase_add_test(tc, test_error_is_reported);
	tcase_add_test(tc, test_reset_clears_bindings);
	tcase_add_test(tc, test_col_copy);
	tcase_add_test(tc, test_text_ref);
	tcase_add_test(tc, test_bad_sql);
	tcase_add_test(tc, test_readonly);
	tcase_add_test(tc, test_restricted);
	tcase_add_test(tc, test_exec);
	tcase_add_test(tc, test_engine);
	suite_add_tcase(s, tc);
	return s;
}
