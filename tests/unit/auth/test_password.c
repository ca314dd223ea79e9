/* Tests for core/auth/password.c: Argon2id, the slot bound, the rule. */
#include <pthread.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "auth/auth.h"
#include "suites.h"

START_TEST(test_hash_verify)
{
	char	 hash[AUTH_PWHASH_HASH_MAX];
	bool	 rehash = true;

	ck_assert_int_eq(auth_password_init(), 0);
	ck_assert_int_eq(auth_password_hash("a good long passphrase", hash),
	    AUTH_PW_OK);
	ck_assert_ptr_nonnull(strstr(hash, "$argon2id$"));
	ck_assert_int_eq(auth_password_verify(hash, "a good long passphrase",
	    &rehash), AUTH_PW_OK);
	ck_assert(!rehash);
	ck_assert_int_eq(auth_password_verify(hash, "a good long passphrasE",
	    NULL), AUTH_PW_MISMATCH);
	ck_assert_int_eq(auth_password_verify(hash, "", NULL),
	    AUTH_PW_MISMATCH);
	ck_assert_int_eq(auth_password_queue_depth(), 0);
}
END_TEST

START_TEST(test_unknown_user_never_matches)
{
	ck_assert_int_eq(auth_password_init(), 0);
	/* the dummy hash: same work, always a mismatch */
	ck_assert_int_eq(auth_password_verify(NULL, "", NULL),
	    AUTH_PW_MISMATCH);
	ck_assert_int_eq(auth_password_verify(NULL, "anything at all", NULL),
	    AUTH_PW_MISMATCH);
}
END_TEST

START_TEST(test_rehash_when_parameters_are_older)
{
	char	 old[crypto_pwhash_STRBYTES];
	bool	 rehash = false;

	/* a hash made with weaker parameters than ours */
	ck_assert_int_eq(crypto_pwhash_str(old, "an older passphrase", 19,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	ck_assert_int_eq(auth_password_verify(old, "an older passphrase",
	    &rehash), AUTH_PW_OK);
	ck_assert(rehash);
}
END_TEST

static void *
hash_once(void *arg)
{
	char	 hash[AUTH_PWHASH_HASH_MAX];

	return (void *)(intptr_t)auth_password_hash("a good long passphrase",
	    hash);
}

START_TEST(test_flood_is_bounded)
{
	enum { N = AUTH_PWHASH_ACTIVE + AUTH_PWHASH_QUEUE + 8 };
	pthread_t	 t[N];
	int		 ok = 0, busy = 0, i;
	void		*r;

	for (i = 0; i < N; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hash_once, NULL),
		    0);
	for (i = 0; i < N; i++) {
		pthread_join(t[i], &r);
		if ((intptr_t)r == AUTH_PW_OK)
			ok++;
		else if ((intptr_t)r == AUTH_PW_BUSY)
			busy++;
	}
	/* never more than active + queued at once; the rest are refused */
	ck_assert_int_eq(ok + busy, N);
	ck_assert_int_ge(ok, AUTH_PWHASH_ACTIVE);
	ck_assert_int_ge(busy, 1);
	ck_assert_int_eq(auth_password_queue_depth(), 0);
}
END_TEST

START_TEST(test_rule)
{
	static const char *bad[] = {
		"", "short", "elevenchars", "password1234", "PASSWORD1234",
		"123456789012", "aaaaaaaaaaaaaaaa", "abcdefghijklmnop",
		"qwertyuiopasdfgh", "bob@example.com", "BOB@example.com",
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
		"valid prefix \xff\xfe bytes",
	};
	static const char *good[] = {
		"correct-horse-staple-9", "Tr0ub4dor&3-extended",
		"\xc3\xa9t\xc3\xa9 \xc3\xa0 la plage 42",
	};
	char	 why[96], big[AUTH_PASSWORD_MAX + 2];
	size_t	 i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(!auth_password_ok(bad[i], "bob@example.com", why,
		    sizeof(why)), "accepted \"%s\"", bad[i]);
	for (i = 0; i < nitems(good); i++)
		ck_assert_msg(auth_password_ok(good[i], "bob@example.com", why,
		    sizeof(why)), "refused \"%s\": %s", good[i], why);
	/* lengths count characters: 11 two-byte characters are too short */
	ck_assert(!auth_password_ok("\xc3\xa9\xc3\xa8\xc3\xa0\xc3\xb9"
	    "\xc3\xa2\xc3\xaa\xc3\xae\xc3\xb4\xc3\xbb\xc3\xab\xc3\xaf", NULL,
	    why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "12 characters"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = 'y';
	ck_assert(!auth_password_ok(big, NULL, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "at most"));
}
END_TEST

Suite *
auth_password_suite(void)
{
	Suite	*s = suite_create("auth_password");
	TCase	*tc = tcase_create("password");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_hash_verify);
	tcase_add_test(tc, test_unknown_user_never_matches);
	tcase_add_test(tc, test_rehash_when_parameters_are_older);
	tcase_add_test(tc, test_flood_is_bounded);
	tcase_add_test(tc, test_rule);
	suite_add_tcase(s, tc);
	return s;
}
