/* Tests for core/http/shape.c: the shape notation as JSON Schema. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "http/http.h"
#include "suites.h"

/* The schema of text, printed without blanks. */
static char *
schema(const char *text)
{
	struct erp_err	 err;
	cJSON		*o = http_shape_schema(text, &err);
	char		*s;

	ck_assert_msg(o != NULL, "%s: %s", text, err.e_msg);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void
expect(const char *text, const char *json)
{
	char	*got = schema(text);

	ck_assert_msg(strcmp(got, json) == 0, "%s\n -> %s\n not %s", text, got,
	    json);
	free(got);
}

START_TEST(test_shapes)
{
	expect("string", "{\"type\":\"string\"}");
	expect("time", "{\"type\":\"string\",\"format\":\"date-time\"}");
	expect("any", "{}");
	expect("integer|null", "{\"type\":[\"integer\",\"null\"]}");
	expect("'bearer'", "{\"type\":\"string\",\"const\":\"bearer\"}");
	expect("[string]", "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}");
	expect("$product",
	    "{\"$ref\":\"#/components/schemas/product\"}");
	expect("$product|null", "{\"anyOf\":[{\"$ref\":"
	    "\"#/components/schemas/product\"},{\"type\":\"null\"}]}");
	expect(" { id : integer , name? : string } ",
	    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":"
	    "\"integer\"},\"name\":{\"type\":\"string\"}},\"required\":"
	    "[\"id\"],\"additionalProperties\":false}");
	expect("{a?: boolean, ...}", "{\"type\":\"object\",\"properties\":"
	    "{\"a\":{\"type\":\"boolean\"}},\"additionalProperties\":true}");
	expect("{...}", "{\"type\":\"object\"}");
	expect("{}", "{\"type\":\"object\",\"properties\":{},"
	    "\"additionalProperties\":false}");
	expect("page(integer)", "{\"type\":\"object\",\"properties\":{"
	    "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}},"
	    "\"total\":{\"type\":\"integer\"},\"limit\":{\"type\":"
	    "\"integer\"},\"offset\":{\"type\":\"integer\"}},\"required\":"
	    "[\"items\",\"total\",\"limit\",\"offset\"],"
	    "\"additionalProperties\":false}");
}
END_TEST

START_TEST(test_refusals_name_the_offset)
{
	static const char *const bad[] = {
		"", "str", "{id integer}", "{id: integer", "[string",
		"page(string", "$", "'open", "{a: string, a: integer}",
		"string extra", "{: string}",
		"[[[[[[[[[[[[[[[[[[string]]]]]]]]]]]]]]]]]]",
	};
	struct erp_err	 err;
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		ck_assert_msg(http_shape_schema(bad[i], &err) == NULL,
		    "accepted: %s", bad[i]);
		ck_assert_msg(strstr(err.e_msg, "at offset") != NULL, "%s",
		    err.e_msg);
	}
}
END_TEST

Suite *
http_shape_suite(void)
{
	Suite	*s = suite_create("http_shape");
	TCase	*tc = tcase_create("shape");

	tcase_add_test(tc, test_shapes);
	tcase_add_test(tc, test_refusals_name_the_offset);
	suite_add_tcase(s, tc);
	return s;
}
