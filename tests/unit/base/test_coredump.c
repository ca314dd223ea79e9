/*
 * Tests for core/base/coredump.c: unless allowed, the process writes no
 * core (RLIMIT_CORE 0) and is not dumpable; allowed, both stay as they
 * were. Each case runs in a child, so the test runner keeps its own.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "base/base.h"
#include "suites.h"

/* What core_dumps_set(allowed) leaves, as seen from a child: bit 0 core
 * limit 0 (soft and hard), bit 1 not dumpable, 4 when it failed. */
static int
after(bool allowed)
{
	struct rlimit	 rl;
	pid_t		 pid;
	int		 st;

	if ((pid = fork()) == 0) {
		int	 r = 0;

		if (core_dumps_set(allowed) == -1 ||
		    getrlimit(RLIMIT_CORE, &rl) == -1)
			_exit(4);
		if (rl.rlim_cur == 0 && rl.rlim_max == 0)
			r |= 1;
		if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
			r |= 2;
		_exit(r);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

START_TEST(test_off_by_default)
{
	ck_assert_int_eq(after(false), 3);
}
END_TEST

START_TEST(test_allowed_leaves_them)
{
	struct rlimit	 rl = { 1024 * 1024, RLIM_INFINITY };

	/* a core limit the allowed child must keep */
	if (getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_max != 0) {
		rl.rlim_cur = rl.rlim_max;
		ck_assert_int_eq(setrlimit(RLIMIT_CORE, &rl), 0);
	}
	ck_assert_int_eq(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	ck_assert_int_eq(after(true), rl.rlim_max == 0 ? 1 : 0);
}
END_TEST

Suite *
base_coredump_suite(void)
{
	Suite	*s = suite_create("base_coredump");
	TCase	*tc = tcase_create("coredump");

	tcase_add_test(tc, test_off_by_default);
	tcase_add_test(tc, test_allowed_leaves_them);
	suite_add_tcase(s, tc);
	return s;
}
