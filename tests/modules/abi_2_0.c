/*
 * abi_2_0: a module built for ABI 2.0, which loads on a later host. Its
 * descriptor's size ends before tx_subscriptions (ABI 2.1), so the host
 * must never read that member; what lies there in this fixture is a
 * subscriber that would refuse every order confirmation. Its routes end at
 * reply (2.2 appended query): the host reads them at their own stride, so
 * each arrives whole (`erpd openapi` shows their summaries and replies).
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

/* struct erp_route as ABI 2.0 declared it */
struct route_2_0 {
	int			 method;
	const char		*path;
	int			 flags;
	const char		*permission;
	const char		*schema;
	erp_load_fn		 load;
	erp_handler_fn		 handler;
	const char *const	*computed;
	erp_record_fn		 compute;
	const char		*summary;
	int			 status;
	const char		*reply;
};

static const struct route_2_0 routes[] = {
	{ ERP_GET, "/abi-2-0", 0, "ticket:read", NULL, NULL, hello, NULL,
	  NULL, NULL, 0, NULL },
	{ ERP_GET, "/old-things", 0, "thing:read", NULL, NULL, hello, NULL,
	  NULL, "The first route of a 2.0 module", 0, "{first: integer}" },
	{ ERP_POST, "/old-things/{id}/poke", 0, "thing:poke", NULL, NULL,
	  hello, NULL, NULL, "The second route of a 2.0 module", 202,
	  "{second: string}" },
	{ 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL }
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
	.routes = (const struct erp_route *)(const void *)routes,
	.tx_subscriptions = past_the_end,
};
