/*
 * fuzz_schema: a request body through the JSON parser and then schema
 * validation (core/policy/schema.c) against the base policy with the
 * schemas of fuzz/schemas.lua, as the pipeline runs them for a create or
 * a PATCH. The first byte picks the schema and whether it is a PATCH.
 * Every field error must carry a field, one of the contract's codes and
 * a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/base.h"
#include "http/json.h"
#include "policy/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = { "product", "order", "kinds" };
static const char *const reserved[] = {
	"id", "org_id", "created_at", "updated_at", "status", "total_cents",
	NULL
};
static const char *const codes[] = {
	"required", "type", "min", "max", "min_len", "max_len", "pattern",
	"enum", "check", "unknown"
};

static struct policy	*pol;

static void
setup(void)
{
	struct erp_err	 err;
	FILE		*f;
	char		 src[16384];
	size_t		 n;

	if (policy_engine_init(FUZZ_SOURCE_DIR "/policies/base.lua",
	    &err) == -1)
		goto fail;
	if ((f = fopen(FUZZ_SOURCE_DIR "/fuzz/schemas.lua", "r")) == NULL)
		abort();
	n = fread(src, 1, sizeof(src) - 1, f);
	fclose(f);
	src[n] = '\0';
	if (policy_engine_add_fragment("fuzz", src, &err) == -1 ||
	    (pol = policy_compile(NULL, 0, false, &err)) == NULL)
		goto fail;
	return;
fail:
	fprintf(stderr, "fuzz_schema: %s\n", err.e_msg);
	abort();
}

static bool
is_code(const char *s)
{
	size_t	 i;

	for (i = 0; i < nitems(codes); i++)
		if (strcmp(s, codes[i]) == 0)
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_json_err	 jerr;
	struct erp_err		 err;
	cJSON			*body, *fields, *e, *f, *c, *m;

	if (pol == NULL)
		setup();
	if (size < 1)
		return 0;
	body = http_json_parse((const char *)data + 1, size - 1, &jerr);
	if (body == NULL || !cJSON_IsObject(body)) {
		cJSON_Delete(body);
		return 0;
	}
	fields = cJSON_CreateArray();
	if (policy_validate(pol, types[data[0] % nitems(types)], body,
	    data[0] & 0x80, reserved, fields, &err) == 0) {
		cJSON_ArrayForEach(e, fields) {
			f = cJSON_GetObjectItem(e, "field");
			c = cJSON_GetObjectItem(e, "code");
			m = cJSON_GetObjectItem(e, "message");
			if (!cJSON_IsString(f) || !cJSON_IsString(c) ||
			    !is_code(c->valuestring) || !cJSON_IsString(m))
				abort();
		}
	}
	cJSON_Delete(fields);
	cJSON_Delete(body);
	return 0;
}
