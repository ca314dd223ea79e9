/*
 * abi_minor_newer: a module built for ABI 2.99, newer than the host's
 * 2.0; it may use host members this erpd does not have, so it is refused.
 */
#include "fixture.h"

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/abi-minor",
	  .permission = "minor:read", .handler = fixture_handler },
	ERP_ROUTE_END
};

ERP_MODULE_DEFINE = {
	.abi_major = ERP_ABI_MAJOR,
	.abi_minor = 99,
	.size = sizeof(struct erp_module),
	.name = "abi_minor_newer",
	.version = "1.0.0",
	.routes = routes,
	.init = fixture_init,
};
