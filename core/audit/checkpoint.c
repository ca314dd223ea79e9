/*
 * checkpoint: signed lines {"id","head","ts","sig"} naming the chain's
 * head after entry id, Ed25519 with a key derived from ERP_SECRET_KEY.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"

#define CP_FILE_MAX	(64 * 1024 * 1024)

static void
message(struct buf *b, const struct audit_checkpoint *cp)
{
	buf_printf(b, "erpd-audit-checkpoint-v1\n%lld\n%s\n%s",
	    (long long)cp->cp_id, cp->cp_head, cp->cp_ts);
}

void
audit_checkpoint_sign(struct audit_checkpoint *cp, const unsigned char *sk)
{
	struct buf	 m = { 0 };

	message(&m, cp);
	crypto_sign_detached(cp->cp_sig, NULL, (unsigned char *)m.b_data,
	    m.b_len, sk);
	buf_free(&m);
}

void
audit_checkpoint_format(struct buf *b, const struct audit_checkpoint *cp)
{
	char	 sig[sodium_base64_ENCODED_LEN(crypto_sign_BYTES,
		    sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(sig, sizeof(sig), cp->cp_sig, sizeof(cp->cp_sig),
	    sodium_base64_VARIANT_ORIGINAL);
	buf_printf(b, "{\"id\":%lld,\"head\":\"%s\",\"ts\":\"%s\","
	    "\"sig\":\"%s\"}\n", (long long)cp->cp_id, cp->cp_head, cp->cp_ts,
	    sig);
}

int
audit_checkpoint_parse(const char *line, const unsigned char *pk,
    struct audit_checkpoint *cp)
{
	cJSON		*o;
	const cJSON	*id, *head, *ts, *sig;
	struct buf	 m = { 0 };
	size_t		 siglen = 0;
	int		 rc = -1;

	memset(cp, 0, sizeof(*cp));
	if ((o = cJSON_Parse(line)) == NULL)
		return -1;
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	head = cJSON_GetObjectItemCaseSensitive(o, "head");
	ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
	sig = cJSON_GetObjectItemCaseSensitive(o, "sig");
	if (!cJSON_IsNumber(id) || id->valuedouble < 1 ||
	    !cJSON_IsString(head) || strlen(head->valuestring) !=
	    AUDIT_HASH_HEX || !cJSON_IsString(ts) ||
	    strlen(ts->valuestring) != 20 || !cJSON_IsString(sig))
		goto out;
	cp->cp_id = (int64_t)id->valuedouble;
	memcpy(cp->cp_head, head->valuestring, AUDIT_HASH_HEX + 1);
	memcpy(cp->cp_ts, ts->valuestring, 21);
	if (sodium_base642bin(cp->cp_sig, sizeof(cp->cp_sig),
	    sig->valuestring, strlen(sig->valuestring), NULL, &siglen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    siglen != sizeof(cp->cp_sig))
		goto out;
	message(&m, cp);
	if (crypto_sign_verify_detached(cp->cp_sig, (unsigned char *)m.b_data,
	    m.b_len, pk) == 0)
		rc = 0;
out:
	buf_free(&m);
	cJSON_Delete(o);
	return rc;
}

int
audit_checkpoint_load(const char *path, const unsigned char *pk,
    struct audit_checkpoint **list, size_t *n, struct erp_err *err)
{
	struct audit_checkpoint	 cp;
	char			*data, *line, *save = NULL;
	size_t			 len;
	int			 lineno = 0;

	*list = NULL;
	*n = 0;
	if ((data = fs_read_file(path, CP_FILE_MAX, &len)) == NULL) {
		if (errno == ENOENT)
			return 0;
		err_set(err, "checkpoint file %s: %s", path, strerror(errno));
		return -1;
	}
	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (audit_checkpoint_parse(line, pk, &cp) == -1) {
			err_set(err, "checkpoint file %s line %d: malformed "
			    "or badly signed", path, lineno);
			free(data);
			free(*list);
			*list = NULL;
			*n = 0;
			return -1;
		}
		if (*n % 64 == 0)
			*list = xrealloc(*list, (*n + 64) * sizeof(**list));
		(*list)[(*n)++] = cp;
	}
	free(data);
	return 0;
}

int
audit_checkpoint_newest(const char *path, const unsigned char *pk,
    struct audit_checkpoint *out)
{
	struct audit_checkpoint	*list;
	size_t			 n, i;

	if (audit_checkpoint_load(path, pk, &list, &n, NULL) == -1 || n == 0)
		return -1;
	*out = list[0];
	for (i = 1; i < n; i++)
		if (list[i].cp_id > out->cp_id)
			*out = list[i];
	free(list);
	return 0;
}
