/* host_int: the host table and the request wrapper, for the loader. */
#ifndef ERP_CORE_MODULE_HOST_INT_H
#define ERP_CORE_MODULE_HOST_INT_H

#include <stdbool.h>

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

/* resource.c: declared resources (struct erp_resource). */
/* Checks m's declarations. Returns 0, or -1 with err naming file. */
int	resource_check(const char *file, const struct erp_module *m,
	    struct erp_err *err);
/*
 * Adds m's resources' base schemas as a policy fragment and their actions
 * to the ones role patterns may name. Returns 0, or -1 with err set.
 */
int	resource_fragment(const struct erp_module *m, struct erp_err *err);
/* Checks that m's tables have the declared columns. 0 or -1 (err). */
int	resource_table_check(const char *file, const struct erp_module *m,
	    struct erp_err *err);
/* The routes serving m's resources, NULL-ended; kept for good. */
const struct erp_route **resource_routes(const struct erp_module *m);

/*
 * For the API document: what r accepts in its query as JSON Schema text,
 * when r is a declared resource's list (resource_routes); else NULL.
 */
const char	*resource_list_query(const struct erp_route *r);

/* event.c: committed events (erp_host->emit and their delivery). */
int	host_emit(struct erp_req *, const char *event, cJSON *payload);
/*
 * Calls the in-transaction subscribers of what this request emitted,
 * before its commit. Returns 0, or -1 when one refused (its failure, or a
 * 500, is the request's answer now).
 */
int	host_events_check(struct http_req *);
/* Is this thread inside an in-transaction subscriber? */
bool	host_in_tx_subscriber(void);
/* Calls the subscribers of what this request emitted; after its commit. */
void	host_events_deliver(struct http_req *);
/* Forgets what this request emitted (it rolled back). */
void	host_events_drop(void);
/* Commits this thread's transaction (a write one with its audit). 0/-1. */
int	host_tx_commit(void);

/* depend.c: resolves every module's imports from the exports of the
 * modules it depends on. Returns 0, or -1 with err naming the file. */
int	module_imports_resolve(struct erp_err *err);

/* loader.c: s is 1 to max of a-z 0-9 _ (a digit first if digit_first). */
bool	module_name_valid(const char *s, size_t max, bool digit_first);
/* loader.c: the i-th loaded module (and its file, when path is not NULL). */
const struct erp_module *module_get(size_t i, const char **path);

/* depend.c: a module's "MAJOR.MINOR[.PATCH]". */
struct module_version {
	long	 mv_major;
	long	 mv_minor;
	long	 mv_patch;
};
/* Parses s into *v (may be NULL). Returns 0, or -1 when malformed. */
int	module_version_parse(const char *s, struct module_version *v);
/*
 * Checks every loaded module's depends against the others. Returns 0, or
 * -1 with err naming the module's file, the module and what it needs.
 */
int	module_depends_check(struct erp_err *err);

/* list.c: registers GET /api/v1/modules. Returns 0, or -1 with err. */
int	module_list_register(struct erp_err *err);

/* sql.c: the statements of erp_host (see include/erp/module.h). */
struct erp_sql	*host_sql(struct erp_req *, const char *sql);
void		 host_sql_int(struct erp_sql *, int idx, int64_t v);
void		 host_sql_text(struct erp_sql *, int idx, const char *text);
int		 host_sql_step(struct erp_sql *);
int64_t		 host_sql_col_int(struct erp_sql *, int col);
const char	*host_sql_col_text(struct erp_sql *, int col);
void		 host_sql_reset(struct erp_sql *);
int64_t		 host_last_insert_id(struct erp_req *);
int		 host_changes(struct erp_req *);
int		 host_tx(struct erp_req *);
int		 host_reply_page(struct erp_req *, struct erp_sql *count,
		    struct erp_sql *rows, cJSON *(*row)(struct erp_sql *));
/* Puts off this thread's write lock to the first statement (raw bodies). */
void		 host_sql_lazy_write(bool on);
/* Takes the write lock if this request put it off. Returns 0 or -1. */
int		 host_write_now(void);

#endif /* ERP_CORE_MODULE_HOST_INT_H */
