/* host_int: the host table and the request wrapper, for the loader. */
#ifndef ERP_CORE_MODULE_HOST_INT_H
#define ERP_CORE_MODULE_HOST_INT_H

#include <erp/module.h>

#include "module.h"
#include "http/http.h"

/* The table every module gets; filled once by host_init. */
extern struct erp_host	module_host;

void	host_init(const struct config *cf);

/*
 * The handler the route table holds for every module route: opens the
 * request's transaction, runs the module's handler (rt_arg), commits
 * below 400 and rolls back otherwise.
 */
int	host_dispatch(struct http_req *);

/* Where a module keeps its files: $ERP_DATA_DIR/modules/<name>. */
int	host_module_dir(const char *name, struct erp_err *err);

#endif /* ERP_CORE_MODULE_HOST_INT_H */
