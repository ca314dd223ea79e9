/*
 * headers: what every response carries (request id, security headers,
 * CORS) and the answer to an allowed preflight. One place, so no path of
 * the server can forget them.
 */
#include <string.h>

#include "http_int.h"

/* The web UI runs under this: no inline script, nothing from elsewhere. */
#define CSP_UI	"default-src 'self'; script-src 'self'; style-src 'self'; " \
		"img-src 'self' data:; connect-src 'self'; object-src 'none'; " \
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
/* API answers are data, never a document to render. */
#define CSP_API	"default-src 'none'; frame-ancestors 'none'; sandbox"

bool
http_request_id_valid(const char *id)
{
	size_t	 i;

	for (i = 0; id[i] != '\0'; i++) {
		char	 c = id[i];

		if (i == HTTP_ID_MAX)
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return i > 0;
}

bool
http_cors_allowed(const struct config *cf, const char *origin)
{
	size_t	 i;

	if (origin == NULL)
		return false;
	for (i = 0; i < cf->cf_norigins; i++)
		if (strcmp(cf->cf_origins[i], origin) == 0)
			return true;
	return false;
}

void
headers_common(struct buf *b, const struct http_req *req)
{
	const struct config	*cf = req->rq_cf;

	buf_puts(b, "X-Request-ID: ");
	buf_puts(b, req->rq_id);
	buf_puts(b, "\r\nX-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n"
	    "Content-Security-Policy: ");
	buf_puts(b, req->rq_html ? CSP_UI : CSP_API);
	buf_puts(b, "\r\n");
	if (cf->cf_production)
		buf_puts(b, "Strict-Transport-Security: max-age=63072000; "
		    "includeSubDomains\r\n");
	if (cf->cf_norigins > 0)
		buf_puts(b, "Vary: Origin\r\n");
	if (req->rq_origin != NULL) {
		/* echoed exactly, never '*', never with credentials */
		buf_puts(b, "Access-Control-Allow-Origin: ");
		buf_puts(b, req->rq_origin);
		buf_puts(b, "\r\nAccess-Control-Expose-Headers: X-Request-ID, "
		    "Retry-After, WWW-Authenticate\r\n");
	}
}

void
headers_preflight(struct buf *b, int allowed_methods)
{
	char	 allow[128];

	router_allow_text(allowed_methods | HTTP_OPTIONS, allow, sizeof(allow));
	buf_puts(b, "Access-Control-Allow-Methods: ");
	buf_puts(b, allow);
	buf_puts(b, "\r\nAccess-Control-Allow-Headers: Authorization, "
	    "Content-Type, X-API-Key, X-Request-ID\r\n"
	    "Access-Control-Max-Age: 600\r\n");
}
