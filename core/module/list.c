/*
 * list: GET /api/v1/modules, the loaded modules for any authenticated
 * caller, so a client (or an operator) sees what this server offers.
 */
#include "host_int.h"

static int
modules_list(struct http_req *req)
{
	const struct erp_module	*m;
	cJSON			*items = cJSON_CreateArray(), *o;
	char			 abi[24];
	size_t			 i;

	for (i = 0; i < module_count(); i++) {
		m = module_get(i, NULL);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", m->name);
		cJSON_AddStringToObject(o, "version", m->version);
		snprintf(abi, sizeof(abi), "%u.%u", m->abi_major,
		    m->abi_minor);
		cJSON_AddStringToObject(o, "abi", abi);
		cJSON_AddItemToArray(items, o);
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "items", items);
	return http_reply_json(req, 200, o);
}

int
module_list_register(struct erp_err *err)
{
	static const struct http_route	 route = {
		.rt_methods = HTTP_GET, .rt_path = "/api/v1/modules",
		.rt_handler = modules_list,
		.rt_summary = "The loaded modules",
		.rt_reply = "{items: [{name: string, version: string, "
		    "abi: string}]}"
	};

	return http_route_add(&route, err);
}
