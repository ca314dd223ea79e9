/*
 * missing_export: imports a function that the module it depends on
 * (tickets) does not export; refused at load with one line naming both.
 */
#include "fixture.h"

static void	(*nothing)(void);

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/missing-export",
	  .permission = "ticket:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

static const struct erp_depend depends[] = {
	{ "tickets", "1.0" },
	{ NULL, NULL }
};

static const struct erp_import imports[] = {
	{ "tickets", "tickets_delete_all", &nothing },
	{ NULL, NULL, NULL }
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "missing_export",
	.version = "1.0.0",
	.depends = depends,
	.imports = imports,
	.routes = routes,
	.init = fixture_init,
};
