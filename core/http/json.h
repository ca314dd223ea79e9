/*
 * json: turning a request body into a cJSON tree, refusing what cJSON alone
 * would accept: invalid UTF-8, duplicate object keys, U+0000 in strings,
 * integers outside +-(2^53 - 1), and nesting deeper than HTTP_JSON_DEPTH.
 * Internal to http/.
 */
#ifndef ERP_CORE_HTTP_JSON_H
#define ERP_CORE_HTTP_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define HTTP_JSON_DEPTH		64

/* Why a body was refused. */
struct http_json_err {
	int	 je_status;	/* 400 (malformed_json) or 422 */
	char	 je_field[128];	/* 422: path like "lines[1].quantity" */
	char	 je_code[16];	/* 422: field code, "type" or "min"/"max" */
	char	 je_msg[160];	/* for humans, no input echoed back */
};

/*
 * Parses len bytes at buf (need not be NUL-terminated). Returns a tree the
 * caller frees with cJSON_Delete, or NULL with err filled:
 * 400 for bad UTF-8, bad JSON, a duplicate key (at any depth), a key
 * holding U+0000 or too deep a nesting; 422 with the field's path for a
 * string value holding U+0000 (code "type") or an integer literal outside
 * +-(2^53 - 1) (code "max" or "min").
 */
cJSON	*http_json_parse(const char *buf, size_t len, struct http_json_err *err);

#endif /* ERP_CORE_HTTP_JSON_H */
