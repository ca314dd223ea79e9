/*
 * checkpoint: a background thread that copies the WAL back into the
 * database, so that requests never pay for a checkpoint while holding the
 * write lock (measured: the audited write did twice as many checkpoints as
 * the unaudited one, each blocking every writer).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "db.h"
#include "db_sqlite.h"
#include "db_int.h"

#define CHECKPOINT_EVERY_MS	250

static pthread_t	 thread;
static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 wake = PTHREAD_COND_INITIALIZER;
static bool		 running, stopping;

static void *
loop(void *arg)
{
	struct timespec	 until;
	sqlite3		*db;
	int		 log_frames, done;

	pthread_mutex_lock(&lock);
	while (!stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += CHECKPOINT_EVERY_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&wake, &lock, &until);
		if (stopping)
			break;
		pthread_mutex_unlock(&lock);
		/* PASSIVE: never waits for or blocks a writer */
		if ((db = db_get()) != NULL &&
		    sqlite3_wal_checkpoint_v2(db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done) != SQLITE_OK &&
		    sqlite3_errcode(db) != SQLITE_BUSY)
			log_warn("db: checkpoint: %s", sqlite3_errmsg(db));
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	db_thread_close();
	return NULL;
}

int
db_checkpointer_start(void)
{
	if (db_conn_is_memory() || running)
		return 0;
	stopping = false;
	db_conn_checkpointer(true);
	if (pthread_create(&thread, NULL, loop, NULL) != 0) {
		db_conn_checkpointer(false);
		return -1;
	}
	running = true;
	return 0;
}

void
db_checkpointer_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = false;
	db_conn_checkpointer(false);
}
