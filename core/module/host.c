/*
 * host: the function table modules call (include/erp/module.h), and the
 * wrapper every module route runs in: a transaction around the handler,
 * the reply held until the commit, so a client never sees a success that
 * was rolled back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "api/api.h"
#include "audit/audit.h"
#include "db/db.h"
#include "host_int.h"

#define REQ(r)	((struct http_req *)(void *)(r))

/*
 * The joints of the ABI, checked by the compiler: the module's method
 * values are the router's, and the host table of each minor version has
 * the size its modules were built against (a member added without a
 * minor bump, or one removed, stops the build here).
 */
_Static_assert(ERP_GET == HTTP_GET && ERP_POST == HTTP_POST &&
    ERP_PUT == HTTP_PUT && ERP_PATCH == HTTP_PATCH &&
    ERP_DELETE == HTTP_DELETE, "module methods are the router's");
_Static_assert(ERP_ABI_MAJOR == 2 && ERP_ABI_MINOR == 3,
    "a new ABI version pins its host table size below");
/*
 * 2.0: 39 members; 2.1 added none (it added tx_subscriptions), nor did
 * 2.2 (it added a route's query); 2.3 added reply_page (and rows)
 */
_Static_assert(sizeof(struct erp_host) == 2 * sizeof(uint32_t) +
    40 * sizeof(void (*)(void)), "struct erp_host of ABI 2.3: 40 members");
_Static_assert(offsetof(struct erp_module, tx_subscriptions) ==
    offsetof(struct erp_module, init) + sizeof(void (*)(void)) &&
    offsetof(struct erp_module, rows) ==
    offsetof(struct erp_module, tx_subscriptions) + sizeof(void *),
    "each minor version's descriptor members follow the last ones");
_Static_assert(offsetof(struct erp_host, size) == 0 &&
    offsetof(struct erp_module, abi_major) == 0 &&
    offsetof(struct erp_module, abi_minor) == 4 &&
    offsetof(struct erp_module, size) == 8,
    "the version fields open the descriptor and the table, forever");

struct erp_host		 module_host;
static const struct config *host_cf;
static struct {
	char	*name;
	char	*dir;
} dirs[MODULES_MAX];
static size_t		 ndirs;

static const char *
h_param(struct erp_req *r, const char *name)
{
	return http_param(REQ(r), name);
}

static int64_t
h_param_id(struct erp_req *r, const char *name)
{
	return api_param_id(REQ(r), name);
}

static int
h_query(struct erp_req *r, const char *name, char *out, size_t outlen)
{
	return http_query(REQ(r), name, out, outlen);
}

static int
h_page(struct erp_req *r, int64_t *limit, int64_t *offset)
{
	return api_page(REQ(r), limit, offset);
}

static const cJSON *
h_body(struct erp_req *r)
{
	return http_body(REQ(r));
}

static const cJSON *
h_attrs(struct erp_req *r)
{
	return http_attrs(REQ(r));
}

static int64_t
h_org(struct erp_req *r)
{
	return http_org(REQ(r));
}

static int64_t
h_subject_id(struct erp_req *r)
{
	const struct auth_subject	*s = http_subject(REQ(r));

	return s ? s->su_user_id : 0;
}

static const char *
h_role(struct erp_req *r)
{
	return http_role(REQ(r));
}

static const char *
h_header(struct erp_req *r, const char *name)
{
	return http_header(REQ(r), name);
}

static const char *
h_request_id(struct erp_req *r)
{
	return http_request_id(REQ(r));
}

/*
 * Every record a module answers with passes here: what the policy's
 * redact rule hides from the caller is left out (reads, lists and the
 * record echoed after a write alike).
 */
static int
h_reply_json(struct erp_req *r, int status, cJSON *body)
{
	const struct erp_route	*rt = http_route_arg(REQ(r));
	const char		*colon;
	char			 type[64];

	if (status < 300 && rt->permission != NULL &&
	    (colon = strchr(rt->permission, ':')) != NULL) {
		snprintf(type, sizeof(type), "%.*s",
		    (int)(colon - rt->permission), rt->permission);
		if (http_redact(REQ(r), type, body) == -1) {
			cJSON_Delete(body);
			return http_reply_error(REQ(r), 403, "forbidden",
			    "denied: the policy failed");
		}
	}
	return http_reply_json(REQ(r), status, body);
}

static int
h_reply_empty(struct erp_req *r, int status)
{
	return http_reply_empty(REQ(r), status);
}

/* Content-Disposition: attachment, with the name made safe as a label. */
static void
disposition(struct http_req *req, const char *filename)
{
	struct buf	 cd = { 0 };
	size_t		 i;

	/* an attachment, never rendered; the name is a label, made safe */
	buf_puts(&cd, "attachment; filename=\"");
	for (i = 0; filename != NULL && filename[i] != '\0' && i < 200; i++) {
		unsigned char	 c = (unsigned char)filename[i];

		buf_append(&cd, c < 0x20 || c >= 0x7f || c == '"' ||
		    c == '\\' || c == ';' ? "_" : (const char *)&c, 1);
	}
	buf_puts(&cd, "\"");
	/* the real name too, UTF-8 percent-encoded (RFC 6266, 8187) */
	if (filename != NULL && utf8_valid(filename, strlen(filename))) {
		static const char	 hex[] = "0123456789ABCDEF";

		buf_puts(&cd, "; filename*=UTF-8''");
		for (i = 0; i < 800 && filename[i] != '\0'; i++) {
			unsigned char	 c = (unsigned char)filename[i];

			if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
				buf_append(&cd, (const char *)&c, 1);
			else {
				char	 e[3] = { '%', hex[c >> 4], hex[c & 15] };

				buf_append(&cd, e, 3);
			}
		}
	}
	http_add_header(req, "Content-Disposition", cd.b_data);
	http_add_header(req, "X-Download-Options", "noopen");
	buf_free(&cd);
}

/*
 * A download streamed from fd in chunks (http_reply_fd): the file is
 * never held in memory, and no worker waits while it goes out.
 */
static int
h_reply_fd(struct erp_req *r, const char *ctype, const char *filename,
    int fd, int64_t size)
{
	struct http_req	*req = REQ(r);

	if (fd < 0 || size < 0) {
		log_msg(LOG_ERROR, http_request_id(req), "module: a download "
		    "without a file");
		if (fd >= 0)
			close(fd);
		return http_reply_error(req, 500, "internal", "internal error");
	}
	disposition(req, filename);
	return http_reply_fd(req, 200, ctype, fd, size);
}

static int
h_fail(struct erp_req *r, enum erp_error e, const char *field,
    const char *message)
{
	struct http_req	*req = REQ(r);

	/* an in-transaction subscriber's refusal replaces the held success */
	if (host_in_tx_subscriber() && http_status(req) < 400) {
		http_reply_discard(req);
		http_reply_defer(req);
	}
	switch (e) {
	case ERP_E_BAD_REQUEST:
		return http_reply_error(req, 400, "malformed_json", message);
	case ERP_E_FORBIDDEN:
		return http_reply_error(req, 403, "forbidden", message);
	case ERP_E_NOT_FOUND:
		return http_reply_error(req, 404, "not_found", message);
	case ERP_E_CONFLICT:
		if (field != NULL)
			return http_reply_field_error(req, 409, "conflict",
			    message, field, "check", message);
		return http_reply_error(req, 409, "conflict", message);
	case ERP_E_TOO_LARGE:
		return http_reply_error(req, 413, "payload_too_large",
		    message);
	case ERP_E_PRECONDITION:
		return http_reply_error(req, 412, "precondition_failed",
		    message);
	case ERP_E_MEDIA_TYPE:
		return http_reply_error(req, 415, "unsupported_media_type",
		    message);
	case ERP_E_VALIDATION:
		return http_reply_field_error(req, 422, "validation_failed",
		    "the body breaks the validation rules", field ? field : "",
		    "check", message);
	default:
		log_msg(LOG_ERROR, http_request_id(req), "module: %s",
		    message ? message : "internal error");
		return http_reply_error(req, 500, "internal",
		    "internal error");
	}
}

static int
h_add_header(struct erp_req *r, const char *name, const char *value)
{
	return http_add_header(REQ(r), name, value);
}

static int
h_audit_org(struct erp_req *r, int64_t org, const char *action,
    const char *type, int64_t id, cJSON *details)
{
	struct audit_event	 ev;
	char			 rid[24];
	int			 rc;

	/* a GET or a raw body takes the write lock only now */
	if (host_write_now() == -1) {
		cJSON_Delete(details);
		return -1;
	}
	api_event_init(&ev, REQ(r), action, "success");
	ev.ae_org_id = org;
	ev.ae_resource_type = type;
	if (id > 0) {
		snprintf(rid, sizeof(rid), "%lld", (long long)id);
		ev.ae_resource_id = rid;
	}
	ev.ae_details = details;
	rc = api_append(&ev);
	cJSON_Delete(details);
	return rc;
}

static int
h_audit(struct erp_req *r, const char *action, const char *type,
    int64_t id, cJSON *details)
{
	return h_audit_org(r, http_org(REQ(r)), action, type, id, details);
}

static int
h_allowed(struct erp_req *r, const char *action, const cJSON *attrs)
{
	return http_allowed(REQ(r), action, attrs);
}

static int64_t
h_body_length(struct erp_req *r)
{
	return http_body_length(REQ(r));
}

static int
h_read(struct erp_req *r, void *buf, size_t len)
{
	return http_read(REQ(r), buf, len);
}

static int64_t
h_upload_max(void)
{
	return host_cf->cf_upload_max;
}

static int64_t
h_link_ttl(void)
{
	return host_cf->cf_link_ttl;
}

static int
h_derive_key(const char *purpose, unsigned char *out, size_t len)
{
	unsigned char	 base[32];
	int		 rc;

	if (purpose == NULL || len < 16 || len > 64)
		return -1;
	/* modules' keys: one subkey, then keyed by the purpose's label */
	if (config_derive_key(host_cf, CONFIG_KEY_LINKS, base,
	    sizeof(base)) == -1)
		return -1;
	rc = crypto_generichash(out, len, (const unsigned char *)purpose,
	    strlen(purpose), base, sizeof(base));
	sodium_memzero(base, sizeof(base));
	return rc == 0 ? 0 : -1;
}

static const char *
h_data_dir(const char *module)
{
	size_t	 i;

	for (i = 0; module != NULL && i < ndirs; i++)
		if (strcmp(dirs[i].name, module) == 0)
			return dirs[i].dir;
	return NULL;
}

static void
h_log(struct erp_req *r, enum erp_log_level level, const char *message)
{
	log_msg(level == ERP_LOG_ERROR ? LOG_ERROR : level == ERP_LOG_WARN ?
	    LOG_WARN : LOG_INFO, r ? http_request_id(REQ(r)) : NULL,
	    "module: %s", message);
}

static int64_t
h_now(void)
{
	return time_now();
}

static void
h_time_text(int64_t when, char out[21])
{
	time_t		 t = (time_t)when;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
host_module_dir(const char *name, struct erp_err *err)
{
	struct buf	 b = { 0 };

	if (ndirs == MODULES_MAX)
		return -1;
	buf_printf(&b, "%s/modules/%s", host_cf->cf_data_dir, name);
	if (fs_mkdirs(b.b_data, 0700) == -1) {
		err_set(err, "module %s: cannot create %s: %s", name, b.b_data,
		    strerror(errno));
		buf_free(&b);
		return -1;
	}
	dirs[ndirs].name = xstrdup(name);
	dirs[ndirs].dir = b.b_data;
	ndirs++;
	return 0;
}

void
host_init(const struct config *cf)
{
	struct erp_host	*h = &module_host;

	host_cf = cf;
	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h);
	h->abi_minor = ERP_ABI_MINOR;
	h->param = h_param;
	h->param_id = h_param_id;
	h->query = h_query;
	h->page = h_page;
	h->body = h_body;
	h->attrs = h_attrs;
	h->org = h_org;
	h->subject_id = h_subject_id;
	h->role = h_role;
	h->header = h_header;
	h->request_id = h_request_id;
	h->sql = host_sql;
	h->sql_int = host_sql_int;
	h->sql_text = host_sql_text;
	h->sql_step = host_sql_step;
	h->sql_col_int = host_sql_col_int;
	h->sql_col_text = host_sql_col_text;
	h->sql_reset = host_sql_reset;
	h->last_insert_id = host_last_insert_id;
	h->changes = host_changes;
	h->tx = host_tx;
	h->reply_json = h_reply_json;
	h->reply_empty = h_reply_empty;
	h->reply_fd = h_reply_fd;
	h->fail = h_fail;
	h->add_header = h_add_header;
	h->audit = h_audit;
	h->audit_org = h_audit_org;
	h->allowed = h_allowed;
	h->body_length = h_body_length;
	h->read = h_read;
	h->upload_max = h_upload_max;
	h->link_ttl = h_link_ttl;
	h->derive_key = h_derive_key;
	h->data_dir = h_data_dir;
	h->log = h_log;
	h->now = h_now;
	h->time_text = h_time_text;
	h->emit = host_emit;
	h->reply_page = host_reply_page;
}

int
host_dispatch(struct http_req *req)
{
	const struct erp_route	*rt = http_route_arg(req);
	bool			 write = rt->method != ERP_GET;
	bool			 raw = (rt->flags & ERP_ROUTE_RAW_BODY) != 0;
	int			 status;

	/*
	 * Reads see one snapshot; writes hold the write lock throughout,
	 * except that a raw body (an upload, however slow) is read first.
	 */
	host_sql_lazy_write(write && raw);
	if ((write && !raw ? (db_tx_writing() ? 0 : db_tx_begin()) :
	    db_tx_begin_read()) == -1)
		return http_reply_error(req, 500, "internal", "internal error");
	http_reply_defer(req);
	rt->handler((struct erp_req *)(void *)req);
	status = http_status(req);
	if (status == 0) {
		log_msg(LOG_ERROR, http_request_id(req), "module handler for "
		    "%s replied nothing", rt->path);
		status = 500;
	}
	/* in-transaction subscribers may still refuse (their answer stands) */
	if (status < 400 && host_events_check(req) == -1)
		status = http_status(req);
	host_sql_lazy_write(false);
	if (status >= 400 || host_tx_commit() == -1) {
		db_tx_rollback();
		host_events_drop();	/* nothing happened to tell about */
		if (status < 400) {
			/* the commit failed: the success never happened */
			http_reply_discard(req);
			http_reply_error(req, 500, "internal",
			    "internal error");
		} else if (http_status(req) == 0)
			http_reply_error(req, 500, "internal",
			    "internal error");
	}
	/*
	 * Committed (or dropped above): the subscribers hear of it, each in
	 * its own transaction, before the client has its answer, so what it
	 * reads next already shows their work.
	 */
	host_events_deliver(req);
	http_reply_flush(req);
	return http_status(req);
}
