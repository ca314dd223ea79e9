/*
 * reply: every response leaves through reply_send, which writes status
 * line, headers and body with one write (a send per header line cost
 * 60 % of the throughput here), or through http_reply_fd, which streams a
 * file in chunks after its head; and the contract's error envelope.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "db/db.h"
#include "http_int.h"

const char *
reply_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default:  return status < 400 ? "OK" : "Error";
	}
}

/* Whether civetweb will keep this connection open after the reply. */
static bool
keep_alive(const struct http_req *req)
{
	const char	*c;

	if (req->rq_close || req->rq_info == NULL)
		return false;
	c = mg_get_header(req->rq_conn, "Connection");
	if (c != NULL)
		return strcasestr(c, "keep-alive") != NULL;
	return req->rq_info->http_version != NULL &&
	    strcmp(req->rq_info->http_version, "1.1") == 0;
}

/* Frees b, first wiping it if the reply carried a secret. */
static void
wipe(const struct http_req *req, struct buf *b)
{
	if (req->rq_secret && b->b_data != NULL)
		sodium_memzero(b->b_data, b->b_cap);
	buf_free(b);
}

#define STREAM_CHUNK	(64 * 1024)	/* bytes of a file read and sent at once */

/* Appends status line and headers for a body of len bytes to b. */
static void
reply_head(struct http_req *req, struct buf *b, int status,
    const char *ctype, int64_t len)
{
	buf_puts(b, "HTTP/1.1 ");
	buf_int(b, status);
	buf_append(b, " ", 1);
	buf_puts(b, reply_reason(status));
	if (ctype != NULL) {
		buf_puts(b, "\r\nContent-Type: ");
		buf_puts(b, ctype);
	}
	if (status != 204 && status != 304) {
		buf_puts(b, "\r\nContent-Length: ");
		buf_int(b, len);
	}
	buf_puts(b, "\r\nCache-Control: ");
	buf_puts(b, req->rq_cache ? req->rq_cache : "no-store");
	buf_puts(b, keep_alive(req) ? "\r\nConnection: keep-alive\r\n" :
	    "\r\nConnection: close\r\n");
	headers_common(b, req);
	if (req->rq_headers.b_len > 0)
		buf_append(b, req->rq_headers.b_data, req->rq_headers.b_len);
	buf_append(b, "\r\n", 2);
}

static bool
no_body(const struct http_req *req, int status)
{
	return req->rq_method == HTTP_HEAD || status == 204 || status == 304;
}

int
reply_send(struct http_req *req, int status, const char *ctype,
    const void *body, size_t len)
{
	struct buf	 b = { 0 };
	bool		 nobody;
	int		 rc;

	if (req->rq_status != 0)
		return -1;		/* one reply per request */
	req->rq_status = status;
	nobody = no_body(req, status);
	buf_reserve(&b, 1024 + (nobody ? 0 : len));
	reply_head(req, &b, status, ctype, (int64_t)len);
	if (!nobody && len > 0)
		buf_append(&b, body, len);
	req->rq_bytes_out = (int64_t)b.b_len;
	if (req->rq_defer) {
		/* held until the request's transaction commits */
		buf_free(&req->rq_deferred);
		req->rq_deferred = b;
		return status;
	}
	db_release();		/* no worker waits for the client to read */
	rc = mg_write(req->rq_conn, b.b_data, b.b_len);
	wipe(req, &b);
	return rc > 0 ? status : -1;
}

/*
 * Sends the rest of the held file. No worker waits on the client
 * meanwhile. A file that ends early or fails to read cuts the connection:
 * its length was promised.
 */
static int
stream(struct http_req *req)
{
	char	*chunk;
	int64_t	 left = req->rq_stream_len;
	ssize_t	 n;
	int	 rc = 0;

	db_release();
	chunk = xmalloc(STREAM_CHUNK);
	while (left > 0) {
		n = read(req->rq_stream_fd, chunk, left < STREAM_CHUNK ?
		    (size_t)left : STREAM_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || mg_write(req->rq_conn, chunk, (size_t)n) <= 0) {
			if (n <= 0)
				log_msg(LOG_ERROR, req->rq_id, "a streamed "
				    "file ended %lld bytes early",
				    (long long)left);
			req->rq_close = true;
			rc = -1;
			break;
		}
		left -= n;
		req->rq_bytes_out += n;
	}
	free(chunk);
	reply_stream_close(req);
	return rc;
}

void
reply_stream_close(struct http_req *req)
{
	if (req->rq_stream_fd != -1)
		close(req->rq_stream_fd);
	req->rq_stream_fd = -1;
	req->rq_stream_len = 0;
}

int
http_reply_fd(struct http_req *req, int status, const char *ctype, int fd,
    int64_t len)
{
	struct buf	 b = { 0 };
	int		 rc;

	if (req->rq_status != 0) {
		close(fd);
		return -1;
	}
	req->rq_status = status;
	reply_head(req, &b, status, ctype, len);
	req->rq_bytes_out = (int64_t)b.b_len;
	req->rq_stream_fd = fd;
	req->rq_stream_len = no_body(req, status) ? 0 : len;
	if (req->rq_defer) {
		/* head and file held until the request's transaction commits */
		buf_free(&req->rq_deferred);
		req->rq_deferred = b;
		return status;
	}
	db_release();
	rc = mg_write(req->rq_conn, b.b_data, b.b_len);
	buf_free(&b);
	if (rc <= 0) {
		reply_stream_close(req);
		return -1;
	}
	return stream(req) == 0 ? status : -1;
}

void
http_reply_secret(struct http_req *req)
{
	req->rq_secret = true;
}

void
http_reply_defer(struct http_req *req)
{
	req->rq_defer = true;
}

int
http_reply_flush(struct http_req *req)
{
	int	 rc;

	req->rq_defer = false;
	if (req->rq_deferred.b_len == 0)
		return 0;
	db_release();
	rc = mg_write(req->rq_conn, req->rq_deferred.b_data,
	    req->rq_deferred.b_len);
	wipe(req, &req->rq_deferred);
	if (rc <= 0) {
		reply_stream_close(req);
		return -1;
	}
	return req->rq_stream_fd != -1 ? stream(req) : 0;
}

void
http_reply_discard(struct http_req *req)
{
	req->rq_defer = false;
	wipe(req, &req->rq_deferred);
	reply_stream_close(req);
	buf_reset(&req->rq_headers);
	req->rq_status = 0;
	req->rq_bytes_out = 0;
}

int
http_status(const struct http_req *req)
{
	return req->rq_status;
}

int
http_add_header(struct http_req *req, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return -1;
	buf_puts(&req->rq_headers, name);
	buf_append(&req->rq_headers, ": ", 2);
	buf_puts(&req->rq_headers, value);
	buf_append(&req->rq_headers, "\r\n", 2);
	return 0;
}

int
http_reply_json(struct http_req *req, int status, cJSON *body)
{
	char	*text;
	int	 rc;

	text = body ? cJSON_PrintUnformatted(body) : NULL;
	cJSON_Delete(body);
	if (text == NULL)
		return http_reply_error(req, 500, "internal",
		    "internal error");
	rc = reply_send(req, status, "application/json", text, strlen(text));
	if (req->rq_secret)
		sodium_memzero(text, strlen(text));
	cJSON_free(text);
	return rc;
}

int
http_reply_raw(struct http_req *req, int status, const char *ctype,
    const void *body, size_t len)
{
	return reply_send(req, status, ctype, body, len);
}

int
http_reply_raw_json(struct http_req *req, int status, const char *json,
    size_t len)
{
	return reply_send(req, status, "application/json", json, len);
}

int
http_reply_empty(struct http_req *req, int status)
{
	return reply_send(req, status, NULL, NULL, 0);
}

int
http_reply_fields(struct http_req *req, int status, const char *code,
    const char *message, cJSON *fields)
{
	struct buf	 b = { 0 };
	char		*ftext = NULL;
	int		 rc;

	buf_puts(&b, "{\"error\":{\"code\":");
	buf_json_str(&b, code, strlen(code));
	buf_puts(&b, ",\"message\":");
	buf_json_str(&b, message, strlen(message));
	buf_puts(&b, ",\"request_id\":");
	buf_json_str(&b, req->rq_id, strlen(req->rq_id));
	if (fields != NULL && (ftext = cJSON_PrintUnformatted(fields)) != NULL) {
		buf_puts(&b, ",\"fields\":");
		buf_puts(&b, ftext);
		cJSON_free(ftext);
	}
	cJSON_Delete(fields);
	buf_puts(&b, "}}");
	rc = reply_send(req, status, "application/json", b.b_data, b.b_len);
	buf_free(&b);
	return rc;
}

int
http_reply_error(struct http_req *req, int status, const char *code,
    const char *message)
{
	return http_reply_fields(req, status, code, message, NULL);
}

int
http_reply_field_error(struct http_req *req, int status, const char *code,
    const char *message, const char *field, const char *field_code,
    const char *field_message)
{
	cJSON	*fields, *f;

	fields = cJSON_CreateArray();
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "field", field);
	cJSON_AddStringToObject(f, "code", field_code);
	cJSON_AddStringToObject(f, "message", field_message);
	cJSON_AddItemToArray(fields, f);
	return http_reply_fields(req, status, code, message, fields);
}
