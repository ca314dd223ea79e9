/*
 * no_permission: a route that names no permission and is not marked
 * ERP_ROUTE_PUBLIC. Unsafe routes never load: the whole module is refused.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/open-door",
	  .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "no_permission",
	.version = "1.0.0",
	.routes = routes,
	.init = fixture_init,
};
