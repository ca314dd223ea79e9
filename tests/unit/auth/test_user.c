/* Tests for core/auth/user.c and revoke.c on an in-memory database. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "auth/auth.h"
#include "db/db.h"
#include "db/db_sqlite.h"
#include "suites.h"

static void
setup(void)
{
	struct erp_err	 err;

	ck_assert_int_eq(db_init(":memory:", DB_SYNC_FULL, &err), 0);
	ck_assert_int_eq(db_migrate("core", db_core_migrations,
	    NULL, &err), 0);
	ck_assert_int_eq(auth_password_init(), 0);
}

static void
teardown(void)
{
	db_thread_close();
}

static int64_t
create(const char *email, bool admin)
{
	const char	*field;
	char		 why[96];
	int64_t		 id = 0;

	ck_assert_int_eq(auth_user_create(email, "Name", "a strong passphrase",
	    admin, &id, &field, why, sizeof(why)), AUTH_OK);
	return id;
}

START_TEST(test_email_normalize)
{
	static const char *bad[] = {
		"", "a", "@b.c", "a@", "a@@b.c", "a b@c.d", "a@b.", "a@.b",
		"a\tb@c.d", "<a@b.c>", "a,b@c.d", "a@b\x01.c",
	};
	char	 e[300];
	size_t	 i;

	strcpy(e, "  Bob.Smith@Example.COM ");
	ck_assert_int_eq(auth_email_normalize(e), 0);
	ck_assert_str_eq(e, "bob.smith@example.com");
	for (i = 0; i < nitems(bad); i++) {
		strcpy(e, bad[i]);
		ck_assert_msg(auth_email_normalize(e) == -1, "accepted %s",
		    bad[i]);
	}
	memset(e, 'a', 260);
	memcpy(e + 250, "@b.cd", 6);
	ck_assert_int_eq(auth_email_normalize(e), -1);
}
END_TEST

START_TEST(test_create_and_get)
{
	struct auth_user	 u;
	int64_t			 id;

	id = create("  Alice@Example.com", true);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(auth_user_get(id, &u), AUTH_OK);
	ck_assert_str_eq(u.us_email, "alice@example.com");
	ck_assert(u.us_is_admin);
	ck_assert(u.us_is_active);
	ck_assert_int_eq(u.us_token_version, 0);
	ck_assert_ptr_nonnull(strstr(u.us_hash, "$argon2id$"));
	ck_assert_int_eq(auth_user_by_email("alice@example.com", &u), AUTH_OK);
	ck_assert_int_eq(u.us_id, id);
	ck_assert_int_eq(auth_user_get(id + 100, &u), AUTH_ERR_NOT_FOUND);
	ck_assert_int_eq(auth_user_count(), 1);
}
END_TEST

START_TEST(test_create_refuses)
{
	const char	*field;
	char		 why[96];
	int64_t		 id;

	create("carol@example.com", false);
	ck_assert_int_eq(auth_user_create("CAROL@example.com", "", "another "
	    "passphrase", false, &id, &field, why, sizeof(why)),
	    AUTH_ERR_CONFLICT);
	ck_assert_str_eq(field, "email");
	ck_assert_int_eq(auth_user_create("dave@example.com", "", "short",
	    false, &id, &field, why, sizeof(why)), AUTH_ERR_INVALID);
	ck_assert_str_eq(field, "password");
	ck_assert_int_eq(auth_user_create("dave@example.com", "",
	    "dave@example.com", false, &id, &field, why, sizeof(why)),
	    AUTH_ERR_INVALID);
	ck_assert_int_eq(auth_user_create("not an email", "", "a strong "
	    "passphrase", false, &id, &field, why, sizeof(why)),
	    AUTH_ERR_INVALID);
	ck_assert_str_eq(field, "email");
	ck_assert_int_eq(auth_user_count(), 1);
}
END_TEST

START_TEST(test_deactivate_bumps_version)
{
	struct auth_user	 u;
	int64_t			 id = create("erin@example.com", false);

	ck_assert_int_eq(auth_user_update(id, "Erin", -1, -1), AUTH_OK);
	ck_assert_int_eq(auth_user_get(id, &u), AUTH_OK);
	ck_assert_str_eq(u.us_name, "Erin");
	ck_assert_int_eq(u.us_token_version, 0);
	ck_assert_int_eq(auth_user_update(id, NULL, -1, 0), AUTH_OK);
	ck_assert_int_eq(auth_user_get(id, &u), AUTH_OK);
	ck_assert(!u.us_is_active);
	ck_assert_int_eq(u.us_token_version, 1);
	/* deactivating twice does not bump again; reactivating does not */
	ck_assert_int_eq(auth_user_update(id, NULL, -1, 0), AUTH_OK);
	ck_assert_int_eq(auth_user_update(id, NULL, 1, 1), AUTH_OK);
	ck_assert_int_eq(auth_user_get(id, &u), AUTH_OK);
	ck_assert(u.us_is_active);
	ck_assert(u.us_is_admin);
	ck_assert_int_eq(u.us_token_version, 1);
	ck_assert_int_eq(auth_user_update(id + 9, NULL, -1, 0),
	    AUTH_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_password_change_bumps_version)
{
	struct auth_user	 u;
	int64_t			 id = create("frank@example.com", false);

	ck_assert_int_eq(auth_user_set_password_hash(id, "$argon2id$x",
	    false), AUTH_OK);
	ck_assert_int_eq(auth_user_get(id, &u), AUTH_OK);
	ck_assert_int_eq(u.us_token_version, 0);
	ck_assert_int_eq(auth_user_set_password_hash(id, "$argon2id$y", true),
	    AUTH_OK);
	ck_assert_int_eq(auth_user_get(id, &u), AUTH_OK);
	ck_assert_int_eq(u.us_token_version, 1);
	ck_assert_str_eq(u.us_hash, "$argon2id$y");
}
END_TEST

/* 1 if jti is on the denylist: as auth_user_brief sees it. */
static int
revoked(const char *jti)
{
	sqlite3_stmt	*st;
	int		 rc;

	ck_assert_int_eq(sqlite3_prepare_v2(db_get(), "SELECT 1 FROM "
	    "revoked_tokens WHERE jti = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, jti, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

START_TEST(test_revoke)
{
	ck_assert_int_eq(revoked("aa"), 0);
	ck_assert_int_eq(auth_revoke_add("aa", 1000, 500), 0);
	ck_assert_int_eq(revoked("aa"), 1);
	ck_assert_int_eq(revoked("bb"), 0);
	/* kept while the token could still verify (exp + skew), then purged */
	ck_assert_int_eq(auth_revoke_add("bb", 2000, 1000 + AUTH_CLOCK_SKEW),
	    0);
	ck_assert_int_eq(revoked("aa"), 1);
	ck_assert_int_eq(auth_revoke_add("cc", 5000, 1001 + AUTH_CLOCK_SKEW),
	    0);
	ck_assert_int_eq(revoked("aa"), 0);
	ck_assert_int_eq(revoked("bb"), 1);
}
END_TEST

START_TEST(test_bearer)
{
	struct config		 cf;
	struct auth_subject	 sub;
	struct auth_claims	 cl;
	char			*tok, why[128];
	int64_t			 id = create("gina@example.com", true);
	int64_t			 now = time_now();

	memset(&cf, 0, sizeof(cf));
	cf.cf_jwt_secret.s_data = (unsigned char *)
	    "0123456789abcdef0123456789abcdef";
	cf.cf_jwt_secret.s_len = 32;
	cf.cf_jwt_issuer = "erpd";
	cf.cf_jwt_ttl = 600;
	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, id, 0, now, &cl));
	ck_assert_int_eq(auth_bearer(&cf, tok, now, &sub, why, sizeof(why)),
	    0);
	ck_assert_int_eq(sub.su_user_id, id);
	ck_assert(sub.su_is_admin);
	ck_assert_str_eq(sub.su_email, "gina@example.com");
	/* revoked */
	ck_assert_int_eq(auth_revoke_add(cl.cl_jti, cl.cl_exp, now), 0);
	ck_assert_int_eq(auth_bearer(&cf, tok, now, &sub, why, sizeof(why)),
	    -1);
	free(tok);
	/* superseded version, then deactivated */
	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, id, 0, now, NULL));
	ck_assert_int_eq(auth_user_set_password_hash(id, "x", true), AUTH_OK);
	ck_assert_int_eq(auth_bearer(&cf, tok, now, &sub, why, sizeof(why)),
	    -1);
	free(tok);
	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, id, 1, now, NULL));
	ck_assert_int_eq(auth_bearer(&cf, tok, now, &sub, why, sizeof(why)),
	    0);
	ck_assert_int_eq(auth_user_update(id, NULL, -1, 0), AUTH_OK);
	ck_assert_int_eq(auth_bearer(&cf, tok, now, &sub, why, sizeof(why)),
	    -1);
	free(tok);
	/* unknown user */
	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, id + 50, 0, now,
	    NULL));
	ck_assert_int_eq(auth_bearer(&cf, tok, now, &sub, why, sizeof(why)),
	    -1);
	free(tok);
}
END_TEST

Suite *
auth_user_suite(void)
{
	Suite	*s = suite_create("auth_user");
	TCase	*tc = tcase_create("user");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_email_normalize);
	tcase_add_test(tc, test_create_and_get);
	tcase_add_test(tc, test_create_refuses);
	tcase_add_test(tc, test_deactivate_bumps_version);
	tcase_add_test(tc, test_password_change_bumps_version);
	tcase_add_test(tc, test_revoke);
	tcase_add_test(tc, test_bearer);
	suite_add_tcase(s, tc);
	return s;
}
