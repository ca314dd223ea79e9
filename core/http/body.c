/*
 * body: the content-type, size and JSON steps of the pipeline. The size is
 * checked before reading (Content-Length) and while reading (chunked), and
 * an oversize body is drained up to a bound of bytes and time after the
 * 413 so the client reads the answer instead of a connection reset. A
 * body has DEADLINE_BODY_US from the end of its headers to arrive whole.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"
#include "json.h"

#define DRAIN_MAX	(8 * 1024 * 1024)	/* bytes thrown away at most */

/* application/json, optionally with charset=utf-8 and nothing else. */
static bool
is_json_type(const char *ct)
{
	const char	*p;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return false;
	p = ct + 16;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return true;
	if (*p++ != ';')
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "charset=", 8) != 0)
		return false;
	p += 8;
	if (*p == '"')
		p++;
	if (strncasecmp(p, "utf-8", 5) != 0)
		return false;
	p += 5;
	if (*p == '"')
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0';
}

static bool
is_chunked(const struct http_req *req)
{
	const char	*te = mg_get_header(req->rq_conn, "Transfer-Encoding");

	return te != NULL && strcasestr(te, "chunked") != NULL;
}

void
body_drain(struct http_req *req)
{
	struct deadline	 dl;
	char		 sink[16384];
	size_t		 total = 0;
	int		 n;

	deadline_start(&dl, peer_fd(req->rq_conn), DEADLINE_WHOLE,
	    time_mono_us());
	while (total < DRAIN_MAX &&
	    (n = mg_read(req->rq_conn, sink, sizeof(sink))) > 0)
		total += (size_t)n;
	deadline_stop(&dl);
}

int
body_timed_out(struct http_req *req)
{
	req->rq_close = true;
	log_msg(LOG_INFO, req->rq_id, "request body too slow: cut");
	return http_reply_error(req, 408, "request_timeout",
	    "the request body came too slowly");
}

static int
too_large(struct http_req *req, bool drain)
{
	int	 rc;

	req->rq_close = true;
	rc = http_reply_error(req, 413, "payload_too_large",
	    "request body exceeds the limit");
	if (drain)
		body_drain(req);
	return rc;
}

int
body_read_json(struct http_req *req)
{
	struct http_json_err	 jerr;
	struct deadline		 dl;
	const char		*expect;
	char			*data;
	long long		 clen = req->rq_info->content_length;
	int64_t			 max = req->rq_cf->cf_max_body;
	size_t			 got = 0, cap;
	bool			 chunked = is_chunked(req);
	int			 n;

	if (clen <= 0 && !chunked)
		return 0;		/* no body: no content type needed */
	if (!is_json_type(mg_get_header(req->rq_conn, "Content-Type"))) {
		req->rq_close = true;
		http_reply_error(req, 415, "unsupported_media_type",
		    "request bodies must be application/json");
		body_drain(req);
		return -1;
	}
	expect = mg_get_header(req->rq_conn, "Expect");
	if (!chunked && clen > max) {
		/* a client waiting for 100 Continue never sends the body */
		too_large(req, expect == NULL);
		return -1;
	}
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0)
		mg_write(req->rq_conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);

	cap = chunked ? 4096 : (size_t)clen;
	data = xmalloc(cap + 1);
	deadline_start(&dl, peer_fd(req->rq_conn), DEADLINE_WHOLE,
	    req->rq_start_us);
	for (;;) {
		if (got == cap) {
			if (!chunked)
				break;
			cap = cap * 2 > (size_t)max + 1 ? (size_t)max + 1 :
			    cap * 2;
			data = xrealloc(data, cap + 1);
		}
		n = mg_read(req->rq_conn, data + got, cap - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got > (size_t)max)
			break;
	}
	if (deadline_stop(&dl)) {
		free(data);
		body_timed_out(req);
		return -1;
	}
	if (got > (size_t)max) {
		free(data);
		too_large(req, true);
		return -1;
	}
	if (!chunked && got < (size_t)clen) {
		free(data);
		req->rq_close = true;
		http_reply_error(req, 400, "malformed_json",
		    "request body ended early");
		return -1;
	}
	req->rq_body = http_json_parse(data, got, &jerr);
	free(data);
	if (req->rq_body != NULL)
		return 0;
	if (jerr.je_status == 422)
		http_reply_field_error(req, 422, "validation_failed",
		    "the body breaks the validation rules", jerr.je_field,
		    jerr.je_code, jerr.je_msg);
	else
		http_reply_error(req, 400, "malformed_json", jerr.je_msg);
	return -1;
}
