/*
 * db conn: one SQLite connection per worker (base/worker.c), opened on
 * first use, with the worker's prepared statement cache; closed with the
 * worker.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/base.h"
#include "db.h"
#include "db_sqlite.h"
#include "metrics/metrics.h"
#include "db_int.h"

#define BUSY_MS		5000	/* how long a connection waits for a lock */
#define CACHE_MIN	16	/* first size of a thread's statement table */
#define LOG_SQL_MAX	200	/* bytes of SQL text quoted in a log line */

/* One cached statement in an open-addressing table (linear probing). */
struct slot {
	const char	*s_sql;		/* the caller's pointer: the key */
	sqlite3_stmt	*s_stmt;	/* owned; NULL if preparing failed */
	size_t		 s_len;		/* strlen(sqlite3_sql(s_stmt)) */
};

/* A worker's state, allocated by its first db_get(). */
struct thr {
	sqlite3		*t_db;		/* owned; NULL until opened */
	struct slot	*t_slots;	/* t_cap entries, or NULL */
	size_t		 t_cap;		/* 0 or a power of two */
	size_t		 t_len;		/* slots with a key */
};

static char		*conn_path;	/* from db_init; owned */
static atomic_bool	 checkpointer_on;
static enum db_sync	 conn_sync = DB_SYNC_FULL;

static void
thr_free(struct thr *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->t_cap; i++)
		sqlite3_finalize(t->t_slots[i].s_stmt);
	free(t->t_slots);
	/* _v2: a statement the caller prepared itself must not leak the db */
	sqlite3_close_v2(t->t_db);
	free(t);
}

static void
thr_destroy(void *p)
{
	thr_free(p);
}

static struct thr *
thr_get(void)
{
	return worker_local(WORKER_DB, sizeof(struct thr), thr_destroy);
}

const char *
db_conn_path(void)
{
	return conn_path;
}

bool
db_conn_is_memory(void)
{
	return conn_path != NULL && strcmp(conn_path, ":memory:") == 0;
}

static bool
is_blank(const char *p)
{
	while (*p != '\0' && (isspace((unsigned char)*p) || *p == ';'))
		p++;
	return *p == '\0';
}

static int
exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("db: %s: %s", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Counts each statement and its time for /metrics ("DB time"). */
static int
on_profile(unsigned type, void *ctx, void *stmt, void *ns)
{
	metrics_inc(METRIC_DB_STATEMENTS);
	metrics_add(METRIC_DB_NANOSECONDS, (uint64_t)*(sqlite3_int64 *)ns);
	return 0;
}

static sqlite3 *
conn_open(void)
{
	sqlite3		*db = NULL;
	const char	*sync;
	int		 flags, rc;

	/* Only db_init creates the file: a vanished one is an error. */
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (db_conn_is_memory())
		flags |= SQLITE_OPEN_CREATE;
	if ((rc = sqlite3_open_v2(conn_path, &db, flags, NULL)) != SQLITE_OK) {
		log_error("db: cannot open %s: %s", conn_path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(db, BUSY_MS);
	sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, on_profile, NULL);
	if (sqlite3_enable_load_extension(db, 0) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0,
	    (int *)NULL) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1,
	    (int *)NULL) != SQLITE_OK) {
		log_error("db: cannot configure %s: %s", conn_path,
		    sqlite3_errmsg(db));
		goto fail;
	}
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
	    (int *)NULL) != SQLITE_OK) {
		log_error("db: cannot configure %s: %s", conn_path,
		    sqlite3_errmsg(db));
		goto fail;
	}
#endif
	sync = conn_sync == DB_SYNC_NORMAL ? "PRAGMA synchronous=NORMAL" :
	    "PRAGMA synchronous=FULL";
	if (exec(db, "PRAGMA foreign_keys=ON") == -1 || exec(db, sync) == -1)
		goto fail;
	/*
	 * With the checkpointer running, writers leave checkpoints to it
	 * and only step in themselves if the WAL grows far past normal.
	 */
	if (atomic_load(&checkpointer_on))
		sqlite3_wal_autocheckpoint(db, CHECKPOINT_FALLBACK_PAGES);
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

void
db_conn_checkpointer(bool on)
{
	atomic_store(&checkpointer_on, on);
}

int
db_init(const char *path, enum db_sync sync, struct erp_err *err)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	const char	*mode;
	int		 fd = -1, rc = -1;

	if (path == NULL || *path == '\0') {
		err_set(err, "database path is empty");
		return -1;
	}
	/*
	 * No memory statistics: they take a global mutex on every SQLite
	 * allocation, which hundreds of worker threads then queue on. Only
	 * possible before SQLite initialises; later calls change nothing.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sync != DB_SYNC_NORMAL && sync != DB_SYNC_FULL) {
		err_set(err, "database sync level %d is not NORMAL or FULL",
		    (int)sync);
		return -1;
	}
	if (!sqlite3_threadsafe()) {
		err_set(err, "SQLite was built without thread support");
		return -1;
	}
	/* A second init (tests) must not keep a connection to the old path. */
	db_thread_close();
	free(conn_path);
	conn_path = xstrdup(path);
	conn_sync = sync;
	if (db_conn_is_memory())
		return 0;

	/* Create it ourselves so it is never readable by others, any umask. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		err_set(err, "cannot open database %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) == -1) {
		err_set(err, "cannot make database %s mode 0600: %s", path,
		    strerror(errno));
		goto out;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set(err, "cannot open database %s: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, BUSY_MS);
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		err_set(err, "database %s: cannot switch to WAL: %s", path,
		    sqlite3_errmsg(db));
		goto out;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (mode == NULL || strcasecmp(mode, "wal") != 0) {
		err_set(err, "database %s: journal mode is %s, not wal", path,
		    mode ? mode : "unknown");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (fd != -1)
		close(fd);
	if (rc == -1) {
		free(conn_path);
		conn_path = NULL;
	}
	return rc;
}

sqlite3 *
db_get(void)
{
	struct thr	*t;

	if (conn_path == NULL) {
		log_error("db: db_init has not run");
		return NULL;
	}
	t = thr_get();
	if (t->t_db == NULL)
		t->t_db = conn_open();
	return t->t_db;
}

static size_t
slot_hash(const char *sql)
{
	uint64_t	 h = (uint64_t)(uintptr_t)sql;

	/* Fibonacci hashing: the high bits mix all of the pointer's bits. */
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(h >> 32);
}

/* The slot holding sql, or the empty one where it belongs. */
static struct slot *
slot_find(struct thr *t, const char *sql)
{
	size_t	 i, mask = t->t_cap - 1;

	for (i = slot_hash(sql) & mask;; i = (i + 1) & mask)
		if (t->t_slots[i].s_sql == sql || t->t_slots[i].s_sql == NULL)
			return &t->t_slots[i];
}

static void
grow(struct thr *t)
{
	struct slot	*old = t->t_slots;
	size_t		 i, n = t->t_cap;

	t->t_cap = n ? n * 2 : CACHE_MIN;
	t->t_slots = xcalloc(t->t_cap, sizeof(*t->t_slots));
	for (i = 0; i < n; i++)
		if (old[i].s_sql != NULL)
			*slot_find(t, old[i].s_sql) = old[i];
	free(old);
}

/* Whether the cached statement was made from sql's current text. */
static bool
same_text(const struct slot *s, const char *sql)
{
	return strncmp(sql, sqlite3_sql(s->s_stmt), s->s_len) == 0 &&
	    is_blank(sql + s->s_len);
}

/* Set while a module's statement is prepared (db_stmt_restricted). */
static __thread bool	 restricted;

/*
 * The authorizer for modules' statements: no transaction control (the
 * host owns the transaction), no ATTACH, no PRAGMA, no schema changes.
 */
static int
module_authorizer(void *arg, int action, const char *a, const char *b,
    const char *c, const char *d)
{
	switch (action) {
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
	case SQLITE_PRAGMA:
	case SQLITE_ALTER_TABLE:
	case SQLITE_REINDEX:
	case SQLITE_ANALYZE:
	case SQLITE_CREATE_INDEX:
	case SQLITE_CREATE_TABLE:
	case SQLITE_CREATE_TEMP_INDEX:
	case SQLITE_CREATE_TEMP_TABLE:
	case SQLITE_CREATE_TEMP_TRIGGER:
	case SQLITE_CREATE_TEMP_VIEW:
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_CREATE_VIEW:
	case SQLITE_CREATE_VTABLE:
	case SQLITE_DROP_INDEX:
	case SQLITE_DROP_TABLE:
	case SQLITE_DROP_TEMP_INDEX:
	case SQLITE_DROP_TEMP_TABLE:
	case SQLITE_DROP_TEMP_TRIGGER:
	case SQLITE_DROP_TEMP_VIEW:
	case SQLITE_DROP_TRIGGER:
	case SQLITE_DROP_VIEW:
	case SQLITE_DROP_VTABLE:
		return SQLITE_DENY;
	default:
		return SQLITE_OK;
	}
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st = NULL;
	const char	*tail = NULL;
	int		 rc;

	if (restricted)
		sqlite3_set_authorizer(db, module_authorizer, NULL);
	rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    &tail);
	if (restricted)
		sqlite3_set_authorizer(db, NULL, NULL);
	if (rc != SQLITE_OK) {
		log_error("db: cannot prepare \"%.*s\": %s", LOG_SQL_MAX, sql,
		    sqlite3_errmsg(db));
		return NULL;
	}
	if (st == NULL || !is_blank(tail)) {
		log_error("db: \"%.*s\" is not exactly one statement",
		    LOG_SQL_MAX, sql);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

sqlite3_stmt *
db_stmt_restricted(const char *sql)
{
	sqlite3_stmt	*st;

	restricted = true;
	st = db_stmt(sql);
	restricted = false;
	return st;
}

sqlite3_stmt *
db_stmt(const char *sql)
{
	struct thr	*t;
	struct slot	*s;
	sqlite3_stmt	*st;

	if (sql == NULL || db_get() == NULL)
		return NULL;
	t = thr_get();
	if (t->t_cap == 0)
		grow(t);
	s = slot_find(t, sql);
	if (s->s_sql == sql && s->s_stmt != NULL) {
		if (same_text(s, sql)) {
			sqlite3_reset(s->s_stmt);
			sqlite3_clear_bindings(s->s_stmt);
			return s->s_stmt;
		}
		/* Checked because running the old text would be silent. */
		log_warn("db: the text at a cached SQL pointer changed (SQL "
		    "must be static): \"%.*s\"", LOG_SQL_MAX, sql);
		sqlite3_finalize(s->s_stmt);
		s->s_stmt = NULL;
	}
	if (s->s_sql == NULL && (t->t_len + 1) * 4 > t->t_cap * 3) {
		grow(t);
		s = slot_find(t, sql);
	}
	if ((st = prepare(t->t_db, sql)) == NULL)
		return NULL;
	if (s->s_sql == NULL)
		t->t_len++;
	s->s_sql = sql;
	s->s_stmt = st;
	s->s_len = strlen(sqlite3_sql(st));
	return st;
}

/*
 * One writer at a time in this process, queued on a mutex: SQLite's own
 * busy handler sleeps a millisecond or more before retrying a taken write
 * lock, which under concurrent writes cost half the throughput here.
 * Other processes (erpd user add, backup) still meet the busy timeout.
 */
static pthread_mutex_t	 writer = PTHREAD_MUTEX_INITIALIZER;
static __thread bool	 writing;
static __thread bool	 reading;	/* a read transaction is open */
static __thread uint64_t tx_seq;	/* this thread's write transaction */
static atomic_uint_fast64_t tx_count;	/* ids unique across workers */

static void
writer_release(void)
{
	if (writing) {
		writing = false;
		pthread_mutex_unlock(&writer);
	}
}

void
db_thread_close(void)
{
	if (writing || reading)
		db_tx_rollback();
	thr_free(worker_local_take(WORKER_DB));
}

/* Steps a cached statement that returns no rows. */
static int
run(const char *sql)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(sql)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		log_error("db: %s: %s", sql, sqlite3_errmsg(db_get()));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_tx_begin(void)
{
	if (writing) {
		log_error("db: nested write transaction");
		return -1;
	}
	/* a request's read snapshot ends where its write begins */
	if (reading && db_tx_commit() == -1)
		return -1;
	/* the worker first: its holders may be queued on the writer lock */
	if (db_get() == NULL)
		return -1;
	pthread_mutex_lock(&writer);
	writing = true;
	tx_seq = atomic_fetch_add(&tx_count, 1) + 1;
	if (run("BEGIN IMMEDIATE") == -1) {
		writer_release();
		return -1;
	}
	return 0;
}

bool
db_tx_writing(void)
{
	return writing;
}

bool
db_tx_reading(void)
{
	return reading;
}

uint64_t
db_tx_id(void)
{
	return writing ? tx_seq : 0;
}

int
db_tx_begin_read(void)
{
	if (writing || reading)
		return 0;	/* already inside one: share it */
	if (run("BEGIN") == -1)
		return -1;
	reading = true;
	return 0;
}

int
db_tx_commit(void)
{
	sqlite3	*db;

	reading = false;
	if (run("COMMIT") == 0) {
		writer_release();
		return 0;
	}
	/* Never leave a pooled thread inside a failed transaction. */
	if ((db = db_get()) != NULL && !sqlite3_get_autocommit(db))
		db_tx_rollback();
	writer_release();
	return -1;
}

int
db_tx_rollback(void)
{
	sqlite3	*db;
	int	 rc = 0;

	reading = false;
	if ((db = db_get()) == NULL)
		rc = -1;
	else if (!sqlite3_get_autocommit(db))
		rc = run("ROLLBACK");
	writer_release();
	return rc;
}

void
db_tx_end(void)
{
	if (writing) {
		log_error("db: a write transaction was left open");
		db_tx_rollback();
	} else if (reading)
		db_tx_commit();
}

void
db_release(void)
{
	if (!worker_held() || writing)
		return;
	db_tx_end();
	worker_return();
}

int
db_ping(void)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt("SELECT 1")) == NULL)
		return -1;
	rc = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 ?
	    0 : -1;
	sqlite3_reset(st);
	return rc;
}
