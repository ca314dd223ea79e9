/* api: registers the built-in endpoints, in one place. */
#include <stdio.h>

#include "api.h"

int
api_routes_add(const struct http_route *rt, size_t n, struct erp_err *err)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (http_route_add(&rt[i], err) == -1)
			return -1;
	return 0;
}

bool
api_password_rule(const char *pw, const char *email, char *why,
    size_t whylen)
{
	struct policy	*base = policy_get(0, 0, NULL, NULL);

	if (base == NULL) {
		snprintf(why, whylen, "cannot be checked right now");
		return false;
	}
	return policy_password_ok(base, pw, email, why, whylen);
}

int
api_register(const struct config *cf, struct erp_err *err)
{
	if (api_events_init() == -1) {
		err_set(err, "cannot set up the audit event limiter");
		return -1;
	}
	if (api_health_register(err) == -1 ||
	    api_metrics_register(err) == -1 ||
	    api_auth_register(cf, err) == -1 ||
	    api_users_register(err) == -1 ||
	    api_orgs_register(err) == -1 ||
	    api_apikeys_register(err) == -1 ||
	    api_policy_register(err) == -1 ||
	    api_meta_register(err) == -1 ||
	    api_audit_register(err) == -1 ||
	    api_openapi_register(err) == -1)
		return -1;
	return 0;
}
