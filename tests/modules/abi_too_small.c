/*
 * abi_too_small: a descriptor claiming fewer bytes than ABI 2.0's layout,
 * so its later members (routes, init) cannot be trusted to exist.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/abi-small",
	  .permission = "small:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	.abi_major = ERP_ABI_MAJOR,
	.abi_minor = ERP_ABI_MINOR,
	.size = 12,
	.name = "abi_too_small",
	.version = "1.0.0",
	.routes = routes,
	.init = fixture_init,
};
