/*
 * http_int: what the files of core/http share and nobody else sees: the
 * request struct and the pieces of the pipeline.
 */
#ifndef ERP_CORE_HTTP_INT_H
#define ERP_CORE_HTTP_INT_H

#include <civetweb.h>

#include "http.h"

#define HTTP_ID_MAX	128

struct http_param {
	const char	*pa_name;	/* borrowed from the route */
	char		*pa_value;	/* decoded, owned by the request */
};

/* deadline.c: the pace rules of docs/api.md */
#define DEADLINE_BODY_US	(10 * INT64_C(1000000))	/* JSON body, whole */
#define DEADLINE_IDLE_US	(10 * INT64_C(1000000))	/* upload, no byte */
#define DEADLINE_RATE_MIN	16384	/* upload bytes/s after the first 10 s */

enum deadline_kind {
	DEADLINE_WHOLE,		/* all of it within DEADLINE_BODY_US */
	DEADLINE_RATE		/* an upload: idle and average rate rules */
};

/* One body being read; lives in the request, linked while armed. */
struct deadline {
	struct deadline		*dl_next, *dl_prev;
	int			 dl_fd;
	enum deadline_kind	 dl_kind;
	int64_t			 dl_start_us;
	_Atomic int64_t		 dl_bytes;
	_Atomic int64_t		 dl_last_us;	/* last progress */
	bool			 dl_armed;	/* linked */
	bool			 dl_fired;	/* the socket was shut */
};

struct http_req {
	struct mg_connection		*rq_conn;
	const struct mg_request_info	*rq_info;
	const struct config		*rq_cf;
	char				 rq_id[HTTP_ID_MAX + 1];
	int				 rq_method;	/* one HTTP_* bit */
	char				*rq_path;	/* raw path, owned */
	const struct http_route		*rq_route;
	struct http_param		 rq_params[HTTP_MAX_PARAMS];
	size_t				 rq_nparams;
	cJSON				*rq_body;
	struct auth_subject		 rq_subject;
	bool				 rq_authed;	/* rq_subject is set */
	int64_t				 rq_org;	/* {org}, 0: none */
	char				 rq_role[64];	/* "" for none */
	struct policy			*rq_policy;	/* in force for rq_org */
	int64_t				 rq_policy_version; /* rq_policy's */
	uint64_t			 rq_policy_borrow; /* its worker's */
	cJSON				*rq_attrs;	/* loaded record */
	cJSON				*rq_wouldbe;	/* the record after the
							   write, for the policy */
	cJSON				*rq_changed;	/* the names the body
							   sets */
	const char			*rq_origin;	/* allowed Origin */
	struct buf			 rq_headers;	/* extra headers */
	int				 rq_status;	/* 0 until replied */
	bool				 rq_close;	/* close after reply */
	bool				 rq_body_done;	/* raw body read to its end */
	bool				 rq_continued;	/* 100 Continue handled */
	bool				 rq_defer;	/* hold the reply */
	bool				 rq_secret;	/* wipe reply buffers */
	struct buf			 rq_deferred;	/* the held reply */
	bool				 rq_html;	/* an HTML page: UI CSP */
	bool				 rq_static;	/* served from www */
	const char			*rq_cache;	/* Cache-Control */
	int64_t				 rq_start_us;
	int64_t				 rq_bytes_out;
	struct deadline			 rq_upload;	/* raw body's pace */
	int				 rq_stream_fd;	/* a file to send, -1 */
	int64_t				 rq_stream_len;	/* its bytes left */
};

/* router.c */
enum router_result { ROUTER_FOUND, ROUTER_NO_PATH, ROUTER_NO_METHOD };

/*
 * Matches path (raw, without query) and method against the table. FOUND
 * fills *route and the request's params; NO_METHOD fills *allowed with
 * the methods the path takes. A path with an undecodable or dot segment
 * is NO_PATH.
 */
enum router_result router_match(struct http_req *, const char *path,
	    int method, const struct http_route **route, int *allowed);
/* Writes "GET, HEAD, OPTIONS" style text for a method mask. */
void	router_allow_text(int methods, char *out, size_t outlen);
/* Metrics numbering: a route's index, then these two. */
#define ROUTER_STATIC	HTTP_MAX_ROUTES
#define ROUTER_NONE	(HTTP_MAX_ROUTES + 1)
int	router_index(const struct http_route *);
/*
 * The route that reads one record of resource type by id: a GET with a
 * loader, permission "<type>:read" and a path ending in "/{id}". NULL if
 * there is none.
 */
const struct http_route *router_record_route(const char *type);
/* Removes every route (tests only). */
void	router_reset(void);
/* Percent-decodes one path segment; -1 for bad escapes or NUL. */
int	router_decode_segment(const char *s, size_t len, char *out,
	    size_t outlen);

/* framing.c */
/*
 * Why the request's framing is ambiguous (docs/api.md: a 400 and
 * the connection closes, its body unread), or NULL when it is sound.
 */
const char *http_framing_error(const struct mg_request_info *);

/* headers.c */
/* Appends the security and CORS headers every response carries. */
void	headers_common(struct buf *, const struct http_req *);
/* Appends the preflight answer headers for an allowed origin. */
void	headers_preflight(struct buf *, int allowed_methods);

/* reply.c */
/* Sends status, headers and body with one write. */
int	reply_send(struct http_req *, int status, const char *ctype,
	    const void *body, size_t len);
const char *reply_reason(int status);
/* Closes a held file that will not be sent. */
void	reply_stream_close(struct http_req *);

/* body.c */
/*
 * Reads, checks and parses the request body into req->rq_body, or
 * answers 415/413/400/422 itself. Returns 0 to go on, -1 when answered.
 */
int	body_read_json(struct http_req *);
/* Reads and discards up to a bound of an unread body (after a 413). */
void	body_drain(struct http_req *);

/* Answers 408 for a body that broke its deadline; the connection closes. */
int	body_timed_out(struct http_req *);

/* deadline.c */
/* Starts and stops the watchdog thread (with the server). */
int	deadline_init(struct erp_err *err);
void	deadline_fini(void);
/*
 * Watches a body read from socket fd (-1: nothing to watch) from
 * start_us under kind's rule until deadline_stop, which says whether the
 * rule was broken (the socket's read side is then shut).
 */
void	deadline_start(struct deadline *, int fd, enum deadline_kind kind,
	    int64_t start_us);
/* Counts n bytes received. */
void	deadline_progress(struct deadline *, size_t n);
bool	deadline_fired(struct deadline *);
bool	deadline_stop(struct deadline *);

/* peer.c */
/* civetweb's init_connection: the connection's record. */
int	peer_open(const struct mg_connection *, void **data);
/*
 * On each request: false when the connection's address holds more than
 * ERP_CONN_PER_IP connections; it is then shut, and nothing is answered.
 */
bool	peer_admit(struct mg_connection *, const struct config *);
/* civetweb's connection_close: the count goes down again. */
void	peer_close(const struct mg_connection *);
/* The connection's socket, or -1 if it cannot be found. */
int	peer_fd(struct mg_connection *);

/* static.c */
/* Loads the files under dir into memory; 0, or -1 with err set. */
int	static_load(const char *dir, struct erp_err *err);
void	static_free(void);
/* Serves path if it is a loaded file; -1 (nothing sent) if it is not. */
int	static_serve(struct http_req *, const char *path);

/* server.c */
/* true once http_server_stop began: new requests are answered 503. */
bool	server_draining(void);

/* pipeline.c */
/* The fixed order of steps for one request (civetweb handler). */
int	pipeline_run(struct mg_connection *, void *cbdata);
/* Answers an error civetweb detected itself, in our shape. */
int	pipeline_civetweb_error(struct mg_connection *, int status,
	    const char *msg);

#endif /* ERP_CORE_HTTP_INT_H */
