/*
 * module: the feature modules. The loader dlopens every .so in
 * ERP_MODULES_DIR, checks its descriptor before running any of its code,
 * applies its migrations, hands its policy fragment to the engine and
 * registers its routes in the one route table; the host is the function
 * table modules call (include/erp/module.h).
 */
#ifndef ERP_CORE_MODULE_H
#define ERP_CORE_MODULE_H

#include <stdbool.h>

#include "base/base.h"
#include "config/config.h"

#define MODULES_MAX	64

/*
 * Loads and checks every module in cf->cf_modules_dir, applies their
 * migrations (when migrate: the database must be open) and adds their
 * policy fragments. Call before policy_engine_init. Returns 0, or -1 with
 * err naming the file.
 */
int	module_load_all(const struct config *cf, bool migrate,
	    struct erp_err *err);

/*
 * Registers every loaded module's routes and calls its init. Call after
 * policy_engine_init, before serving. Returns 0, or -1 with err set.
 */
int	module_start_all(struct erp_err *err);

/* How many modules are loaded. */
size_t	module_count(void);

struct erp_resource;
/* The resource a loaded module declares with this type, or NULL. */
const struct erp_resource *module_resource(const char *type);

#endif /* ERP_CORE_MODULE_H */
