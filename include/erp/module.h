/*
 * erp/module.h: the one public header of erpd, the ABI a feature module
 * is written against (module ABI 2). A module declares its routes (each
 * with the permission it needs and the schema its body must pass), its
 * migrations, its policy fragment, its version and the modules it depends
 * on; the host authenticates, checks membership, loads the record, asks
 * the policy and validates the body before any handler runs, in a
 * transaction the host opened and commits.
 *
 * ABI rules: struct erp_module and struct erp_host begin with their
 * version and size and only ever grow at the end; enum values are never
 * renumbered; cJSON (a system shared library) is part of the ABI, no
 * database engine's types and no civetweb type ever are: statements go
 * through the host with ? placeholders and typed column access, so one
 * module binary runs on every engine the host supports. A module built
 * for another major version, or a newer minor one, is refused before any
 * of its code runs.
 */
#ifndef ERP_MODULE_H
#define ERP_MODULE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#define ERP_ABI_MAJOR	2
#define ERP_ABI_MINOR	3

#if defined(__GNUC__)
#define ERP_EXPORT	__attribute__((visibility("default")))
#else
#define ERP_EXPORT
#endif

/* A request as the host hands it to a module: opaque. */
struct erp_req;

/* A prepared statement of the host's database: opaque. */
struct erp_sql;

/* Methods (never renumbered). */
enum erp_method {
	ERP_GET = 0x01,
	ERP_POST = 0x04,
	ERP_PUT = 0x08,
	ERP_PATCH = 0x10,
	ERP_DELETE = 0x20
};

/* Route flags (never renumbered). */
#define ERP_ROUTE_PUBLIC	0x01	/* no credentials, no permission */
#define ERP_ROUTE_SYSTEM	0x04	/* path is not under /orgs/{org} */
#define ERP_ROUTE_RAW_BODY	0x08	/* the handler reads the body itself */

/* Errors a handler answers with (never renumbered). */
enum erp_error {
	ERP_E_BAD_REQUEST = 1,	/* 400 malformed_json */
	ERP_E_FORBIDDEN,	/* 403 forbidden */
	ERP_E_NOT_FOUND,	/* 404 not_found */
	ERP_E_CONFLICT,		/* 409 conflict, naming a field */
	ERP_E_TOO_LARGE,	/* 413 payload_too_large */
	ERP_E_VALIDATION,	/* 422 validation_failed, naming a field */
	ERP_E_INTERNAL,		/* 500 internal (logged, nothing leaks) */
	ERP_E_MEDIA_TYPE,	/* 415 unsupported_media_type */
	ERP_E_PRECONDITION	/* 412 precondition_failed (If-Match) */
};

/* Log levels for erp_host->log (never renumbered). */
enum erp_log_level {
	ERP_LOG_INFO = 0,
	ERP_LOG_WARN = 1,
	ERP_LOG_ERROR = 2
};

/* What a step of a statement gives (never renumbered). */
enum erp_sql_result {
	ERP_SQL_ERROR = -1,	/* failed (logged by the host) */
	ERP_SQL_DONE = 0,	/* no (more) rows; a write is done */
	ERP_SQL_ROW = 1,	/* a row is at the cursor */
	ERP_SQL_CONFLICT = 2	/* a UNIQUE, CHECK or reference refused it */
};

/* The state of the request's transaction (never renumbered). */
enum erp_tx {
	ERP_TX_NONE = 0,
	ERP_TX_READ = 1,
	ERP_TX_WRITE = 2
};

/*
 * A handler answers with exactly one reply or failure call and returns
 * what that call returned. Returns: the HTTP status sent, or -1.
 */
typedef int (*erp_handler_fn)(struct erp_req *);

/*
 * Loads the record a route acts on for the policy's resource. Returns: 1
 * with *attrs a JSON object the host then owns (or NULL), 0 when no such
 * record exists in this organization (the host answers 404), -1 on error.
 */
typedef int (*erp_load_fn)(struct erp_req *, cJSON **attrs);

/*
 * Record hooks, each optional. compute runs before the policy's decision with
 * the would-be record (on update the stored record with the body applied;
 * before is the stored one, NULL on create) and may set computed fields.
 * check runs inside the transaction just before the write (or the
 * transition) with the record as it will be stored (NULL for a delete);
 * side effects there commit with it. Each returns: 0, or the status of the failure it sent
 * with erp_fail.
 */
typedef int (*erp_record_fn)(struct erp_req *, cJSON *record,
    const cJSON *before);

/* One route; arrays of them end with ERP_ROUTE_END. */
struct erp_route {
	int			 method;	/* one enum erp_method */
	const char		*path;		/* "/products/{id}", under
						   /api/v1/orgs/{org} unless
						   ERP_ROUTE_SYSTEM */
	int			 flags;		/* ERP_ROUTE_* */
	const char		*permission;	/* "product:read"; required
						   unless ERP_ROUTE_PUBLIC */
	const char		*schema;	/* body's schema type, or NULL */
	erp_load_fn		 load;		/* record loader, or NULL */
	erp_handler_fn		 handler;
	const char *const	*computed;	/* names never accepted from a
						   body besides id, org_id,
						   created_at, updated_at */
	erp_record_fn		 compute;	/* fills the would-be record of
						   a write with a schema before
						   the policy decides, or NULL */
	/*
	 * For the API document (docs/openapi.md), all optional: a one-line
	 * summary; the success status (0: what the route's shape implies,
	 * see below); the answer in the shape notation ("$order",
	 * "page($note)", "{url: string, expires_at: time}") or a media type
	 * ("text/csv", or the any-type range for a download of any type).
	 * A route that leaves reply NULL is documented from its path when
	 * it has the usual one ("/notes", "/notes/{id}" for note:*), else
	 * as some 2xx of undeclared shape.
	 */
	const char		*summary;
	int			 status;
	const char		*reply;
	/*
	 * ABI 2.2, for the API document too: the query parameters the
	 * handler reads, in the shape notation ("{limit?: integer,
	 * product_id?: integer}"). NULL: none declared (a list of the usual
	 * path is then documented with limit and offset). Routes only grow
	 * at the end: the host reads an older module's routes without it.
	 */
	const char		*query;
};
#define ERP_ROUTE_END	{ 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, \
			  NULL, 0, NULL, NULL }

/*
 * One migration; arrays end with { 0, NULL, NULL, NULL }. Versions
 * increase. A version may come twice: once portable (engine NULL) and
 * once for one engine ("sqlite"), which that engine then runs instead.
 * From files: NNNN_name.sql is portable, NNNN_name.<engine>.sql is not.
 */
struct erp_migration {
	int		 version;
	const char	*name;
	const char	*sql;
	const char	*engine;	/* NULL: every engine */
};

/*
 * Declared resources: a module describes each resource in data, and the
 * host serves list, get, create, update, delete and the transitions,
 * with validation, the policy decision on the would-be record, the audit
 * entry (old and new values), ETag and If-Match, ?q=, filters and ?sort=.
 */

/* A field's type (never renumbered); its column holds the same. */
enum erp_field_type {
	ERP_FIELD_STRING = 1,	/* TEXT */
	ERP_FIELD_INTEGER = 2,	/* INTEGER, within ±(2^53 − 1) */
	ERP_FIELD_BOOLEAN = 3	/* INTEGER 0 or 1 */
};

/* Field flags (never renumbered). */
#define ERP_FIELD_REQUIRED	0x001	/* a create must set it */
#define ERP_FIELD_NULLABLE	0x002	/* null is a value (else refused) */
#define ERP_FIELD_COMPUTED	0x004	/* never from a body: the compute hook
					   (or the default) sets it */
#define ERP_FIELD_UNIQUE	0x008	/* a clash is 409 naming the field */
#define ERP_FIELD_SEARCH	0x010	/* ?q= finds it (contains, any case) */
#define ERP_FIELD_FILTER	0x020	/* ?<name>=<value> lists equal ones */
#define ERP_FIELD_SORT		0x040	/* ?sort=<name> or ?sort=-<name> */
#define ERP_FIELD_MIN		0x080	/* min applies */
#define ERP_FIELD_MAX		0x100	/* max applies */
#define ERP_FIELD_AUDIT		0x200	/* ABI 2.3: its value is in every audit
					   entry of the record, a transition's
					   too (an order's total) */

/*
 * One field of a resource, stored in the column of the same name. For a
 * string min and max bound its length in characters, for an integer its
 * value (each when its ERP_FIELD_MIN/MAX flag says so).
 */
struct erp_field {
	const char		*name;		/* [a-z_][a-z0-9_]*: JSON member
						   and column */
	int			 type;		/* enum erp_field_type */
	int			 flags;		/* ERP_FIELD_* */
	int64_t			 min;
	int64_t			 max;
	const char		*pattern;	/* a Lua pattern strings match,
						   or NULL */
	const char *const	*enums;		/* the allowed strings, NULL-
						   ended, or NULL */
	const char		*def;		/* the value when a create omits
						   it, as JSON text ("\"EUR\"",
						   "true", "0"), or NULL */
	const char		*ref;		/* an integer naming a record of
						   this resource type of the same
						   organization ("customer"), or
						   NULL; checked on write */
	const char		*label;		/* for humans (the web UI) */
};

/*
 * A workflow move: POST <path>/{id}/<name> sets the state field to to
 * when it is one of from, under its own permission (judged with the
 * record); from any other state it is 409.
 */
struct erp_transition {
	const char		*name;		/* "confirm" */
	const char *const	*from;		/* NULL-ended states */
	const char		*to;		/* "confirmed" */
	const char		*permission;	/* "order:confirm" */
};

/* One declared resource; arrays of them end with ERP_RESOURCE_END. */
struct erp_resource {
	const char			*type;		/* "product": permissions
							   product:read ... */
	const char			*path;		/* "/products" */
	const char			*table;		/* with id, org_id,
							   created_at, updated_at
							   and one column per
							   field */
	const struct erp_field		*fields;	/* ends with { NULL } */
	const char			*state;		/* the field transitions
							   move, or NULL */
	const struct erp_transition	*transitions;	/* ends with { NULL },
							   or NULL */
	erp_record_fn			 compute;
	erp_record_fn			 check;
};
#define ERP_RESOURCE_END	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
				    NULL }

/*
 * ABI 2.3: the rows a declared record owns (an order's lines), shown as
 * an array member of it. They live in their own table: a column naming
 * the owner's id, line_no (1, 2, ... in the array's order) and one column
 * per field. The host reads them with the record (its ETag covers them),
 * checks each value as a field's, names a bad one "lines[2].quantity",
 * writes them on create, replaces them all when an update changes them,
 * removes them before their owner, and puts them in the audit entries
 * and events like any other member.
 */
struct erp_rows {
	const char		*resource;	/* the owner's type, declared
						   by the same module: "order" */
	const char		*name;		/* its member: "lines" */
	const char		*table;		/* "order_lines" */
	const char		*owner;		/* the column naming the owner:
						   "order_id" */
	const struct erp_field	*fields;	/* ends with { NULL }; no unique,
						   search, filter or sort */
	int			 min;		/* rows at least (0: may be
						   empty; else required) */
	int			 max;		/* rows at most, 1 to 1000 */
};

/* A module this one needs: loaded, with the same major version, not older. */
struct erp_depend {
	const char	*name;		/* the module's name */
	const char	*version;	/* "1.2": at least 1.2, below 2.0 */
};

/*
 * Between modules. A module exports functions by name; another that
 * depends on it imports them: the loader fills each import's slot before
 * init, and refuses the importer when the function is not exported. The
 * two modules agree on the function's type (cast it back from erp_fn).
 */
typedef void (*erp_fn)(void);

struct erp_export {
	const char	*name;		/* "stock_available" */
	erp_fn		 fn;
};

struct erp_import {
	const char	*module;	/* one of the depends */
	const char	*name;
	erp_fn		*slot;		/* filled at load */
};

/*
 * A committed event: emit queues it in the request's transaction; after
 * that transaction commits, the host calls each subscriber in a new
 * transaction of its own (committed when it returns 0, else rolled back
 * and logged); a rolled-back request delivers nothing. Declared
 * transitions emit "<type>.<to>" ("ticket.closed") with the record.
 *
 * An in-transaction subscriber (ABI 2.1, tx_subscriptions) is called
 * instead inside the emitting request's transaction, once its handler
 * succeeded and before the commit: its writes commit with the request,
 * and it may refuse with erp_fail (409, 422), which then answers the
 * request in place of the handler's reply and rolls all of it back. It
 * returns 0, or the status of the failure it sent.
 */
typedef int (*erp_event_fn)(struct erp_req *, const char *event,
    const cJSON *payload);

struct erp_subscription {
	const char	*event;		/* "order.shipped" */
	erp_event_fn	 fn;
};

struct erp_host;

/* The descriptor a module exports as its only symbol, erp_module. */
struct erp_module {
	uint32_t			 abi_major;	/* first, forever */
	uint32_t			 abi_minor;
	uint32_t			 size;		/* sizeof, as built */
	const struct erp_host		**host;		/* where the loader puts
							   the host table before
							   init: &erp_host */
	const char			*name;		/* [a-z0-9_]+, unique */
	const char			*version;	/* "MAJOR.MINOR[.PATCH]" */
	const struct erp_depend		*depends;	/* ends with {NULL}, or
							   NULL */
	const struct erp_route		*routes;	/* or NULL */
	const struct erp_resource	*resources;	/* or NULL */
	const struct erp_migration	*migrations;	/* or NULL */
	const struct erp_export		*exports;	/* end with { NULL },
							   or NULL */
	const struct erp_import		*imports;	/* the same */
	const struct erp_subscription	*subscriptions;	/* the same */
	/*
	 * Lua run after the base policy, in its environment: it may add
	 * to the base roles and define schemas for custom routes
	 * (declared resources get theirs from their fields). Or NULL.
	 * erp_add_module(... POLICY notes.lua) embeds a file as
	 * <name>_policy and its name as <name>_policy_file.
	 */
	const char			*policy;
	const char			*policy_file;	/* the fragment's file,
							   named in its errors
							   ("notes.lua:3: ..."),
							   or NULL */
	/*
	 * Called once after the checks, with erp_host set, or NULL.
	 * Returns: 0, or -1 to refuse loading (the host stops).
	 */
	int				(*init)(const struct erp_host *);

	/* ABI 2.1 */
	const struct erp_subscription	*tx_subscriptions;	/* inside the
							   emitter's transaction,
							   ends with { NULL }, or
							   NULL */

	/* ABI 2.3 */
	const struct erp_rows		*rows;		/* owned rows of its
							   resources, end with
							   { NULL }, or NULL */
};

#define ERP_MODULE_HEADER \
	.abi_major = ERP_ABI_MAJOR, .abi_minor = ERP_ABI_MINOR, \
	.size = sizeof(struct erp_module), .host = &erp_host
/* Defines erp_host (the module's host table) and the descriptor. */
#define ERP_MODULE_DEFINE \
	const struct erp_host *erp_host; \
	ERP_EXPORT extern const struct erp_module erp_module; \
	const struct erp_module erp_module

/*
 * What the host offers. Append-only; a module checks size before using a
 * member newer than the version it was written for. Every pointer a call
 * returns is borrowed and lives as long as the request unless it says
 * otherwise.
 */
struct erp_host {
	uint32_t	 size;		/* sizeof(struct erp_host) of the host */
	uint32_t	 abi_minor;

	/* The request. */
	/* Returns: a {name} path parameter, or NULL. */
	const char	*(*param)(struct erp_req *, const char *name);
	/* Returns: a {name} parameter that is a positive integer, or -1. */
	int64_t		 (*param_id)(struct erp_req *, const char *name);
	/*
	 * Returns: the query parameter's length copied into out, -1 when
	 * it is absent, -2 when it is longer than outlen - 1.
	 */
	int		 (*query)(struct erp_req *, const char *name, char *out,
			    size_t outlen);
	/*
	 * Returns: ?limit= and ?offset= checked (0), or -1 (422 sent). A list
	 * of two statements needs none of it: see reply_page.
	 */
	int		 (*page)(struct erp_req *, int64_t *limit,
			    int64_t *offset);
	/* Returns: the validated JSON body, or NULL when there was none. */
	const cJSON	*(*body)(struct erp_req *);
	/* Returns: the record the route's loader loaded, or NULL. */
	const cJSON	*(*attrs)(struct erp_req *);
	/* Returns: the organization of the request ({org}). */
	int64_t		 (*org)(struct erp_req *);
	/* Returns: the caller's user id (an API key's id for keys). */
	int64_t		 (*subject_id)(struct erp_req *);
	/* Returns: the caller's role in the organization, or NULL. */
	const char	*(*role)(struct erp_req *);
	/* Returns: a request header, or NULL. */
	const char	*(*header)(struct erp_req *, const char *name);
	/* Returns: the request id (for logs and audit). */
	const char	*(*request_id)(struct erp_req *);

	/*
	 * The database, inside the transaction the host opened for the
	 * request (writes take the write lock; the host commits after a
	 * reply below 400, else rolls back). On ERP_ROUTE_RAW_BODY routes
	 * the write lock is taken at the first sql or audit call, so reading
	 * a slow upload holds no lock. On GET routes statements that write
	 * are refused, but audit works (it takes the write lock then).
	 *
	 * sql must be a static string of the portable subset (docs/
	 * modules.md) with ? placeholders: the statement is prepared once
	 * per thread, refused when it controls transactions, attaches,
	 * changes the schema or sets engine options, and comes back reset
	 * with its bindings cleared. Returns: the statement, or NULL
	 * (logged).
	 */
	struct erp_sql	*(*sql)(struct erp_req *, const char *sql);
	/* Binds the idx-th ? (from 1); binding past the last does nothing. */
	void		 (*sql_int)(struct erp_sql *, int idx, int64_t v);
	/* The same for text, which is copied; NULL binds SQL NULL. */
	void		 (*sql_text)(struct erp_sql *, int idx,
			    const char *text);
	/* Returns: the next row (ERP_SQL_ROW) or another erp_sql_result. */
	int		 (*sql_step)(struct erp_sql *);
	/* Returns: column col (from 0) of the row as an integer (NULL: 0). */
	int64_t		 (*sql_col_int)(struct erp_sql *, int col);
	/*
	 * Returns: column col as UTF-8 text, or NULL for SQL NULL; valid
	 * until the next step or reset.
	 */
	const char	*(*sql_col_text)(struct erp_sql *, int col);
	/* Ends the statement's use (safe to call twice). */
	void		 (*sql_reset)(struct erp_sql *);
	/* Returns: the id of the last row inserted on this connection. */
	int64_t		 (*last_insert_id)(struct erp_req *);
	/* Returns: rows changed by the last statement. */
	int		 (*changes)(struct erp_req *);
	/* Returns: the state of the request's transaction (enum erp_tx). */
	int		 (*tx)(struct erp_req *);

	/*
	 * Replies. body is owned by the host from the call on. Returns: the
	 * status sent, or -1.
	 */
	int		 (*reply_json)(struct erp_req *, int status,
			    cJSON *body);
	int		 (*reply_empty)(struct erp_req *, int status);
	/*
	 * A file download (200, Content-Disposition: attachment) of size
	 * bytes read from fd, which the host owns and closes from the call
	 * on, whatever happens. Returns: the status sent, or -1.
	 */
	int		 (*reply_fd)(struct erp_req *, const char *ctype,
			    const char *filename, int fd, int64_t size);
	/*
	 * An error in the contract's shape; field (may be NULL) names the
	 * offending field for ERP_E_CONFLICT and ERP_E_VALIDATION. Returns:
	 * the status sent, or -1.
	 */
	int		 (*fail)(struct erp_req *, enum erp_error,
			    const char *field, const char *message);
	/* Returns: 0, or -1 if name or value hold CR or LF. */
	int		 (*add_header)(struct erp_req *, const char *name,
			    const char *value);

	/*
	 * Appends to the audit log in the request's transaction: action
	 * ("product.create"), the resource's type and id, details (changed
	 * fields' old and new values; never secrets), which the host owns
	 * from the call on, like reply_json's body. Returns: 0, or -1 (the
	 * handler then answers 500 and the host rolls back).
	 */
	int		 (*audit)(struct erp_req *, const char *action,
			    const char *resource_type, int64_t resource_id,
			    cJSON *details);
	/*
	 * audit for a record of organization org, for routes outside one
	 * (ERP_ROUTE_SYSTEM) that act on an organization's record, such as
	 * a signed download. Returns: as audit.
	 */
	int		 (*audit_org)(struct erp_req *, int64_t org,
			    const char *action, const char *resource_type,
			    int64_t resource_id, cJSON *details);
	/*
	 * Asks the policy whether the caller may do action on a record
	 * with attrs (borrowed, may be NULL). Returns: 1 allowed, 0 denied.
	 */
	int		 (*allowed)(struct erp_req *, const char *action,
			    const cJSON *attrs);

	/* Raw bodies (ERP_ROUTE_RAW_BODY routes). */
	/* Returns: the body's declared length, or -1 when chunked. */
	int64_t		 (*body_length)(struct erp_req *);
	/* Returns: bytes read into buf (0 at the end), or -1. */
	int		 (*read)(struct erp_req *, void *buf, size_t len);

	/* Configuration and keys. */
	/* Returns: ERP_UPLOAD_MAX_BYTES. */
	int64_t		 (*upload_max)(void);
	/* Returns: ERP_LINK_TTL_SECONDS. */
	int64_t		 (*link_ttl)(void);
	/*
	 * Writes len bytes (16 to 64) of a key for the module's purpose
	 * (a short label) derived from ERP_SECRET_KEY. Returns: 0 or -1.
	 */
	int		 (*derive_key)(const char *purpose, unsigned char *out,
			    size_t len);
	/*
	 * Returns: the module's own directory under the data dir (created
	 * 0700 at load), for files it keeps outside the web root; module is
	 * the module's name. NULL for an unknown name.
	 */
	const char	*(*data_dir)(const char *module);
	/* Logs for operators (never secrets); r may be NULL. */
	void		 (*log)(struct erp_req *, enum erp_log_level,
			    const char *message);
	/* Returns: now, in Unix seconds. */
	int64_t		 (*now)(void);
	/* Writes t as RFC 3339 UTC ("2026-12-07T18:00:00Z") into out. */
	void		 (*time_text)(int64_t t, char out[21]);
	/*
	 * Queues event ("order.shipped": a-z _ then a dot) with payload
	 * (owned by the host from the call on) for the subscribers, after
	 * the request's commit. Returns: 0, or -1 (a bad name, more than 16
	 * events in one request).
	 */
	int		 (*emit)(struct erp_req *, const char *event,
			    cJSON *payload);

	/*
	 * ABI 2.3: answers a list page in the contract's shape {"items",
	 * "total", "limit", "offset"}. The handler prepares and binds both
	 * statements: count yields one row whose first column is the total;
	 * rows yields the page, its last two ? left unbound for LIMIT and
	 * OFFSET, which the host binds from ?limit= and ?offset= (checked as
	 * page checks them: 422 on a bad value). row builds the JSON of the
	 * row at the cursor (the host owns it after; NULL is a failure). A
	 * failed step, a count with no row, or count or rows NULL (what a
	 * failed erp_sql gave: pass it on) is a 500, logged and rolled back,
	 * never a short page. The host resets both statements. Returns: the
	 * status sent.
	 */
	int		 (*reply_page)(struct erp_req *, struct erp_sql *count,
			    struct erp_sql *rows,
			    cJSON *(*row)(struct erp_sql *));
};

/*
 * The module's host table, defined by ERP_MODULE_DEFINE and set by the
 * loader before init; the wrappers below then read like plain calls.
 */
extern const struct erp_host	*erp_host;

/* Returns: as erp_host->sql. */
static inline struct erp_sql *
erp_sql(struct erp_req *r, const char *sql)
{
	return erp_host->sql(r, sql);
}

/* Returns: as erp_host->reply_json; body belongs to the host. */
static inline int
erp_reply_json(struct erp_req *r, int status, cJSON *body)
{
	return erp_host->reply_json(r, status, body);
}

/* Returns: as erp_host->fail. */
static inline int
erp_fail(struct erp_req *r, enum erp_error e, const char *field,
    const char *message)
{
	return erp_host->fail(r, e, field, message);
}

/* Returns: as erp_host->audit; details belongs to the host. */
static inline int
erp_audit(struct erp_req *r, const char *action, const char *type,
    int64_t id, cJSON *details)
{
	return erp_host->audit(r, action, type, id, details);
}

/*
 * Adds an integer member that prints exactly (cJSON keeps doubles and
 * prints 15 digits). Returns: the new item, or NULL.
 */
static inline cJSON *
erp_json_int(cJSON *obj, const char *name, int64_t v)
{
	char	 text[24];
	cJSON	*item;

	snprintf(text, sizeof(text), "%lld", (long long)v);
	item = cJSON_CreateRaw(text);
	if (item != NULL)
		cJSON_AddItemToObject(obj, name, item);
	return item;
}

/* The largest integer a JSON number carries exactly: 2^53 − 1. */
#define ERP_JSON_INT_MAX	9007199254740991LL

/*
 * The integer a JSON number holds, when it is one within
 * ±ERP_JSON_INT_MAX: converting any other double to int64_t is undefined
 * or loses digits, whatever a policy's schema let through. Every module
 * conversion of valuedouble goes through here. An exact integer written
 * by erp_json_int (records the host loads hold them) reads too. Returns:
 * 0 with *out set, -1 when v is not such a number (out untouched).
 */
static inline int
erp_json_get_int(const cJSON *v, int64_t *out)
{
	double	 d;
	char	*end;
	long long n;

	if (cJSON_IsRaw(v) && v->valuestring != NULL) {
		n = strtoll(v->valuestring, &end, 10);
		if (end == v->valuestring || *end != '\0' ||
		    n < -ERP_JSON_INT_MAX || n > ERP_JSON_INT_MAX)
			return -1;
		*out = n;
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	/* the range first (NaN fails it): only then is the cast defined */
	if (!(d >= (double)-ERP_JSON_INT_MAX && d <= (double)ERP_JSON_INT_MAX))
		return -1;
	if (d != (double)(int64_t)d)
		return -1;
	*out = (int64_t)d;
	return 0;
}

/*
 * The member name of o as an integer in [min, max]: a body's value the
 * schema bounds, checked again because an organization's schema may say
 * otherwise and the module's arithmetic must stay sound whatever it
 * says. Returns: 0 with *out set, -1 when absent or out of bounds.
 */
static inline int
erp_json_member_int(const cJSON *o, const char *name, int64_t min,
    int64_t max, int64_t *out)
{
	int64_t	 n;

	if (erp_json_get_int(cJSON_GetObjectItemCaseSensitive(o, name),
	    &n) == -1 || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/*
 * A list's page in the contract's shape {"items","total","limit",
 * "offset"}; items belongs to the page from the call on. Returns: the
 * page (the reply_json body of a list), or NULL.
 */
static inline cJSON *
erp_page(cJSON *items, int64_t total, int64_t limit, int64_t offset)
{
	cJSON	*page = cJSON_CreateObject();

	if (page == NULL) {
		cJSON_Delete(items);
		return NULL;
	}
	cJSON_AddItemToObject(page, "items", items);
	erp_json_int(page, "total", total);
	erp_json_int(page, "limit", limit);
	erp_json_int(page, "offset", offset);
	return page;
}

#endif /* ERP_MODULE_H */
