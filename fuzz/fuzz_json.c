/*
 * fuzz_json: the JSON body parser (core/http/json.c) that every API body
 * goes through before anything else reads it: UTF-8, duplicate keys,
 * U+0000, the integer range and the nesting depth. A refusal must say
 * 400 or 422 with a terminated message; an accepted tree must print.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "http/json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_json_err	 err;
	cJSON			*tree;
	char			*text;

	memset(&err, 0xa5, sizeof(err));	/* unset fields show up */
	tree = http_json_parse((const char *)data, size, &err);
	if (tree == NULL) {
		if ((err.je_status != 400 && err.je_status != 422) ||
		    memchr(err.je_msg, '\0', sizeof(err.je_msg)) == NULL)
			abort();
		if (err.je_status == 422 &&
		    (memchr(err.je_field, '\0', sizeof(err.je_field)) == NULL ||
		    memchr(err.je_code, '\0', sizeof(err.je_code)) == NULL))
			abort();
		return 0;
	}
	if ((text = cJSON_PrintUnformatted(tree)) == NULL)
		abort();
	free(text);
	cJSON_Delete(tree);
	return 0;
}
