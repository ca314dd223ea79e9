/*
 * http: the server (civetweb underneath, never visible above this header),
 * the one route table, the fixed request pipeline and replies in the
 * contract's shape (docs/api.md).
 */
#ifndef ERP_CORE_HTTP_H
#define ERP_CORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "auth/auth.h"
#include "policy/policy.h"
#include "base/base.h"
#include "config/config.h"

/* Methods, as bits so a route can take several. */
#define HTTP_GET	0x01
#define HTTP_HEAD	0x02
#define HTTP_POST	0x04
#define HTTP_PUT	0x08
#define HTTP_PATCH	0x10
#define HTTP_DELETE	0x20
#define HTTP_OPTIONS	0x40

/* Route flags. */
#define HTTP_ROUTE_PUBLIC	0x01	/* no credentials needed */
#define HTTP_ROUTE_AUTH_OPTIONAL 0x02	/* credentials checked when sent */
#define HTTP_ROUTE_RAW_BODY	0x08	/* the handler reads the body */
#define HTTP_ROUTE_WRITE_TX	0x10	/* write lock before load and allow */

#define HTTP_MAX_ROUTES		256
#define HTTP_MAX_PARAMS		8
#define HTTP_MAX_SEGMENTS	16

struct http_req;

/*
 * A handler answers with one of the http_reply_* calls and returns its
 * result. It runs only after every pipeline step before it passed.
 */
typedef int (*http_handler_fn)(struct http_req *);

/*
 * Loads the record a route acts on, for the policy's resource: returns 1
 * with *attrs (a JSON object the request then owns, or NULL), 0 when
 * there is no such record in this organization (404), -1 on error.
 */
typedef int (*http_load_fn)(struct http_req *, cJSON **attrs);

/* A field of a built-in endpoint's JSON body (api/input.c checks it). */
enum http_type { HTTP_T_STRING, HTTP_T_BOOL, HTTP_T_INT };

struct http_field {
	const char	*hf_name;
	enum http_type	 hf_type;
	bool		 hf_required;	/* not enforced on PATCH */
	size_t		 hf_max_len;	/* characters, strings only; 0: any */
};

/* A route's body fields: .rt_body and .rt_nbody from one array. */
#define HTTP_BODY(a)	.rt_body = (a), .rt_nbody = nitems(a)

/* rt_status of a route that answers some 2xx of a shape it does not say. */
#define HTTP_DOC_ANY_2XX	2

struct http_route {
	int		 rt_methods;	/* HTTP_GET | ... (GET implies HEAD) */
	const char	*rt_path;	/* "/api/v1/users/{id}": static string */
	int		 rt_flags;	/* HTTP_ROUTE_* */
	http_handler_fn	 rt_handler;
	void		*rt_arg;	/* handed back by http_route_arg() */
	/*
	 * Under /api/v1/orgs/{org} the host checks membership, then asks
	 * the policy whether the subject may do rt_permission
	 * ("resource:action"), then validates the body against the schema
	 * of type rt_schema (NULL: none), refusing rt_computed names too.
	 */
	const char	*rt_permission;
	const char	*rt_schema;
	http_load_fn	 rt_load;
	const char *const *rt_computed;	/* NULL-terminated, or NULL */
	/*
	 * Fills what the server computes into the would-be record of a
	 * write with a body (before: the loaded record, or NULL) before the
	 * policy decides on it. Returns 0, or -1 with the failure sent.
	 * NULL: the record is the body (over the loaded one) as it is.
	 */
	int		(*rt_compute)(struct http_req *, cJSON *record,
			    const cJSON *before);
	/*
	 * What the API document (api/openapi.c) says of the route; the
	 * pipeline never reads these. Shapes are in shape.c's notation.
	 */
	const char	*rt_summary;	/* one line */
	int		 rt_status;	/* success status; 0 means 200 */
	const char	*rt_reply;	/* success body's shape; NULL: none */
	/*
	 * The query parameters the route takes, for the document and the
	 * pipeline alike: on an /api route any other is refused with 422
	 * (http_route_query), every one when neither is set.
	 */
	const char	*rt_query;	/* query parameters: "{limit?:integer}" */
	/*
	 * Or as JSON Schema text (an object, one property a parameter),
	 * for what the notation cannot say: a declared resource's list
	 * with its enums and bounds.
	 */
	const char	*rt_query_schema;
	const struct http_field *rt_body;	/* a built-in body's fields */
	size_t		 rt_nbody;
	const char	*rt_request;	/* or the shape of one checked by hand */
};

/* Called for every policy denial (to record it); set before serving. */
typedef void (*http_denial_fn)(struct http_req *, const char *action,
	    int64_t org, const char *reason);
void	http_on_denial(http_denial_fn);

/*
 * Adds a route to the one table; before http_server_start only (the table
 * is frozen afterwards). The route is copied. Returns 0, or -1 with err set
 * for a malformed path, a full table or a clash with a route already there
 * (the same method on the same path shape).
 */
int	http_route_add(const struct http_route *, struct erp_err *err);

/*
 * Returns: the query parameters route rt of the table takes (NULL-
 * terminated), what its rt_query or rt_query_schema names and nothing
 * when it has neither; NULL when it takes any (a shape with "...", or a
 * path outside /api).
 */
const char *const *http_route_query(const struct http_route *rt);

/* Calls fn for every route of the table, in the order they were added. */
void	http_route_each(void (*fn)(const struct http_route *, void *),
	    void *arg);

/*
 * shape.c: a shape in the notation of rt_reply, rt_query and rt_request
 * (docs/openapi.md) as JSON Schema the caller frees, or NULL with err
 * naming the offset where it went wrong.
 */
cJSON	*http_shape_schema(const char *text, struct erp_err *err);

/* Starts serving with cf (which must outlive the server). 0 or -1. */
int	http_server_start(const struct config *cf, struct erp_err *err);
/* Stops accepting, lets in-flight requests finish, then returns. */
void	http_server_stop(void);

/*
 * May the caller do action on a record with attrs (may be NULL) in the
 * request's organization? 1 or 0 (a denial is recorded like any other).
 */
int	http_allowed(struct http_req *, const char *action, const cJSON *attrs);
/*
 * The same question, asked to describe the caller's rights (GET .../meta):
 * 1 or 0, and nothing is recorded.
 */
int	http_may(struct http_req *, const char *action, const cJSON *attrs);

/*
 * The fields of record (NULL: any record, as meta shows them) of
 * resource type that the policy's redact rule leaves out for the caller,
 * appended to out (an array of names). Nothing, at no cost, for a type
 * without a rule. Returns 0, or -1 when the rule failed (logged): the
 * caller must not show the record.
 */
int	http_redacted(struct http_req *, const char *type, const cJSON *record,
	    cJSON *out);

/*
 * Removes from body (one record, or a list's page {"items": [...]}) of
 * resource type what the caller may not see. Returns 0, or -1 when the
 * policy failed (the answer must be withheld).
 */
int	http_redact(struct http_req *, const char *type, cJSON *body);

/*
 * Loads record id of resource type in the request's organization as the
 * route that reads it would load it for the policy (a dry-run asks what
 * the server would decide on it). Returns 1 with *attrs (the caller's),
 * 0 when there is no such record, -1 on error, -2 when no route loads
 * records of type.
 */
int	http_load_record(struct http_req *, const char *type, int64_t id,
	    cJSON **attrs);

/* Raw bodies (HTTP_ROUTE_RAW_BODY): declared length (-1: chunked). */
int64_t	http_body_length(const struct http_req *);
/* Reads up to len body bytes: the count, 0 at the end, or -1. */
int	http_read(struct http_req *, void *buf, size_t len);
/* Reads and discards the rest of the body up to a bound (after a 413). */
void	http_discard_body(struct http_req *);

/* What a handler may read. Every pointer is borrowed from the request. */
const char	*http_request_id(const struct http_req *);
/* The client's address after ERP_TRUSTED_PROXIES (docs/api.md). */
const char	*http_client_ip(const struct http_req *);
/* A request header, or NULL. */
const char	*http_header(const struct http_req *, const char *name);
/* A {name} path parameter, percent-decoded, or NULL. */
const char	*http_param(const struct http_req *, const char *name);
/* The parsed JSON body, or NULL when the request had none. */
const cJSON	*http_body(const struct http_req *);
void		*http_route_arg(const struct http_req *);
const struct config *http_config(const struct http_req *);
/* Who is calling; NULL on a public route. */
const struct auth_subject *http_subject(const struct http_req *);
/* Under /api/v1/orgs/{org}: the organization, the caller's role in it
 * (NULL for a system admin who is not a member), the policy in force
 * and the loaded record's attributes (may be NULL). */
int64_t		 http_org(const struct http_req *);
const char	*http_role(const struct http_req *);
struct policy	*http_policy(struct http_req *);
/* The version of http_policy (0: the base alone), -1 when there is none. */
int64_t		 http_policy_version(const struct http_req *);
/*
 * The policy in force for another organization (the worker's cache,
 * valid until the next policy lookup or the worker is given back), or
 * NULL.
 */
struct policy	*http_policy_of(int64_t org);
const cJSON	*http_attrs(const struct http_req *);
/*
 * Takes the loaded record out of the request, for a handler that answers
 * it as it is (a read): the reply owns it, and no copy is made. NULL when
 * none was loaded; http_attrs is NULL from then on.
 */
cJSON		*http_attrs_take(struct http_req *);
/*
 * The would-be record the policy decided on for a write with a JSON body
 * (POST, PUT, PATCH on a route with a schema): on create the body with
 * what rt_compute added, on update the loaded record with the body's
 * members applied. NULL for other requests. Borrowed.
 */
cJSON		*http_wouldbe(const struct http_req *);
/* The names of the top-level members the body sets, as a JSON array. */
const cJSON	*http_changed(const struct http_req *);
/*
 * Copies the decoded query parameter name into out (NUL-terminated).
 * Returns its length, -1 when absent, -2 when longer than outlen - 1.
 */
int	http_query(const struct http_req *, const char *name, char *out,
	    size_t outlen);

/*
 * Adds a response header to the reply this request will send. The name
 * and value must not contain CR or LF (they are refused, returning -1).
 */
int	http_add_header(struct http_req *, const char *name, const char *value);

/*
 * Replies. Each writes the whole response (headers, security headers,
 * CORS, request id, body) with one write and returns the status, or -1
 * if the connection failed. The request may reply once.
 */
/* body is owned by the callee from now on and freed. */
int	http_reply_json(struct http_req *, int status, cJSON *body);
/* A body of any type the caller already has (borrowed). */
int	http_reply_raw(struct http_req *, int status, const char *ctype,
	    const void *body, size_t len);
/*
 * A body of len bytes read from fd (owned by the callee from now on, and
 * closed), sent in chunks after the head: a file is never held in
 * memory, and no worker waits while it goes out. A deferred reply holds
 * the descriptor until it is flushed.
 */
int	http_reply_fd(struct http_req *, int status, const char *ctype,
	    int fd, int64_t len);
/* A route's path pattern by its metrics index, "static" or "none". */
const char *http_route_name(int idx);
/* A body the caller already has as JSON text (borrowed). */
int	http_reply_raw_json(struct http_req *, int status, const char *json,
	    size_t len);
/*
 * Marks the coming reply as carrying a secret (a token, a new API key):
 * its buffers are wiped before they are freed.
 */
void	http_reply_secret(struct http_req *);
/* An empty reply such as 204. */
int	http_reply_empty(struct http_req *, int status);
/*
 * The error envelope {"error": {"code","message","request_id"}}; message
 * is for humans and must not hold secrets, SQL or paths.
 */
int	http_reply_error(struct http_req *, int status, const char *code,
	    const char *message);
/* A 422 or 409 naming one field: fields = [{field, code, message}]. */
int	http_reply_field_error(struct http_req *, int status,
	    const char *code, const char *message, const char *field,
	    const char *field_code, const char *field_message);
/* Replies with an error envelope whose fields array the callee owns. */
int	http_reply_fields(struct http_req *, int status, const char *code,
	    const char *message, cJSON *fields);

/*
 * Holding a reply until the request's transaction commits: after defer,
 * replies are built but not sent; flush sends the held one, discard
 * drops it (and any added headers) so another reply can be made.
 */
void	http_reply_defer(struct http_req *);
int	http_reply_flush(struct http_req *);
void	http_reply_discard(struct http_req *);
/* The status replied so far, 0 if none. */
int	http_status(const struct http_req *);

/* headers.c: decisions, exposed for the tests. */
/* true if origin is one of cf's ERP_CORS_ORIGINS (exact match). */
bool	http_cors_allowed(const struct config *cf, const char *origin);
/* true for 1 to 128 characters of A-Z a-z 0-9 . _ - */
bool	http_request_id_valid(const char *id);

#endif /* ERP_CORE_HTTP_H */
