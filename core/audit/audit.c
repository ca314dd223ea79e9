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

/* the signing key in locked, read-only memory (sodium_malloc) */
static unsigned char	*sign_sk;
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

	if (sign_sk == NULL &&
	    (sign_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL) {
		err_set(err, "ERP_SECRET_KEY: cannot lock memory for the "
		    "audit key");
		return -1;
	}
	sodium_mprotect_readwrite(sign_sk);
	if (audit_keys(cf, sign_pk, sign_sk) == -1) {
		sodium_mprotect_readonly(sign_sk);
		err_set(err, "ERP_SECRET_KEY: cannot derive the audit key");
		return -1;
	}
	sodium_mprotect_readonly(sign_sk);
	free(cp_path);
	cp_path = audit_checkpoint_path(cf);
	audit_head_forget();		/* a new database: its own head */
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
bind_id(struct db_stmt *st, int i, int64_t v)
{
	if (v != 0)
		db_bind_int(st, i, v);
	else
		db_bind_null(st, i);
}

/*
 * The chain's head. Appends run one at a time under the write lock, so the
 * newest committed head is kept here instead of read back for every
 * entry; an append inside the same transaction uses its own pending head.
 * Another process (erpd user add) may append meanwhile: then the next
 * insert collides on its id and the head is read from the database.
 */
static pthread_mutex_t	 head_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t		 head_id;		/* committed; 0: unknown */
static char		 head_hash[AUDIT_HASH_HEX + 1];
static __thread uint64_t pend_tx;		/* this thread's appends */
static __thread int64_t	 pend_id;
static __thread char	 pend_hash[AUDIT_HASH_HEX + 1];

void
audit_head_forget(void)
{
	pthread_mutex_lock(&head_lock);
	head_id = 0;
	pthread_mutex_unlock(&head_lock);
	pend_tx = 0;
}

/* The head to chain to: id of the next entry and the previous hash. */
static int
head(bool fresh, int64_t *next, char prev[AUDIT_HASH_HEX + 1])
{
	static const char	 sql[] = "SELECT id, hash FROM audit_log "
				    "ORDER BY id DESC LIMIT 1";
	struct db_stmt		*st;
	int			 rc;

	if (!fresh && pend_tx != 0 && pend_tx == db_tx_id()) {
		*next = pend_id + 1;
		memcpy(prev, pend_hash, AUDIT_HASH_HEX + 1);
		return 0;
	}
	if (!fresh) {
		pthread_mutex_lock(&head_lock);
		*next = head_id + 1;
		memcpy(prev, head_hash, AUDIT_HASH_HEX + 1);
		pthread_mutex_unlock(&head_lock);
		if (*next > 1)
			return 0;
	}
	if ((st = db_prepare(sql)) == NULL)
		return -1;
	memset(prev, '0', AUDIT_HASH_HEX);
	prev[AUDIT_HASH_HEX] = '\0';
	*next = 1;
	if ((rc = db_step(st)) == DB_ROW) {
		*next = db_col_int(st, 0) + 1;
		db_col_copy(st, 1, prev, AUDIT_HASH_HEX + 1);
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		log_error("audit: %s", db_errmsg());
		return -1;
	}
	return 0;
}

/* After a commit: the committed head moves forward, never back. */
static void
head_committed(uint64_t tx)
{
	if (pend_tx == 0 || pend_tx != tx)
		return;
	pthread_mutex_lock(&head_lock);
	if (pend_id > head_id) {
		head_id = pend_id;
		memcpy(head_hash, pend_hash, sizeof(head_hash));
	}
	pthread_mutex_unlock(&head_lock);
	pend_tx = 0;
}

/* Binds r (hashed into hash) and steps the insert; db_step's result. */
static int
insert(const struct audit_row *r, const char *hash)
{
	static const char	 sql[] = "INSERT INTO audit_log (id, ts, "
				    "actor_type, actor_id, org_id, action, "
				    "resource_type, resource_id, outcome, ip, "
				    "request_id, details, prev_hash, hash) "
				    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
				    "?, ?, ?)";
	struct db_stmt		*st;
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, r->ar_id);
	/* borrowed: every string outlives the step (NULL binds NULL) */
	db_bind_text_ref(st, 2, r->ar_ts);
	db_bind_text_ref(st, 3, r->ar_actor_type);
	bind_id(st, 4, r->ar_actor_id);
	bind_id(st, 5, r->ar_org_id);
	db_bind_text_ref(st, 6, r->ar_action);
	db_bind_text_ref(st, 7, r->ar_resource_type);
	db_bind_text_ref(st, 8, r->ar_resource_id);
	db_bind_text_ref(st, 9, r->ar_outcome);
	db_bind_text_ref(st, 10, r->ar_ip);
	db_bind_text_ref(st, 11, r->ar_request_id);
	db_bind_text_ref(st, 12, r->ar_details);
	db_bind_text_ref(st, 13, r->ar_prev_hash);
	db_bind_text_ref(st, 14, hash);
	rc = db_step(st);
	db_reset(st);
	return rc;
}

int
audit_append(const struct audit_event *ev)
{
	struct audit_row	 r;
	char			 prev[AUDIT_HASH_HEX + 1], hash[AUDIT_HASH_HEX + 1];
	char			 ts[21], *details = NULL;
	int			 rc, attempt;

	if (!audit_enabled())
		return 0;
	memset(&r, 0, sizeof(r));
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
	rc = DB_ERROR;
	/* the kept head, then (on an id collision) the database's */
	for (attempt = 0; attempt < 2; attempt++) {
		if (head(attempt == 1, &r.ar_id, prev) == -1)
			break;
		audit_hash(&r, hash);
		if ((rc = insert(&r, hash)) != DB_CONSTRAINT)
			break;
	}
	cJSON_free(details);
	if (rc != DB_DONE) {
		log_error("audit: append: %s", db_errmsg());
		return -1;
	}
	pend_tx = db_tx_id();
	pend_id = r.ar_id;
	memcpy(pend_hash, hash, sizeof(pend_hash));
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
	uint64_t	 tx = db_tx_id();
	/* owed only if the entry was appended in this very transaction */
	int64_t		 id = due_tx != 0 && due_tx == tx ? due_id : 0;

	due_id = 0;
	due_tx = 0;
	if (db_tx_commit() == -1) {
		pend_tx = 0;
		return -1;
	}
	head_committed(tx);
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
	struct db_stmt		*st;
	char			 head[AUDIT_HASH_HEX + 1];
	int64_t			 id = 0;

	if (!ready || (st = db_prepare(sql)) == NULL)
		return -1;
	if (db_step(st) == DB_ROW) {
		id = db_col_int(st, 0);
		db_col_copy(st, 1, head, sizeof(head));
	}
	db_reset(st);
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
