/*
 * verify: walks the chain from entry 1, recomputing every hash, then holds
 * the signed checkpoints against it. The checkpoints are read first: they
 * are written after their entries commit, so the database a moment later
 * has at least what they name, also while the server runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"
#include "db/db.h"

/* An id column: NULL is 0; a stored 0 (never written) becomes -1. */
static int64_t
id_col(struct db_stmt *st, int i)
{
	int64_t	 v;

	if (db_col_is_null(st, i))
		return 0;
	v = db_col_int(st, i);
	return v == 0 ? -1 : v;
}

/* Finds the checkpoint for entry id, if any. */
static const struct audit_checkpoint *
checkpoint_for(const struct audit_checkpoint *list, size_t n, int64_t id)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (list[i].cp_id == id)
			return &list[i];
	return NULL;
}

int
audit_verify(const struct config *cf, struct erp_err *err)
{
	static const char	 sql[] = "SELECT id, ts, actor_type, actor_id, "
				    "org_id, action, resource_type, "
				    "resource_id, outcome, ip, request_id, "
				    "details, prev_hash, hash FROM audit_log "
				    "ORDER BY id";
	unsigned char		 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	struct audit_checkpoint	*cps = NULL;
	const struct audit_checkpoint *cp;
	struct audit_row	 r;
	struct db_stmt		*st;
	char			*path, prev[AUDIT_HASH_HEX + 1];
	char			 hash[AUDIT_HASH_HEX + 1];
	int64_t			 expect = 1, newest = 0;
	size_t			 ncps = 0, i;
	int			 rc = -1, step;

	if (audit_keys(cf, pk, sk) == -1) {
		err_set(err, "ERP_SECRET_KEY: cannot derive the audit key");
		return -1;
	}
	sodium_memzero(sk, sizeof(sk));
	path = audit_checkpoint_path(cf);
	if (audit_checkpoint_load(path, pk, &cps, &ncps, err) == -1)
		goto out;
	for (i = 0; i < ncps; i++)
		if (cps[i].cp_id > newest)
			newest = cps[i].cp_id;

	if (db_tx_begin_read() == -1) {
		err_set(err, "cannot read the audit log");
		goto out;
	}
	if ((st = db_prepare(sql)) == NULL) {
		err_set(err, "cannot read the audit log");
		db_tx_rollback();
		goto out;
	}
	memset(prev, '0', AUDIT_HASH_HEX);
	prev[AUDIT_HASH_HEX] = '\0';
	while ((step = db_step(st)) == DB_ROW) {
		r.ar_id = db_col_int(st, 0);
		if (r.ar_id != expect) {
			err_set(err, "entry %lld: missing (the log jumps to "
			    "entry %lld)", (long long)expect,
			    (long long)r.ar_id);
			goto reset;
		}
		r.ar_ts = db_col_text(st, 1);
		r.ar_actor_type = db_col_text(st, 2);
		r.ar_actor_id = id_col(st, 3);
		r.ar_org_id = id_col(st, 4);
		r.ar_action = db_col_text(st, 5);
		r.ar_resource_type = db_col_text(st, 6);
		r.ar_resource_id = db_col_text(st, 7);
		r.ar_outcome = db_col_text(st, 8);
		r.ar_ip = db_col_text(st, 9);
		r.ar_request_id = db_col_text(st, 10);
		r.ar_details = db_col_text(st, 11);
		r.ar_prev_hash = db_col_text(st, 12);
		if (r.ar_prev_hash == NULL || strcmp(r.ar_prev_hash, prev) != 0) {
			err_set(err, "entry %lld: does not follow entry %lld "
			    "(altered or removed)", (long long)r.ar_id,
			    (long long)r.ar_id - 1);
			goto reset;
		}
		audit_hash(&r, hash);
		if (db_col_text(st, 13) == NULL ||
		    strcmp(hash, db_col_text(st, 13)) != 0) {
			err_set(err, "entry %lld: content does not match its "
			    "hash (altered)", (long long)r.ar_id);
			goto reset;
		}
		if ((cp = checkpoint_for(cps, ncps, r.ar_id)) != NULL &&
		    strcmp(cp->cp_head, hash) != 0) {
			err_set(err, "entry %lld: differs from its signed "
			    "checkpoint (chain rewritten)", (long long)r.ar_id);
			goto reset;
		}
		memcpy(prev, hash, sizeof(prev));
		expect++;
	}
	if (step != DB_DONE) {
		err_set(err, "cannot read the audit log: %s", db_errmsg());
		goto reset;
	}
	if (newest >= expect) {
		err_set(err, "tail missing: a signed checkpoint covers entry "
		    "%lld but the log ends at entry %lld", (long long)newest,
		    (long long)expect - 1);
		goto reset;
	}
	if (expect - 1 >= AUDIT_CHECKPOINT_EVERY && ncps == 0) {
		err_set(err, "tail missing: %lld entries but no checkpoint "
		    "file at %s", (long long)expect - 1, path);
		goto reset;
	}
	rc = 0;
reset:
	db_reset(st);
	db_tx_rollback();
out:
	free(cps);
	free(path);
	return rc;
}
