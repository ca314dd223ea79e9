/* api: registers the built-in endpoints, in one place. */
#include "api.h"

int
api_register(struct erp_err *err)
{
	if (api_health_register(err) == -1)
		return -1;
	return 0;
}
