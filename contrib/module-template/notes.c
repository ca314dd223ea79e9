/*
 * notes: a sample erpd feature module, a place to start your own. A note
 * of an organization is declared below (its fields, which of them ?q=
 * searches, which filter and sort a list) and the host serves it under
 * /api/v1/orgs/{org}/notes: list, get, create, update and delete, with
 * validation from the fields, the policy's decision, ETags, and the audit
 * entry, in one transaction. The module adds one hook: a note's word count,
 * computed before the policy decides, so a policy can judge it.
 */
#include <ctype.h>

#include <erp/module.h>

/* The policy fragment, notes.lua, embedded by erp_add_module(POLICY). */
extern const char notes_policy[], notes_policy_file[];

/* Each field is a JSON member and the column of the same name. */
static const struct erp_field fields[] = {
	{ .name = "title", .type = ERP_FIELD_STRING, .flags =
	  ERP_FIELD_REQUIRED | ERP_FIELD_SEARCH | ERP_FIELD_SORT |
	  ERP_FIELD_MIN | ERP_FIELD_MAX, .min = 1, .max = 200 },
	{ .name = "body", .type = ERP_FIELD_STRING, .flags = ERP_FIELD_SEARCH |
	  ERP_FIELD_MAX, .max = 10000, .def = "\"\"" },
	{ .name = "pinned", .type = ERP_FIELD_BOOLEAN, .flags =
	  ERP_FIELD_FILTER, .def = "false" },
	{ .name = "words", .type = ERP_FIELD_INTEGER, .flags =
	  ERP_FIELD_COMPUTED | ERP_FIELD_SORT },
	{ .name = NULL }
};

/*
 * The hook: the would-be note's words, before the policy decides (on a
 * create the body with the defaults, on an update the stored note with
 * the body applied). Returns: 0.
 */
static int
note_compute(struct erp_req *r, cJSON *note, const cJSON *before)
{
	const char	*s = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(note, "body"));
	int64_t		 n = 0;
	int		 in = 0;

	for (; s != NULL && *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(note, "words");
	erp_json_int(note, "words", n);
	return 0;
}

static const struct erp_resource resources[] = {
	{ .type = "note", .path = "/notes", .table = "notes",
	  .fields = fields, .compute = note_compute },
	ERP_RESOURCE_END
};

extern const struct erp_migration notes_migrations[];	/* generated */

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "notes",
	.version = "0.1.0",
	.resources = resources,
	.migrations = notes_migrations,
	.policy = notes_policy,
	.policy_file = notes_policy_file,
};
