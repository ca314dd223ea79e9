/*
 * audit: appending to the hash chain inside the caller's transaction, and
 * the signed checkpoints (chain head and count) written after commit to a
 * file outside the database, every AUDIT_CHECKPOINT_EVERY entries and at
 * shutdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit_int.h"
#include "db/db.h"

static unsigned char	 sign_sk[crypto_sign_SECRETKEYBYTES];
static unsigned char	 sign_pk[crypto_sign_PUBLICKEYBYTES];
static char		*cp_path;		/* checkpoint file */
static bool		 ready;
static pthread_mutex_t	 cp_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t		 cp_last_id;		/* newest checkpointed entry */

/* A checkpoint this thread owes once its transaction (due_tx) commits. */
static __thread uint64_t due_tx;
static __thread int64_t	 due_id;
static __thread char	 due_hash[AUDIT_HASH_HEX + 1];

bool
audit_enabled(void)
{
#ifdef ERP_AUDIT_OFF
	return false;
#else
	return true;
#endif
}

int
audit_keys(const struct config *cf, unsigned char *pk, unsigned char *sk)
{
	unsigned char	 seed[crypto_sign_SEEDBYTES];
	int		 rc;

	if (config_derive_key(cf, CONFIG_KEY_AUDIT, seed, sizeof(seed)) == -1)
		return -1;
	rc = crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof(seed));
	return rc == 0 ? 0 : -1;
}

char *
audit_checkpoint_path(const struct config *cf)
{
	struct buf	 b = { 0 };

	buf_printf(&b, "%s/audit.checkpoints", cf->cf_data_dir);
	return b.b_data;
}

int
audit_init(const struct config *cf, struct erp_err *err)
{
	struct audit_checkpoint	 cp;

	if (audit_keys(cf, sign_pk, sign_sk) == -1) {
		err_set(err, "ERP_SECRET_KEY: cannot derive the audit key");
		return -1;
	}
	free(cp_path);
	cp_path = audit_checkpoint_path(cf);
	cp_last_id = 0;
	if (audit_checkpoint_newest(cp_path, sign_pk, &cp) == 0)
		cp_last_id = cp.cp_id;
	ready = true;
	return 0;
}

void
audit_canonical(struct buf *b, const struct audit_row *r)
{
	const char	*text[] = { r->ar_ts, r->ar_actor_type, r->ar_action,
			    r->ar_resource_type, r->ar_resource_id,
			    r->ar_outcome, r->ar_ip, r->ar_request_id,
			    r->ar_details, r->ar_prev_hash };
	size_t		 i;

	/* length-prefixed, so no two different rows encode alike */
	buf_reserve(b, 512);
	buf_puts(b, "erpd-audit-v1\n");
	buf_int(b, r->ar_id);
	buf_append(b, "\n", 1);
	/* 0 is SQL NULL ("~"); verify passes a stored 0 as -1 */
	for (i = 0; i < 2; i++) {
		int64_t	 v = i == 0 ? r->ar_actor_id : r->ar_org_id;

		if (v == 0)
			buf_append(b, "~", 1);
		else
			buf_int(b, v);
		buf_append(b, "\n", 1);
	}
	for (i = 0; i < nitems(text); i++) {
		if (text[i] == NULL)
			buf_append(b, "~\n", 2);
		else {
			size_t	 n = strlen(text[i]);

			buf_int(b, (int64_t)n);
			buf_append(b, ":", 1);
			buf_append(b, text[i], n);
			buf_append(b, "\n", 1);
		}
	}
}

void
audit_hash(const struct audit_row *r, char out[AUDIT_HASH_HEX + 1])
{
	struct buf	 b = { 0 };
	unsigned char	 h[AUDIT_HASH_HEX / 2];

	audit_canonical(&b, r);
	crypto_generichash(h, sizeof(h), (unsigned char *)b.b_data, b.b_len,
	    NULL, 0);
	sodium_bin2hex(out, AUDIT_HASH_HEX + 1, h, sizeof(h));
	buf_free(&b);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v != 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int
audit_append(const struct audit_event *ev)
{
	static const char	 head_sql[] = "SELECT id, hash FROM audit_log "
				    "ORDER BY id DESC LIMIT 1";
	static const char	 add_sql[] = "INSERT INTO audit_log (id, ts, "
				    "actor_type, actor_id, org_id, action, "
				    "resource_type, resource_id, outcome, ip, "
				    "request_id, details, prev_hash, hash) "
				    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
				    "?, ?, ?)";
	struct audit_row	 r;
	sqlite3_stmt		*st;
	char			 prev[AUDIT_HASH_HEX + 1], hash[AUDIT_HASH_HEX + 1];
	char			 ts[21], *details = NULL;
	int			 rc;

	if (!audit_enabled())
		return 0;
	if ((st = db_stmt(head_sql)) == NULL)
		return -1;
	memset(&r, 0, sizeof(r));
	memset(prev, '0', AUDIT_HASH_HEX);
	prev[AUDIT_HASH_HEX] = '\0';
	r.ar_id = 1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.ar_id = sqlite3_column_int64(st, 0) + 1;
		snprintf(prev, sizeof(prev), "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_error("audit: %s", sqlite3_errmsg(db_get()));
		return -1;
	}
	if (ev->ae_details != NULL)
		details = cJSON_PrintUnformatted(ev->ae_details);
	time_rfc3339(time_now(), ts);
	r.ar_ts = ts;
	r.ar_actor_type = ev->ae_actor_type;
	r.ar_actor_id = ev->ae_actor_id;
	r.ar_org_id = ev->ae_org_id;
	r.ar_action = ev->ae_action;
	r.ar_resource_type = ev->ae_resource_type;
	r.ar_resource_id = ev->ae_resource_id;
	r.ar_outcome = ev->ae_outcome;
	r.ar_ip = ev->ae_ip;
	r.ar_request_id = ev->ae_request_id;
	r.ar_details = details;
	r.ar_prev_hash = prev;
	audit_hash(&r, hash);

	if ((st = db_stmt(add_sql)) == NULL) {
		cJSON_free(details);
		return -1;
	}
	sqlite3_bind_int64(st, 1, r.ar_id);
	bind_text(st, 2, ts);
	bind_text(st, 3, r.ar_actor_type);
	bind_id(st, 4, r.ar_actor_id);
	bind_id(st, 5, r.ar_org_id);
	bind_text(st, 6, r.ar_action);
	bind_text(st, 7, r.ar_resource_type);
	bind_text(st, 8, r.ar_resource_id);
	bind_text(st, 9, r.ar_outcome);
	bind_text(st, 10, r.ar_ip);
	bind_text(st, 11, r.ar_request_id);
	bind_text(st, 12, details);
	bind_text(st, 13, prev);
	bind_text(st, 14, hash);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	cJSON_free(details);
	if (rc != SQLITE_DONE) {
		log_error("audit: append: %s", sqlite3_errmsg(db_get()));
		return -1;
	}
	if (r.ar_id % AUDIT_CHECKPOINT_EVERY == 0) {
		due_tx = db_tx_id();
		due_id = r.ar_id;
		memcpy(due_hash, hash, sizeof(due_hash));
	}
	return 0;
}

/* Appends one signed line; serialised, and never goes backwards. */
static int
checkpoint_write(int64_t id, const char *head)
{
	struct audit_checkpoint	 cp;
	struct buf		 line = { 0 };
	int			 fd, rc = -1;

	if (!ready)
		return -1;
	pthread_mutex_lock(&cp_lock);
	if (id <= cp_last_id) {
		pthread_mutex_unlock(&cp_lock);
		return 0;
	}
	memset(&cp, 0, sizeof(cp));
	cp.cp_id = id;
	snprintf(cp.cp_head, sizeof(cp.cp_head), "%s", head);
	time_rfc3339(time_now(), cp.cp_ts);
	audit_checkpoint_sign(&cp, sign_sk);
	audit_checkpoint_format(&line, &cp);
	fd = open(cp_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd != -1 && write(fd, line.b_data, line.b_len) ==
	    (ssize_t)line.b_len && fsync(fd) == 0) {
		cp_last_id = id;
		rc = 0;
		/* a copy in the log, which is usually shipped off the box */
		log_info("audit checkpoint: entry %lld head %s", (long long)id,
		    head);
	} else
		log_error("audit: cannot write checkpoint %s: %s", cp_path,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	pthread_mutex_unlock(&cp_lock);
	buf_free(&line);
	return rc;
}

int
audit_tx_commit(void)
{
	/* owed only if the entry was appended in this very transaction */
	int64_t	 id = due_tx != 0 && due_tx == db_tx_id() ? due_id : 0;

	due_id = 0;
	due_tx = 0;
	if (db_tx_commit() == -1)
		return -1;
	if (id != 0)
		checkpoint_write(id, due_hash);
	return 0;
}

int
audit_record(const struct audit_event *ev)
{
	if (!audit_enabled())
		return 0;
	if (db_tx_begin() == -1)
		return -1;
	if (audit_append(ev) == -1) {
		db_tx_rollback();
		return -1;
	}
	return audit_tx_commit();
}

int
audit_checkpoint_now(void)
{
	static const char	 sql[] = "SELECT id, hash FROM audit_log "
				    "ORDER BY id DESC LIMIT 1";
	sqlite3_stmt		*st;
	char			 head[AUDIT_HASH_HEX + 1];
	int64_t			 id = 0;

	if (!ready || (st = db_stmt(sql)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		snprintf(head, sizeof(head), "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	return id == 0 ? 0 : checkpoint_write(id, head);
}

void
audit_change(cJSON *details, const char *field, cJSON *old_value,
    cJSON *new_value)
{
	cJSON	*c = cJSON_CreateObject();

	cJSON_AddItemToObject(c, "old", old_value);
	cJSON_AddItemToObject(c, "new", new_value);
	cJSON_AddItemToObject(details, field, c);
}
