/*
 * The one Check runner: runs every suite, or only --suite=NAME (one CTest
 * entry per suite). Check's fork mode isolates a crashing test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/base.h"
#include "suites.h"

int
main(int argc, char **argv)
{
	const char	*only = NULL;
	SRunner		*sr = NULL;
	int		 i, failed, found = 0;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--suite=", 8) == 0)
			only = argv[i] + 8;
		else {
			fprintf(stderr, "usage: unit_tests [--suite=NAME]\n");
			return 2;
		}
	}
	if (rand_init() == -1)
		return 1;
	log_set_level(LOG_ERROR);	/* tests provoke warnings on purpose */
	for (i = 0; erp_suites[i].name != NULL; i++) {
		if (only != NULL && strcmp(only, erp_suites[i].name) != 0)
			continue;
		found++;
		if (sr == NULL)
			sr = srunner_create(erp_suites[i].make());
		else
			srunner_add_suite(sr, erp_suites[i].make());
	}
	if (found == 0) {
		fprintf(stderr, "unit_tests: no suite named %s\n", only);
		return 2;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
