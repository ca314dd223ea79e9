/*
 * api: the built-in endpoints. Each file registers its routes through
 * http_route_add, the same table modules use.
 */
#ifndef ERP_CORE_API_H
#define ERP_CORE_API_H

#include "base/base.h"

/* Registers every built-in route. Returns 0, or -1 with err set. */
int	api_register(struct erp_err *err);

/* health.c: GET /healthz and GET /readyz. */
int	api_health_register(struct erp_err *err);

#endif /* ERP_CORE_API_H */
