/*
 * api: the built-in endpoints. Each file registers its routes through
 * http_route_add, the same table modules use.
 */
#ifndef ERP_CORE_API_H
#define ERP_CORE_API_H

#include <cjson/cJSON.h>

#include "audit/audit.h"
#include "base/base.h"
#include "config/config.h"
#include "db/db.h"
#include "http/http.h"

#define API_LIMIT_DEFAULT	50
#define API_LIMIT_MAX		500

/* Shapes (http/shape.c) more than one route answers or reads. */
#define API_PAGE_QUERY	"{limit?: integer, offset?: integer}"
#define API_AUDIT_QUERY	"{limit?: integer, offset?: integer, " \
			"action?: string, actor_id?: integer, since?: time, " \
			"until?: time, outcome?: string, request_id?: string, " \
			"resource_type?: string, resource_id?: string}"
#define API_AUDIT_PAGE	"page({id: integer, ts: time, actor_type: string, " \
			"actor_id: integer|null, org_id: integer|null, " \
			"action: string, resource_type: string|null, " \
			"resource_id: string|null, outcome: string, " \
			"ip: string|null, request_id: string|null, " \
			"details: any, prev_hash: string|null, hash: string})"

/*
 * Registers every built-in route (cf must outlive the server). Returns 0,
 * or -1 with err set.
 */
int	api_register(const struct config *cf, struct erp_err *err);

/* The base policy's password_ok, for auth_password_set_rule. */
bool	api_password_rule(const char *pw, const char *email, char *why,
	    size_t whylen);

/* One route table per file, registered in one call. */
int	api_routes_add(const struct http_route *, size_t n,
	    struct erp_err *err);

int	api_health_register(struct erp_err *err);
int	api_metrics_register(struct erp_err *err);
int	api_audit_register(struct erp_err *err);
int	api_auth_register(const struct config *cf, struct erp_err *err);
int	api_users_register(struct erp_err *err);
int	api_orgs_register(struct erp_err *err);
int	api_apikeys_register(struct erp_err *err);
int	api_policy_register(struct erp_err *err);
int	api_meta_register(struct erp_err *err);

/*
 * orgs.c: the caller's memberships as a JSON array of
 * {"id","name","slug","role"} the caller frees, or NULL on error.
 */
cJSON	*api_orgs_of_user(int64_t user);
/*
 * A system admin who is not a member passes the pipeline for any {org}:
 * 0 when the request's organization exists, else -1 (answered 404 or
 * 500).
 */
int	api_org_check(struct http_req *);
/* true if role is a role in force in the request's organization. */
bool	api_role_exists(struct http_req *, const char *role);
/*
 * The escalation rule (docs/api.md): 0 if every permission pattern
 * of role (which must exist) is covered by one of the caller's role in
 * this organization, or the caller is a system admin; otherwise answers
 * 403 naming the first uncovered pattern, records the denial of action
 * and returns -1.
 */
int	api_grant_check(struct http_req *, const char *role,
	    const char *action);

/*
 * openapi.c: the API document. init builds the base document from the
 * route table (call once every route is added, before serving); text
 * builds it for the schemas of p and returns it (the caller frees), or
 * NULL with err set.
 */
int	api_openapi_register(struct erp_err *err);
int	api_openapi_init(struct erp_err *err);
char	*api_openapi_text(struct policy *p, struct erp_err *err);
/*
 * openapi_types.c: adds T_create, T_update and T to schemas for every
 * type of types (policy_schemas_json with whole).
 */
void	api_openapi_types(cJSON *schemas, const cJSON *types);

/* input.c: bodies and query parameters of built-in endpoints. */
/*
 * Checks that the body is an object whose fields are all in spec, of
 * their types, present when required (unless patch). Answers one 422
 * listing every broken field and returns -1, or returns 0.
 */
int	api_check_body(struct http_req *, const struct http_field *spec,
	    size_t n, bool patch);
/* Answers 500 internal (the cause is logged by whoever saw it). */
int	api_internal(struct http_req *);
/* Appends {field, code, message} to a 422's fields array. */
void	api_add_field(cJSON *fields, const char *field, const char *code,
	    const char *message);
/* Adds a text column as a string member, or null. */
void	api_json_text(cJSON *o, const char *name, struct db_stmt *st,
	    int col);
/* Answers a 422 naming one field; returns -1. */
int	api_field_error(struct http_req *, const char *field,
	    const char *code, const char *message);
/* ?limit= (1..500, default 50) and ?offset=; -1 when answered 422. */
int	api_page(struct http_req *, int64_t *limit, int64_t *offset);
/* {"items","total","limit","offset"}; takes ownership of items. */
cJSON	*api_page_new(cJSON *items, int64_t total, int64_t limit,
	    int64_t offset);
/* Adds an integer member that prints exactly (cJSON rounds to 15 digits). */
void	api_json_int(cJSON *o, const char *name, int64_t v);
/* A {name} path parameter that is a positive integer, or -1. */
int64_t	api_param_id(const struct http_req *, const char *name);


#define ROLE_MAX	63	/* bytes: the pipeline keeps roles in 64 */

/*
 * keyfollow.c: an API key never outlives its creator's rights. Each
 * revokes the keys whose creator no longer covers them, audited
 * apikey.revoke with details.reason, in the caller's write transaction,
 * and returns how many it revoked, or -1.
 *
 * api_keys_follow: org's live keys (of creator only, when not 0) under
 * policy p (the one in force after the change), after a member's role
 * changed or the member left, or the policy changed.
 */
int	api_keys_follow(struct http_req *, int64_t org, int64_t creator,
	    struct policy *p);
/* Every live key creator made, for reason (deactivation). */
int	api_keys_revoke_creator(struct http_req *, int64_t creator,
	    const char *reason);
/* api_keys_follow in every organization, after creator lost system admin. */
int	api_keys_follow_user(struct http_req *, int64_t creator);

/*
 * audit.c: one page of audit entries of org_id (0: of no organization),
 * filtered by ?action=&actor_id=&since=&until=&outcome=&request_id=
 * &resource_type=&resource_id= (any other parameter is 422).
 */
int	api_audit_list(struct http_req *, int64_t org_id);

/* events.c: audit records and alert signals of the built-in endpoints. */
int	api_events_init(void);
/* Fills ev's actor, ip and request id from req. */
void	api_event_init(struct audit_event *ev, struct http_req *req,
	    const char *action, const char *outcome);
/* audit_append / audit_record, counted in the metrics. 0 or -1. */
int	api_append(const struct audit_event *ev);
int	api_record(const struct audit_event *ev);
/* Rolls back and answers 500 after a failed audit write. */
int	api_audit_failed(struct http_req *);
/* true the first time kind+key is seen in the current window. */
bool	api_once(const char *kind, const char *key);
/*
 * Records the denial of action (its own entry, with the record the
 * request named and the policy version) and raises the denial-burst
 * alert; the pipeline's denials come here too.
 */
void	api_denied(struct http_req *, const char *action, int64_t org_id,
	    const char *reason);
/*
 * Answers 403 with message, records the denial of action (as
 * api_denied) and raises the denial-burst alert.
 */
int	api_forbidden(struct http_req *, const char *action, int64_t org_id,
	    const char *message);
/* Raises the failed-login burst alert once per key and window. */
void	api_login_burst(struct http_req *, const char *key);

#endif /* ERP_CORE_API_H */
