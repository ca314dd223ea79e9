/* Tests for core/policy/regex.c: Lua patterns as ECMA regular expressions. */
#include <string.h>

#include <check.h>

#include "policy/policy.h"
#include "suites.h"

static const char *
regex(const char *lua)
{
	static char	 out[256];

	if (policy_pattern_regex(lua, strlen(lua), out, sizeof(out)) == -1)
		return NULL;
	return out;
}

START_TEST(test_translates)
{
	static const struct {
		const char	*lua;
		const char	*re;
	} cases[] = {
		/* the shipped modules' patterns */
		{ "^[A-Z0-9%-]+$", "^[A-Z0-9\\-]+$" },
		{ "^[A-Z][A-Z][A-Z]$", "^[A-Z][A-Z][A-Z]$" },
		{ "^[^%s@]+@[^%s@]+%.[^%s@]+$",
		  "^[^\\t\\n\\v\\f\\r @]+@[^\\t\\n\\v\\f\\r @]+\\.[^\\t\\n\\v\\f\\r @]+$" },
		/* classes alone and complemented, any character, lazy */
		{ "%d%d?", "[0-9][0-9]?" },
		{ "%W", "[^A-Za-z0-9]" },
		{ "a.-b", "a[\\s\\S]*?b" },
		/* ^ and $ are anchors only at the ends; ECMA's specials escaped */
		{ "a^b$c", "a\\^b\\$c" },
		{ "x{2}/y|z", "x\\{2\\}\\/y\\|z" },
		{ "(ab)", "(ab)" },
		{ "", "" },
	};
	size_t	 i;

	for (i = 0; i < nitems(cases); i++) {
		const char	*got = regex(cases[i].lua);

		ck_assert_msg(got != NULL, "%s refused", cases[i].lua);
		ck_assert_msg(strcmp(got, cases[i].re) == 0, "%s -> %s, not %s",
		    cases[i].lua, got, cases[i].re);
	}
}
END_TEST

START_TEST(test_refuses_what_has_no_equivalent)
{
	static const char *const lua[] = {
		"%b()",		/* balanced match */
		"%f[%w]",	/* frontier */
		"(a)%1",	/* back reference */
		"()",		/* position capture */
		"[%W]",		/* a complement inside a set */
		"%g",		/* printable but space: no single class */
		"(a)*",		/* Lua reads the * literally here */
		"abc%",		/* malformed */
		"[abc",		/* malformed */
	};
	size_t	 i;

	for (i = 0; i < nitems(lua); i++)
		ck_assert_msg(regex(lua[i]) == NULL, "%s translated to %s",
		    lua[i], regex(lua[i]));
}
END_TEST

START_TEST(test_does_not_overflow)
{
	char	 out[8];

	ck_assert_int_eq(policy_pattern_regex("^abcdefgh$", 10, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(policy_pattern_regex("a", 1, out, 0), -1);
}
END_TEST

Suite *
policy_regex_suite(void)
{
	Suite	*s = suite_create("policy_regex");
	TCase	*tc = tcase_create("regex");

	tcase_add_test(tc, test_translates);
	tcase_add_test(tc, test_refuses_what_has_no_equivalent);
	tcase_add_test(tc, test_does_not_overflow);
	suite_add_tcase(s, tc);
	return s;
}
