/*
 * db backup: copies the live database with SQLite's online backup API into
 * dest.tmp (mode 0600), syncs it and renames it over dest.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/base.h"
#include "db.h"
#include "db_sqlite.h"
#include "db_int.h"

#define BUSY_MS		5000	/* the source connection's busy timeout */
#define RETRY_MAX	100	/* BUSY or LOCKED steps before giving up */
#define RETRY_MS	50	/* pause between those retries */

static int
sync_file(const char *path, int flags)
{
	int	 fd, rc, saved;

	if ((fd = open(path, flags | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Syncs the directory holding path, so the rename survives a crash. */
static int
sync_dir(const char *path)
{
	const char	*slash;
	char		*dir;
	int		 rc;

	if ((slash = strrchr(path, '/')) == NULL)
		return sync_file(".", O_RDONLY | O_DIRECTORY);
	dir = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	rc = sync_file(dir, O_RDONLY | O_DIRECTORY);
	free(dir);
	return rc;
}

static bool
same_file(const char *a, const char *b)
{
	struct stat	 sa, sb;

	if (strcmp(a, b) == 0)
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Creates path afresh, mode 0600 whatever the umask, never via a link. */
static int
make_tmp(const char *path, struct erp_err *err)
{
	int	 fd;

	if (unlink(path) == -1 && errno != ENOENT) {
		err_set(err, "backup: cannot remove stale %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		err_set(err, "backup: cannot create %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) == -1) {
		err_set(err, "backup: cannot make %s mode 0600: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * One step of -1 pages copies everything from a single read snapshot.
 * Smaller steps restart from page 1 whenever another connection writes, so
 * under a steady write load they may never finish; in WAL mode the one
 * long read blocks no writer.
 */
static int
copy(sqlite3 *dst, sqlite3 *src, struct erp_err *err)
{
	sqlite3_backup	*bk;
	int		 step, tries = 0;

	if ((bk = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		err_set(err, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	for (;;) {
		step = sqlite3_backup_step(bk, -1);
		if (step == SQLITE_DONE)
			break;
		if (step == SQLITE_OK)
			continue;
		if ((step == SQLITE_BUSY || step == SQLITE_LOCKED) &&
		    tries++ < RETRY_MAX) {
			sqlite3_sleep(RETRY_MS);
			continue;
		}
		err_set(err, "backup: %s", sqlite3_errstr(step));
		sqlite3_backup_finish(bk);
		return -1;
	}
	if (sqlite3_backup_finish(bk) != SQLITE_OK) {
		err_set(err, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	return 0;
}

int
db_backup(const char *dest, struct erp_err *err)
{
	sqlite3		*src = NULL, *dst = NULL, *own = NULL;
	const char	*path = db_conn_path();
	struct buf	 tmp = { 0 };
	bool		 made = false;
	int		 rc = -1;

	if (dest == NULL || *dest == '\0') {
		err_set(err, "backup: the destination is empty");
		return -1;
	}
	if (path == NULL) {
		err_set(err, "backup: db_init has not run");
		return -1;
	}
	if (!db_conn_is_memory() && same_file(dest, path)) {
		err_set(err, "backup: %s is the database itself", dest);
		return -1;
	}
	buf_printf(&tmp, "%s.tmp", dest);
	if (make_tmp(tmp.b_data, err) == -1)
		goto out;
	made = true;

	if (db_conn_is_memory())
		src = db_get();	/* this thread's own database */
	else if (sqlite3_open_v2(path, &own, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(own, BUSY_MS);
		src = own;
	}
	if (src == NULL) {
		err_set(err, "backup: cannot open %s: %s", path,
		    own ? sqlite3_errmsg(own) : "see the log");
		goto out;
	}
	if (sqlite3_open_v2(tmp.b_data, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set(err, "backup: cannot open %s: %s", tmp.b_data,
		    dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	/* A failed copy is deleted, so a rollback journal buys nothing. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=OFF", NULL, NULL,
	    NULL) != SQLITE_OK) {
		err_set(err, "backup: %s: %s", tmp.b_data, sqlite3_errmsg(dst));
		goto out;
	}
	if (copy(dst, src, err) == -1)
		goto out;
	if (sqlite3_close(dst) != SQLITE_OK) {
		err_set(err, "backup: cannot close %s: %s", tmp.b_data,
		    sqlite3_errmsg(dst));
		goto out;
	}
	dst = NULL;
	if (sync_file(tmp.b_data, O_RDONLY) == -1 ||
	    rename(tmp.b_data, dest) == -1) {
		err_set(err, "backup: cannot write %s: %s", dest,
		    strerror(errno));
		goto out;
	}
	made = false;
	if (sync_dir(dest) == -1)
		log_warn("backup: cannot sync the directory of %s: %s", dest,
		    strerror(errno));
	rc = 0;
out:
	sqlite3_close(dst);
	sqlite3_close(own);
	if (made)
		unlink(tmp.b_data);
	buf_free(&tmp);
	return rc;
}
