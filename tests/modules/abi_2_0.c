/*
 * abi_2_0: a module built for ABI 2.0, which loads on a 2.1 host. Its
 * descriptor's size ends before tx_subscriptions (ABI 2.1), so the host
 * must never read that member; what lies there in this fixture is a
 * subscriber that would refuse every order confirmation.
 */
#include <stddef.h>

#include <erp/module.h>

static int
refuse(struct erp_req *r, const char *event, const cJSON *payload)
{
	return erp_fail(r, ERP_E_CONFLICT, "status",
	    "the host read past a 2.0 descriptor");
}

static int
hello(struct erp_req *r)
{
	return erp_reply_json(r, 200, cJSON_CreateObject());
}

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/abi-2-0",
	  .permission = "ticket:read", .handler = hello },
	ERP_ROUTE_END
};

static const struct erp_subscription past_the_end[] = {
	{ "order.confirmed", refuse },
	{ NULL, NULL }
};

ERP_MODULE_DEFINE = {
	.abi_major = 2,
	.abi_minor = 0,
	.size = offsetof(struct erp_module, tx_subscriptions),
	.host = &erp_host,
	.name = "abi_2_0",
	.version = "1.0.0",
	.routes = routes,
	.tx_subscriptions = past_the_end,
};
