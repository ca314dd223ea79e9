/*
 * bad_name: a module whose name is not 1 to 32 of a-z 0-9 _ (it names
 * its migrations' component and its data directory, so it must be tame).
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/bad-name",
	  .permission = "name:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "../Bad-Name",
	.routes = routes,
	.init = fixture_init,
};
