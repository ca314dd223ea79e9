/*
 * fixture: what the refused fixture modules share. Each of them is one
 * small descriptor that the loader must turn away before any of its code
 * runs; their init would say so on stderr if it ever did.
 */
#ifndef ERP_TESTS_MODULES_FIXTURE_H
#define ERP_TESTS_MODULES_FIXTURE_H

#include <stdio.h>

#include <erp/module.h>

/* The line a fixture's init writes; test_loader.py looks for it. */
#define FIXTURE_INIT_MARK	"FIXTURE INIT RAN"

/* A handler that is never reached: the module never loads. */
static inline int
fixture_handler(struct erp_req *r)
{
	return -1;
}

/* Returns: -1, after telling stderr that the loader let it run. */
static inline int
fixture_init(const struct erp_host *h)
{
	fprintf(stderr, "%s\n", FIXTURE_INIT_MARK);
	return -1;
}

#endif /* ERP_TESTS_MODULES_FIXTURE_H */
