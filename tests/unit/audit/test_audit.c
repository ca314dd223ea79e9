/*
 * Tests for core/audit (audit.c, checkpoint.c, verify.c) on an in-memory
 * database: the hash chain, the signed checkpoints in the data dir, and
 * audit_verify against every kind of tampering it is meant to notice.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "audit/audit_int.h"
#include "db/db.h"
#include "db/db_sqlite.h"
#include "suites.h"

#define SECRET_A	"audit-test-master-key-0123456789abcdef"
#define SECRET_B	"another-master-key-for-a-foreign-signer"

static struct config	 cf;
static char		 dir[64];
static char		*cppath;

static void
make_config(struct config *c, const char *secret)
{
	memset(c, 0, sizeof(*c));
	c->cf_data_dir = xstrdup(dir);
	c->cf_secret_key.s_len = strlen(secret);
	/* as config_load_secrets keeps it: config_free sodium_frees it */
	c->cf_secret_key.s_data = sodium_malloc(c->cf_secret_key.s_len);
	ck_assert_ptr_nonnull(c->cf_secret_key.s_data);
	memcpy(c->cf_secret_key.s_data, secret, c->cf_secret_key.s_len);
}

static void
setup(void)
{
	struct erp_err	 err;

	snprintf(dir, sizeof(dir), "/tmp/erp-audit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(strlen(SECRET_A), 32);
	make_config(&cf, SECRET_A);
	cppath = audit_checkpoint_path(&cf);
	ck_assert_int_eq(db_init(":memory:", DB_SYNC_FULL, &err), 0);
	ck_assert_int_eq(db_migrate("core", db_core_migrations,
	    NULL, &err), 0);
	ck_assert_msg(audit_init(&cf, &err) == 0, "audit_init: %s", err.e_msg);
}

static void
teardown(void)
{
	db_thread_close();
	unlink(cppath);
	rmdir(dir);
	free(cppath);
	config_free(&cf);
}

/* -- helpers ------------------------------------------------------------ */

static void
event(struct audit_event *ev, int64_t n)
{
	static char	 rid[32];

	snprintf(rid, sizeof(rid), "req-%lld", (long long)n);
	memset(ev, 0, sizeof(*ev));
	ev->ae_actor_type = n % 3 == 0 ? "anonymous" : "user";
	ev->ae_actor_id = n % 3 == 0 ? 0 : n % 7 + 1;
	ev->ae_org_id = n % 5 == 0 ? 3 : 0;
	ev->ae_action = n % 2 ? "auth.login" : "user.update";
	ev->ae_resource_type = "user";
	ev->ae_resource_id = "7";
	ev->ae_outcome = n % 4 == 0 ? "failure" : "success";
	ev->ae_ip = "127.0.0.1";
	ev->ae_request_id = rid;
}

/* Appends one entry in a transaction of the caller's kind. */
static void
append_tx(int64_t n)
{
	struct audit_event	 ev;
	cJSON			*d = cJSON_CreateObject();

	event(&ev, n);
	cJSON_AddNumberToObject(d, "n", (double)n);
	ev.ae_details = d;
	ck_assert_int_eq(db_tx_begin(), 0);
	ck_assert_int_eq(audit_append(&ev), 0);
	ck_assert_int_eq(audit_tx_commit(), 0);
	cJSON_Delete(d);
}

/* Appends through audit_record (its own transaction). */
static void
record(int64_t n)
{
	struct audit_event	 ev;

	event(&ev, n);
	ck_assert_int_eq(audit_record(&ev), 0);
}

/* Adds entries until the log holds upto of them, both ways in turn. */
static void
fill(int64_t upto)
{
	static const char	 sql[] = "SELECT count(*) FROM audit_log";
	sqlite3_stmt		*st;
	int64_t			 n;

	ck_assert_ptr_nonnull(st = db_stmt(sql));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (n++; n <= upto; n++) {
		if (n % 2)
			append_tx(n);
		else
			record(n);
	}
}

static int64_t
count_rows(void)
{
	sqlite3_stmt	*st;
	int64_t		 n;

	ck_assert_int_eq(sqlite3_prepare_v2(db_get(),
	    "SELECT count(*) FROM audit_log", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Column col of entry id as text, xstrdup'd (NULL for SQL NULL). */
static char *
column(int64_t id, const char *col)
{
	char		 sql[128];
	sqlite3_stmt	*st;
	const char	*t;
	char		*out = NULL;

	snprintf(sql, sizeof(sql), "SELECT %s FROM audit_log WHERE id = %lld",
	    col, (long long)id);
	ck_assert_int_eq(sqlite3_prepare_v2(db_get(), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	if ((t = (const char *)sqlite3_column_text(st, 0)) != NULL)
		out = xstrdup(t);
	sqlite3_finalize(st);
	return out;
}

static int
exec(const char *sql)
{
	char	*msg = NULL;
	int	 rc;

	rc = sqlite3_exec(db_get(), sql, NULL, NULL, &msg);
	sqlite3_free(msg);
	return rc;
}

static void
exec_ok(const char *fmt, ...)
{
	char	 sql[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	ck_assert_msg(exec(sql) == SQLITE_OK, "%s: %s", sql,
	    sqlite3_errmsg(db_get()));
}

/* The append-only triggers must go before a row can be changed. */
static void
untrigger(void)
{
	exec_ok("DROP TRIGGER audit_log_no_update");
	exec_ok("DROP TRIGGER audit_log_no_delete");
}

static void
verify_ok(void)
{
	struct erp_err	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(audit_verify(&cf, &err) == 0, "verify failed: %s",
	    err.e_msg);
}

/* audit_verify fails and its message contains needle. */
static void
verify_fails(const struct config *c, const char *needle)
{
	struct erp_err	 err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(audit_verify(c, &err) == -1,
	    "verify passed, expected a failure naming \"%s\"", needle);
	ck_assert_msg(strstr(err.e_msg, needle) != NULL,
	    "verify message \"%s\" does not name \"%s\"", err.e_msg, needle);
}

static void
verify_fails_entry(int64_t id)
{
	char	 needle[32];

	/* "entry 4:" so that entry 4 is not mistaken for entry 41 */
	snprintf(needle, sizeof(needle), "entry %lld:", (long long)id);
	verify_fails(&cf, needle);
}

/* The checkpoint file's lines, each parsed and checked with cf's key. */
static size_t
checkpoints(const struct config *c, struct audit_checkpoint *out,
    size_t max)
{
	unsigned char		 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	struct audit_checkpoint	*list;
	struct erp_err		 err;
	size_t			 n, i;

	ck_assert_int_eq(audit_keys(c, pk, sk), 0);
	ck_assert_msg(audit_checkpoint_load(cppath, pk, &list, &n, &err) == 0,
	    "checkpoint file: %s", err.e_msg);
	for (i = 0; i < n && i < max; i++)
		out[i] = list[i];
	free(list);
	return n;
}

static bool
file_exists(const char *path)
{
	struct stat	 sb;

	return stat(path, &sb) == 0;
}

/* The checkpoint file's raw lines (without '\n'); returns the count. */
static size_t
file_lines(char lines[][512], size_t max)
{
	char	*data, *p, *nl;
	size_t	 len, n = 0;

	if ((data = fs_read_file(cppath, 1 << 20, &len)) == NULL)
		return 0;
	ck_assert_msg(len == 0 || data[len - 1] == '\n',
	    "checkpoint file does not end in a newline");
	for (p = data; *p != '\0' && n < max; p = nl + 1) {
		ck_assert_ptr_nonnull(nl = strchr(p, '\n'));
		ck_assert_int_lt((size_t)(nl - p), 512);
		memcpy(lines[n], p, (size_t)(nl - p));
		lines[n++][nl - p] = '\0';
	}
	free(data);
	return n;
}

static void
write_lines(char lines[][512], size_t n)
{
	FILE	*f;
	size_t	 i;

	ck_assert_ptr_nonnull(f = fopen(cppath, "w"));
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	ck_assert_int_eq(fclose(f), 0);
}

/* A stored row copied out of SQLite, to recompute its hash. */
struct row_copy {
	struct audit_row	 r;
	char			*text[11];
};

static void
row_load(int64_t id, struct row_copy *rc)
{
	static const char *cols[] = { "ts", "actor_type", "action",
		"resource_type", "resource_id", "outcome", "ip", "request_id",
		"details", "prev_hash", "hash" };
	char	*a;
	size_t	 i;

	memset(rc, 0, sizeof(*rc));
	for (i = 0; i < nitems(cols); i++)
		rc->text[i] = column(id, cols[i]);
	rc->r.ar_id = id;
	rc->r.ar_ts = rc->text[0];
	rc->r.ar_actor_type = rc->text[1];
	rc->r.ar_action = rc->text[2];
	rc->r.ar_resource_type = rc->text[3];
	rc->r.ar_resource_id = rc->text[4];
	rc->r.ar_outcome = rc->text[5];
	rc->r.ar_ip = rc->text[6];
	rc->r.ar_request_id = rc->text[7];
	rc->r.ar_details = rc->text[8];
	rc->r.ar_prev_hash = rc->text[9];
	a = column(id, "actor_id");
	rc->r.ar_actor_id = a ? strtoll(a, NULL, 10) : 0;
	free(a);
	a = column(id, "org_id");
	rc->r.ar_org_id = a ? strtoll(a, NULL, 10) : 0;
	free(a);
}

static void
row_free(struct row_copy *rc)
{
	size_t	 i;

	for (i = 0; i < nitems(rc->text); i++)
		free(rc->text[i]);
}

/*
 * Rewrites the chain from entry from to the head as a forger would:
 * every prev_hash and hash recomputed, so only a checkpoint can tell.
 */
static void
rehash_from(int64_t from)
{
	struct row_copy	 rc;
	char		 prev[AUDIT_HASH_HEX + 1], hash[AUDIT_HASH_HEX + 1];
	char		*p;
	int64_t		 id, last = count_rows();

	p = column(from - 1, "hash");
	snprintf(prev, sizeof(prev), "%s", p);
	free(p);
	for (id = from; id <= last; id++) {
		row_load(id, &rc);
		rc.r.ar_prev_hash = prev;
		audit_hash(&rc.r, hash);
		exec_ok("UPDATE audit_log SET prev_hash = '%s', hash = '%s' "
		    "WHERE id = %lld", prev, hash, (long long)id);
		memcpy(prev, hash, sizeof(prev));
		row_free(&rc);
	}
}

/* -- the chain ------------------------------------------------------------ */

START_TEST(test_empty_log_verifies)
{
	verify_ok();
	ck_assert(audit_enabled());
	/* nothing to checkpoint yet */
	ck_assert_int_eq(audit_checkpoint_now(), 0);
	ck_assert(!file_exists(cppath));
}
END_TEST

START_TEST(test_chain_links)
{
	struct audit_event	 ev;
	struct row_copy		 rc;
	cJSON			*d;
	char			 zeros[AUDIT_HASH_HEX + 1], hash[AUDIT_HASH_HEX + 1];
	char			*prev, *h, *s;
	int64_t			 id;
	size_t			 i;

	/* one with every field set, in the caller's transaction */
	memset(&ev, 0, sizeof(ev));
	ev.ae_actor_type = "user";
	ev.ae_actor_id = 42;
	ev.ae_org_id = 9;
	ev.ae_action = "user.update";
	ev.ae_resource_type = "user";
	ev.ae_resource_id = "17";
	ev.ae_outcome = "success";
	ev.ae_ip = "192.0.2.1";
	ev.ae_request_id = "rid-1";
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "note", "h\xc3\xa9llo \"quoted\"");
	ev.ae_details = d;
	ck_assert_int_eq(db_tx_begin(), 0);
	ck_assert_int_eq(audit_append(&ev), 0);
	ck_assert_int_eq(audit_tx_commit(), 0);
	cJSON_Delete(d);
	/* one with nothing optional, in its own transaction */
	memset(&ev, 0, sizeof(ev));
	ev.ae_actor_type = "system";
	ev.ae_action = "user.create";
	ev.ae_outcome = "success";
	ck_assert_int_eq(audit_record(&ev), 0);
	fill(12);
	ck_assert_int_eq(count_rows(), 12);

	/* entry 1 as stored */
	s = column(1, "actor_type");
	ck_assert_str_eq(s, "user");
	free(s);
	s = column(1, "actor_id");
	ck_assert_str_eq(s, "42");
	free(s);
	s = column(1, "org_id");
	ck_assert_str_eq(s, "9");
	free(s);
	s = column(1, "details");
	ck_assert_str_eq(s, "{\"note\":\"h\xc3\xa9llo \\\"quoted\\\"\"}");
	free(s);
	s = column(1, "request_id");
	ck_assert_str_eq(s, "rid-1");
	free(s);
	s = column(1, "ts");
	ck_assert_int_eq(strlen(s), 20);
	ck_assert_int_eq(s[19], 'Z');
	free(s);
	/* entry 2: 0 ids and NULL strings are stored as NULL */
	ck_assert_ptr_null(column(2, "actor_id"));
	ck_assert_ptr_null(column(2, "org_id"));
	ck_assert_ptr_null(column(2, "resource_id"));
	ck_assert_ptr_null(column(2, "ip"));
	ck_assert_ptr_null(column(2, "request_id"));
	ck_assert_ptr_null(column(2, "details"));

	memset(zeros, '0', AUDIT_HASH_HEX);
	zeros[AUDIT_HASH_HEX] = '\0';
	prev = column(1, "prev_hash");
	ck_assert_str_eq(prev, zeros);
	free(prev);
	for (id = 1; id <= 12; id++) {
		h = column(id, "hash");
		ck_assert_int_eq(strlen(h), AUDIT_HASH_HEX);
		for (i = 0; i < AUDIT_HASH_HEX; i++)
			ck_assert_msg(strchr("0123456789abcdef", h[i]) != NULL,
			    "hash of %lld is not lowercase hex: %s",
			    (long long)id, h);
		/* the stored hash is the hash of the stored content */
		row_load(id, &rc);
		audit_hash(&rc.r, hash);
		ck_assert_str_eq(hash, h);
		row_free(&rc);
		if (id < 12) {
			prev = column(id + 1, "prev_hash");
			ck_assert_msg(strcmp(prev, h) == 0, "entry %lld's "
			    "prev_hash is not entry %lld's hash",
			    (long long)id + 1, (long long)id);
			free(prev);
		}
		free(h);
	}
	verify_ok();
	/* far from 100 entries: no checkpoint written */
	ck_assert(!file_exists(cppath));
}
END_TEST

START_TEST(test_canonical_encoding_is_unambiguous)
{
	struct audit_row	 a, b;
	char			 ha[AUDIT_HASH_HEX + 1], hb[AUDIT_HASH_HEX + 1];

	memset(&a, 0, sizeof(a));
	a.ar_id = 5;
	a.ar_ts = "2026-01-01T00:00:00Z";
	a.ar_actor_type = "user";
	a.ar_action = "auth.login";
	a.ar_outcome = "success";
	a.ar_resource_type = "ab";
	a.ar_resource_id = "c";
	a.ar_prev_hash = "00";
	b = a;
	/* moving a character between neighbouring fields */
	b.ar_resource_type = "a";
	b.ar_resource_id = "bc";
	audit_hash(&a, ha);
	audit_hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	/* an empty string is not NULL */
	b = a;
	b.ar_ip = "";
	audit_hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	/* the id is covered */
	b = a;
	b.ar_id = 6;
	audit_hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	/* and the hash is deterministic */
	b = a;
	audit_hash(&b, hb);
	ck_assert_str_eq(ha, hb);
}
END_TEST

START_TEST(test_audit_change)
{
	struct audit_event	 ev;
	cJSON			*d = cJSON_CreateObject();
	char			*text, *stored;

	audit_change(d, "name", cJSON_CreateString("Old Name"),
	    cJSON_CreateString("New Name"));
	audit_change(d, "is_active", cJSON_CreateBool(true),
	    cJSON_CreateBool(false));
	text = cJSON_PrintUnformatted(d);
	ck_assert_str_eq(text, "{\"name\":{\"old\":\"Old Name\",\"new\":"
	    "\"New Name\"},\"is_active\":{\"old\":true,\"new\":false}}");
	/* and that is what the entry stores */
	memset(&ev, 0, sizeof(ev));
	ev.ae_actor_type = "user";
	ev.ae_actor_id = 1;
	ev.ae_action = "user.update";
	ev.ae_outcome = "success";
	ev.ae_details = d;
	ck_assert_int_eq(audit_record(&ev), 0);
	stored = column(1, "details");
	ck_assert_str_eq(stored, text);
	free(stored);
	cJSON_free(text);
	cJSON_Delete(d);
	verify_ok();
}
END_TEST

START_TEST(test_failed_record_leaves_nothing)
{
	struct audit_event	 ev;

	fill(3);
	/* action is NOT NULL: the insert fails, audit_record rolls back */
	memset(&ev, 0, sizeof(ev));
	ev.ae_actor_type = "system";
	ev.ae_outcome = "success";
	ck_assert_int_eq(audit_record(&ev), -1);
	ck_assert_int_eq(count_rows(), 3);
	/* no transaction was left open */
	fill(5);
	ck_assert_int_eq(count_rows(), 5);
	verify_ok();
}
END_TEST

/* -- checkpoints -------------------------------------------------------- */

START_TEST(test_checkpoint_every_100)
{
	struct audit_checkpoint	 cps[4];
	struct stat		 sb;
	char			*h;

	fill(99);
	ck_assert(!file_exists(cppath));
	fill(100);
	ck_assert_msg(file_exists(cppath), "no checkpoint after entry 100");
	ck_assert_int_eq(stat(cppath, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(checkpoints(&cf, cps, 4), 1);
	ck_assert_int_eq(cps[0].cp_id, 100);
	h = column(100, "hash");
	ck_assert_str_eq(cps[0].cp_head, h);
	free(h);
	ck_assert_int_eq(strlen(cps[0].cp_ts), 20);
	verify_ok();

	/* not again until entry 200 */
	fill(107);
	ck_assert_int_eq(checkpoints(&cf, cps, 4), 1);
	verify_ok();

	/* at shutdown: the head */
	ck_assert_int_eq(audit_checkpoint_now(), 0);
	ck_assert_int_eq(checkpoints(&cf, cps, 4), 2);
	ck_assert_int_eq(cps[0].cp_id, 100);
	ck_assert_int_eq(cps[1].cp_id, 107);
	h = column(107, "hash");
	ck_assert_str_eq(cps[1].cp_head, h);
	free(h);
	/* a head that did not move is not written twice */
	ck_assert_int_eq(audit_checkpoint_now(), 0);
	ck_assert_int_eq(checkpoints(&cf, cps, 4), 2);
	verify_ok();

	/* a restarted process picks up where the file ends */
	ck_assert_int_eq(audit_init(&cf, NULL), 0);
	ck_assert_int_eq(audit_checkpoint_now(), 0);
	ck_assert_int_eq(checkpoints(&cf, cps, 4), 2);
	fill(200);
	ck_assert_int_eq(checkpoints(&cf, cps, 4), 3);
	ck_assert_int_eq(cps[2].cp_id, 200);
	verify_ok();
}
END_TEST

START_TEST(test_rollback_leaves_no_entry_and_no_checkpoint)
{
	struct audit_checkpoint	 cps[2];
	struct audit_event	 ev;
	char			*h;

	fill(99);
	/* entry 100 in a transaction that is rolled back */
	event(&ev, 100);
	ck_assert_int_eq(db_tx_begin(), 0);
	ck_assert_int_eq(audit_append(&ev), 0);
	ck_assert_int_eq(count_rows(), 100);
	ck_assert_int_eq(db_tx_rollback(), 0);
	ck_assert_int_eq(count_rows(), 99);
	ck_assert(!file_exists(cppath));
	verify_ok();

	/*
	 * The next commit on this thread owes no checkpoint: the entry that
	 * was due one does not exist.
	 */
	ck_assert_int_eq(db_tx_begin(), 0);
	ck_assert_int_eq(audit_tx_commit(), 0);
	ck_assert_msg(!file_exists(cppath), "a checkpoint was written for "
	    "entry 100 of a rolled-back transaction");
	verify_ok();

	/* the real entry 100 (other content) gets its checkpoint */
	record(1000);
	ck_assert_int_eq(checkpoints(&cf, cps, 2), 1);
	ck_assert_int_eq(cps[0].cp_id, 100);
	h = column(100, "hash");
	ck_assert_str_eq(cps[0].cp_head, h);
	free(h);
	verify_ok();
}
END_TEST

/* -- tampering ------------------------------------------------------------ */

START_TEST(test_triggers_refuse_changes)
{
	char	*before, *after;

	fill(5);
	before = column(3, "outcome");
	ck_assert_int_ne(exec("UPDATE audit_log SET outcome = 'denied' "
	    "WHERE id = 3"), SQLITE_OK);
	ck_assert_ptr_nonnull(strstr(sqlite3_errmsg(db_get()),
	    "append-only"));
	ck_assert_int_ne(exec("DELETE FROM audit_log WHERE id = 5"),
	    SQLITE_OK);
	ck_assert_int_ne(exec("DELETE FROM audit_log"), SQLITE_OK);
	after = column(3, "outcome");
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	ck_assert_int_eq(count_rows(), 5);
	verify_ok();
}
END_TEST

START_TEST(test_changed_details)
{
	fill(10);
	untrigger();
	/* an entry with details (odd ones have {"n": n}) */
	exec_ok("UPDATE audit_log SET details = '{\"n\":999}' WHERE id = 5");
	verify_fails_entry(5);
}
END_TEST

START_TEST(test_changed_outcome)
{
	fill(10);
	untrigger();
	exec_ok("UPDATE audit_log SET outcome = CASE outcome WHEN 'success' "
	    "THEN 'failure' ELSE 'success' END WHERE id = 7");
	verify_fails_entry(7);
}
END_TEST

START_TEST(test_every_column_is_covered)
{
	static const struct {
		const char	*col;
		const char	*set;
	} changes[] = {
		{ "ts", "'2000-01-01T00:00:00Z'" },
		{ "actor_type", "'system'" },
		{ "actor_id", "coalesce(actor_id, 0) + 100" },
		{ "org_id", "coalesce(org_id, 0) + 100" },
		{ "action", "'auth.logout'" },
		{ "resource_type", "'order'" },
		{ "resource_id", "'8'" },
		{ "outcome", "'denied'" },
		{ "ip", "'203.0.113.9'" },
		{ "request_id", "'forged'" },
		{ "details", "'{\"n\":8}'" },
		{ "prev_hash", "replace(prev_hash, substr(prev_hash, 1, 1), "
		    "CASE substr(prev_hash, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' "
		    "END)" },
		{ "hash", "replace(hash, substr(hash, 1, 1), CASE substr(hash, "
		    "1, 1) WHEN 'a' THEN 'b' ELSE 'a' END)" },
	};
	size_t	 i;

	fill(12);
	untrigger();
	exec_ok("CREATE TABLE orig AS SELECT * FROM audit_log");
	for (i = 0; i < nitems(changes); i++) {
		exec_ok("UPDATE audit_log SET %s = %s WHERE id = 7",
		    changes[i].col, changes[i].set);
		verify_fails_entry(7);
		exec_ok("UPDATE audit_log SET %s = (SELECT %s FROM orig WHERE "
		    "id = 7) WHERE id = 7", changes[i].col, changes[i].col);
		verify_ok();
	}
}
END_TEST

START_TEST(test_deleted_middle_row)
{
	fill(10);
	untrigger();
	exec_ok("DELETE FROM audit_log WHERE id = 5");
	verify_fails_entry(5);
}
END_TEST

START_TEST(test_deleted_first_row)
{
	fill(4);
	untrigger();
	exec_ok("DELETE FROM audit_log WHERE id = 1");
	verify_fails_entry(1);
}
END_TEST

START_TEST(test_rewritten_chain_caught_by_checkpoint)
{
	fill(120);
	ck_assert_int_eq(audit_checkpoint_now(), 0);	/* covers 120 too */
	/* keep only the checkpoint of entry 100 */
	{
		char	 lines[4][512];

		ck_assert_int_eq(file_lines(lines, 4), 2);
		write_lines(lines, 1);
	}
	untrigger();
	/* a rewrite after the newest checkpoint only: self-consistent */
	exec_ok("UPDATE audit_log SET outcome = 'denied' WHERE id = 110");
	verify_fails_entry(110);
	rehash_from(110);
	verify_ok();	/* (so rehash_from forges faithfully) */

	/* before it: the signed head of entry 100 no longer matches */
	exec_ok("UPDATE audit_log SET details = '{\"n\":-1}' WHERE id = 42");
	verify_fails_entry(42);
	rehash_from(42);
	verify_fails_entry(100);
	verify_fails(&cf, "checkpoint");
}
END_TEST

START_TEST(test_tail_cut)
{
	fill(105);
	verify_ok();
	untrigger();
	/* back to entry 90, before the checkpoint of entry 100 */
	exec_ok("DELETE FROM audit_log WHERE id > 90");
	verify_fails(&cf, "tail missing");
}
END_TEST

START_TEST(test_tail_cut_after_shutdown_checkpoint)
{
	fill(105);
	ck_assert_int_eq(audit_checkpoint_now(), 0);
	untrigger();
	/* only the newest entry, after the last 100-checkpoint */
	exec_ok("DELETE FROM audit_log WHERE id = 105");
	verify_fails(&cf, "tail missing");
}
END_TEST

START_TEST(test_tail_cut_to_exactly_the_checkpoint)
{
	fill(104);
	untrigger();
	/* a log that ends at a checkpoint is not missing anything it proved */
	exec_ok("DELETE FROM audit_log WHERE id > 100");
	verify_ok();
	exec_ok("DELETE FROM audit_log WHERE id = 100");
	verify_fails(&cf, "tail missing");
}
END_TEST

START_TEST(test_flipped_signature_byte)
{
	struct audit_checkpoint	 cp;
	unsigned char		 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	char			 lines[4][512], saved[512];
	struct buf		 b = { 0 };
	int			 which;

	fill(103);
	ck_assert_int_eq(audit_checkpoint_now(), 0);
	ck_assert_int_eq(file_lines(lines, 4), 2);
	verify_ok();
	ck_assert_int_eq(audit_keys(&cf, pk, sk), 0);
	for (which = 0; which < 2; which++) {
		char	 needle[16];

		ck_assert_int_eq(audit_checkpoint_parse(lines[which], pk, &cp),
		    0);
		cp.cp_sig[17] ^= 0x01;
		buf_reset(&b);
		audit_checkpoint_format(&b, &cp);
		ck_assert_int_eq(b.b_data[b.b_len - 1], '\n');
		b.b_data[b.b_len - 1] = '\0';
		memcpy(saved, lines[which], sizeof(saved));
		ck_assert_int_lt(b.b_len, sizeof(lines[which]));
		memcpy(lines[which], b.b_data, b.b_len);
		ck_assert_str_ne(lines[which], saved);
		ck_assert_int_eq(audit_checkpoint_parse(lines[which], pk, &cp),
		    -1);
		write_lines(lines, 2);
		snprintf(needle, sizeof(needle), "line %d", which + 1);
		verify_fails(&cf, needle);
		memcpy(lines[which], saved, sizeof(saved));
		write_lines(lines, 2);
		verify_ok();
	}
	buf_free(&b);
}
END_TEST

START_TEST(test_edited_checkpoint_head)
{
	char	 lines[2][512], *p;

	fill(100);
	ck_assert_int_eq(file_lines(lines, 2), 1);
	/* a forger moving the signed head to fit a rewritten chain */
	ck_assert_ptr_nonnull(p = strstr(lines[0], "\"head\":\""));
	p += strlen("\"head\":\"");
	*p = *p == 'a' ? 'b' : 'a';
	write_lines(lines, 1);
	verify_fails(&cf, "line 1");
}
END_TEST

START_TEST(test_checkpoint_of_another_key)
{
	struct config	 other;
	struct erp_err	 err;
	char		 lines[4][512];

	fill(100);
	ck_assert_int_eq(file_lines(lines, 4), 1);
	/* a process with another ERP_SECRET_KEY signs the next head */
	make_config(&other, SECRET_B);
	ck_assert_msg(audit_init(&other, &err) == 0, "%s", err.e_msg);
	fill(102);
	ck_assert_int_eq(audit_checkpoint_now(), 0);
	ck_assert_int_eq(file_lines(lines, 4), 2);
	verify_fails(&cf, "line 2");
	verify_fails(&other, "line 1");
	/* only the foreign line */
	memcpy(lines[0], lines[1], sizeof(lines[0]));
	write_lines(lines, 1);
	verify_fails(&cf, "line 1");
	/* only the right one again */
	unlink(cppath);
	ck_assert_int_eq(audit_init(&cf, &err), 0);
	ck_assert_int_eq(audit_checkpoint_now(), 0);
	verify_ok();
	config_free(&other);
}
END_TEST

START_TEST(test_malformed_checkpoint_line)
{
	char	 lines[3][512];

	fill(100);
	ck_assert_int_eq(file_lines(lines, 3), 1);
	snprintf(lines[1], sizeof(lines[1]), "{\"id\":101}");
	write_lines(lines, 2);
	verify_fails(&cf, "line 2");
	snprintf(lines[1], sizeof(lines[1]), "not json");
	write_lines(lines, 2);
	verify_fails(&cf, "line 2");
}
END_TEST

START_TEST(test_no_checkpoint_file)
{
	FILE	*f;

	fill(99);
	ck_assert(!file_exists(cppath));
	verify_ok();	/* too young for a checkpoint */
	fill(150);
	ck_assert(file_exists(cppath));
	verify_ok();
	ck_assert_int_eq(unlink(cppath), 0);
	verify_fails(&cf, "tail missing");
	/* an empty file is no better */
	ck_assert_ptr_nonnull(f = fopen(cppath, "w"));
	fclose(f);
	verify_fails(&cf, "tail missing");
}
END_TEST

START_TEST(test_wrong_secret_key_fails)
{
	struct config	 other;

	fill(100);
	verify_ok();
	make_config(&other, SECRET_B);
	verify_fails(&other, "line 1");
	config_free(&other);
}
END_TEST

Suite *
audit_audit_suite(void)
{
	Suite	*s = suite_create("audit_audit");
	TCase	*tc = tcase_create("audit");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_log_verifies);
	tcase_add_test(tc, test_chain_links);
	tcase_add_test(tc, test_canonical_encoding_is_unambiguous);
	tcase_add_test(tc, test_audit_change);
	tcase_add_test(tc, test_failed_record_leaves_nothing);
	tcase_add_test(tc, test_checkpoint_every_100);
	tcase_add_test(tc, test_rollback_leaves_no_entry_and_no_checkpoint);
	tcase_add_test(tc, test_triggers_refuse_changes);
	tcase_add_test(tc, test_changed_details);
	tcase_add_test(tc, test_changed_outcome);
	tcase_add_test(tc, test_every_column_is_covered);
	tcase_add_test(tc, test_deleted_middle_row);
	tcase_add_test(tc, test_deleted_first_row);
	tcase_add_test(tc, test_rewritten_chain_caught_by_checkpoint);
	tcase_add_test(tc, test_tail_cut);
	tcase_add_test(tc, test_tail_cut_after_shutdown_checkpoint);
	tcase_add_test(tc, test_tail_cut_to_exactly_the_checkpoint);
	tcase_add_test(tc, test_flipped_signature_byte);
	tcase_add_test(tc, test_edited_checkpoint_head);
	tcase_add_test(tc, test_checkpoint_of_another_key);
	tcase_add_test(tc, test_malformed_checkpoint_line);
	tcase_add_test(tc, test_no_checkpoint_file);
	tcase_add_test(tc, test_wrong_secret_key_fails);
	suite_add_tcase(s, tc);
	return s;
}
