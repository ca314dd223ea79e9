/*
 * input: checking built-in endpoints' bodies and list parameters, with
 * every broken field reported in one 422 (docs/api.md).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int
api_internal(struct http_req *req)
{
	return http_reply_error(req, 500, "internal", "internal error");
}

void
api_json_text(cJSON *o, const char *name, struct db_stmt *st, int col)
{
	const char	*t = db_col_text(st, col);

	if (t != NULL)
		cJSON_AddStringToObject(o, name, t);
	else
		cJSON_AddNullToObject(o, name);
}

void
api_add_field(cJSON *fields, const char *field, const char *code,
    const char *message)
{
	cJSON	*f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "field", field);
	cJSON_AddStringToObject(f, "code", code);
	cJSON_AddStringToObject(f, "message", message);
	cJSON_AddItemToArray(fields, f);
}

static bool
type_ok(const cJSON *v, enum http_type t)
{
	switch (t) {
	case HTTP_T_STRING:
		return cJSON_IsString(v);
	case HTTP_T_BOOL:
		return cJSON_IsBool(v);
	case HTTP_T_INT:
		return cJSON_IsNumber(v) &&
		    v->valuedouble == (double)(int64_t)v->valuedouble;
	}
	return false;
}

static const char *
type_name(enum http_type t)
{
	switch (t) {
	case HTTP_T_STRING:
		return "must be a string";
	case HTTP_T_BOOL:
		return "must be a boolean";
	case HTTP_T_INT:
		return "must be an integer";
	}
	return "has the wrong type";
}

int
api_check_body(struct http_req *req, const struct http_field *spec,
    size_t n, bool patch)
{
	const cJSON	*body = http_body(req), *v;
	cJSON		*fields = cJSON_CreateArray();
	char		 msg[64];
	size_t		 i;

	if (!cJSON_IsObject(body)) {
		api_add_field(fields, "", "type", "the body must be a JSON object");
		goto fail;
	}
	cJSON_ArrayForEach(v, body) {
		for (i = 0; i < n; i++)
			if (strcmp(v->string, spec[i].hf_name) == 0)
				break;
		if (i == n)
			api_add_field(fields, v->string, "unknown",
			    "is not a known field");
	}
	for (i = 0; i < n; i++) {
		v = cJSON_GetObjectItemCaseSensitive(body, spec[i].hf_name);
		if (v == NULL) {
			if (spec[i].hf_required && !patch)
				api_add_field(fields, spec[i].hf_name, "required",
				    "is required");
			continue;
		}
		if (!type_ok(v, spec[i].hf_type)) {
			api_add_field(fields, spec[i].hf_name, "type",
			    type_name(spec[i].hf_type));
			continue;
		}
		if (spec[i].hf_type == HTTP_T_STRING && spec[i].hf_max_len > 0 &&
		    utf8_count(v->valuestring, strlen(v->valuestring)) >
		    spec[i].hf_max_len) {
			snprintf(msg, sizeof(msg), "must be at most %zu "
			    "characters", spec[i].hf_max_len);
			api_add_field(fields, spec[i].hf_name, "max_len", msg);
		}
	}
	if (cJSON_GetArraySize(fields) == 0) {
		cJSON_Delete(fields);
		return 0;
	}
fail:
	http_reply_fields(req, 422, "validation_failed",
	    "the body breaks the validation rules", fields);
	return -1;
}

int
api_field_error(struct http_req *req, const char *field, const char *code,
    const char *message)
{
	http_reply_field_error(req, 422, "validation_failed",
	    "the body breaks the validation rules", field, code, message);
	return -1;
}

static int
query_int(struct http_req *req, const char *name, int64_t dflt, int64_t min,
    int64_t max, int64_t *out)
{
	char		 buf[32], *end, msg[80];
	long long	 v;
	int		 got;

	if ((got = http_query(req, name, buf, sizeof(buf))) == -1) {
		*out = dflt;
		return 0;
	}
	if (got == -2)
		buf[0] = 'x';		/* too long: refused below */
	errno = 0;
	v = strtoll(buf, &end, 10);
	/* digits only (a '-' for the error): no "+5", " 5" or "0x5" */
	if (!(isdigit((unsigned char)buf[0]) || (buf[0] == '-' &&
	    isdigit((unsigned char)buf[1]))) || *end != '\0' || errno != 0 ||
	    v < min || v > max) {
		snprintf(msg, sizeof(msg), "must be an integer from %lld to "
		    "%lld", (long long)min, (long long)max);
		http_reply_field_error(req, 422, "validation_failed",
		    "invalid query parameter", name, v > max ? "max" : "min",
		    msg);
		return -1;
	}
	*out = v;
	return 0;
}

int
api_page(struct http_req *req, int64_t *limit, int64_t *offset)
{
	if (query_int(req, "limit", API_LIMIT_DEFAULT, 1, API_LIMIT_MAX,
	    limit) == -1)
		return -1;
	return query_int(req, "offset", 0, 0, (INT64_C(1) << 53) - 1, offset);
}

cJSON *
api_page_new(cJSON *items, int64_t total, int64_t limit, int64_t offset)
{
	cJSON	*page = cJSON_CreateObject();

	cJSON_AddItemToObject(page, "items", items);
	api_json_int(page, "total", total);
	api_json_int(page, "limit", limit);
	api_json_int(page, "offset", offset);
	return page;
}

int64_t
api_param_id(const struct http_req *req, const char *name)
{
	const char	*s = http_param(req, name);
	char		*end;
	long long	 v;

	if (s == NULL || *s < '1' || *s > '9' || strlen(s) > 18)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return (*end != '\0' || errno != 0) ? -1 : v;
}

void
api_json_int(cJSON *o, const char *name, int64_t v)
{
	char	 text[24];

	/* cJSON keeps doubles and prints 15 digits: ids must stay exact */
	snprintf(text, sizeof(text), "%lld", (long long)v);
	cJSON_AddItemToObject(o, name, cJSON_CreateRaw(text));
}
