/*
 * Tests for core/policy/perm.c: which permission patterns are valid, which
 * actions a pattern matches, and which patterns cover which (the
 * escalation check of docs/api.md).
 */
#include <stdlib.h>

#include <check.h>

#include "policy/policy.h"
#include "suites.h"

#define A32	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B32	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

START_TEST(test_valid)
{
	static const char *const good[] = {
		"*", "product:read", "product:*", "*:read", "*:*",
		"order_line:confirm", "a1:b2", "x:y",
		/* 64 characters on each side */
		A32 A32 ":" B32 B32,
	};
	static const char *const bad[] = {
		"", "product", "product:", ":read", ":", "::", "Product:read",
		"product:Read", "product:read:x", "product :read",
		"product:read ", " product:read", "prod-uct:read", "**",
		"*product:read", "product:re*", "pro*:read", "*:", ":*",
		"product.read", "produit:lire\xc3\xa9", "product:read\n",
		/* 65 characters on the left */
		A32 A32 "a:read",
		/* and 65 on the right */
		"read:" B32 B32 "b",
	};
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(policy_perm_valid(good[i]), "%s should be valid",
		    good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!policy_perm_valid(bad[i]), "\"%s\" should be "
		    "invalid", bad[i]);
}
END_TEST

static const struct {
	const char	*pattern;
	const char	*action;
	bool		 match;
} matches[] = {
	{ "*", "product:read", true },
	{ "*", "order:confirm", true },
	{ "*:*", "order:confirm", true },
	{ "product:*", "product:read", true },
	{ "product:*", "product:delete", true },
	{ "*:read", "product:read", true },
	{ "*:read", "audit:read", true },
	{ "product:read", "product:read", true },
	{ "product:read", "product:create", false },
	{ "product:*", "products:read", false },
	{ "prod:*", "product:read", false },
	{ "product:read", "product:readx", false },
	{ "product:read", "xproduct:read", false },
	{ "*:read", "product:create", false },
	{ "order:*", "product:read", false },
	/* an action never holds a wildcard: nothing matches one */
	{ "product:read", "product:*", false },
	{ "*", "*", false },
	{ "product:*", "product:*", false },
	/* malformed actions and patterns match nothing */
	{ "*", "", false },
	{ "*", "product", false },
	{ "*", "Product:read", false },
	{ "product", "product:read", false },
	{ "", "product:read", false },
};

START_TEST(test_match)
{
	size_t	 i;

	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++)
		ck_assert_msg(policy_perm_match(matches[i].pattern,
		    matches[i].action) == matches[i].match,
		    "%s against %s: expected %s", matches[i].pattern,
		    matches[i].action, matches[i].match ? "a match" :
		    "no match");
}
END_TEST

static const struct {
	const char	*a;
	const char	*b;
	bool		 covers;
} covers[] = {
	{ "*", "*", true },
	{ "*", "product:*", true },
	{ "*", "*:read", true },
	{ "*", "*:*", true },
	{ "*", "product:read", true },
	{ "*:*", "*", true },
	{ "*:*", "product:read", true },
	{ "product:*", "product:read", true },
	{ "product:*", "product:*", true },
	{ "product:read", "product:read", true },
	{ "*:read", "product:read", true },
	{ "*:read", "*:read", true },
	{ "product:*", "*", false },
	{ "product:*", "*:*", false },
	{ "product:*", "*:read", false },
	{ "*:read", "product:*", false },
	{ "*:read", "*", false },
	{ "*:read", "product:create", false },
	{ "product:read", "product:*", false },
	{ "product:read", "*", false },
	{ "product:read", "product:create", false },
	{ "product:read", "order:read", false },
	{ "order:*", "product:read", false },
	{ "product:*", "products:read", false },
	/* malformed on either side: nothing is covered */
	{ "*", "", false },
	{ "*", "product", false },
	{ "", "product:read", false },
	{ "product", "product:read", false },
	{ "*", "Product:read", false },
};

START_TEST(test_covers)
{
	size_t	 i;

	for (i = 0; i < sizeof(covers) / sizeof(covers[0]); i++)
		ck_assert_msg(policy_perm_covers(covers[i].a, covers[i].b) ==
		    covers[i].covers, "%s covering %s: expected %s",
		    covers[i].a, covers[i].b, covers[i].covers ? "yes" : "no");
}
END_TEST

/* A base role's grants against another's: the escalation rule. */
static bool
role_covers(const char *const *granter, const char *const *granted)
{
	size_t	 i, k;

	for (i = 0; granted[i] != NULL; i++) {
		for (k = 0; granter[k] != NULL; k++)
			if (policy_perm_covers(granter[k], granted[i]))
				break;
		if (granter[k] == NULL)
			return false;
	}
	return true;
}

START_TEST(test_covers_base_roles)
{
	static const char *const admin[] = { "*", NULL };
	static const char *const manager[] = { "product:*", "customer:*",
	    "order:*", "file:*", "member:read", "apikey:*", "audit:read",
	    "policy:read", NULL };
	static const char *const clerk[] = { "product:read", "customer:*",
	    "order:read", "order:create", "order:update", "order:confirm",
	    "file:read", "file:create", NULL };
	static const char *const viewer[] = { "product:read",
	    "customer:read", "order:read", "file:read", NULL };

	ck_assert(role_covers(admin, manager));
	ck_assert(role_covers(admin, admin));
	ck_assert(role_covers(manager, clerk));
	ck_assert(role_covers(manager, viewer));
	ck_assert(role_covers(clerk, viewer));
	ck_assert(!role_covers(manager, admin));
	ck_assert(!role_covers(clerk, manager));
	ck_assert(!role_covers(viewer, clerk));
}
END_TEST

Suite *
policy_perm_suite(void)
{
	Suite	*s = suite_create("policy_perm");
	TCase	*tc = tcase_create("perm");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_covers);
	tcase_add_test(tc, test_covers_base_roles);
	suite_add_tcase(s, tc);
	return s;
}
