/*
 * revoke: logged-out tokens, by jti, kept only until the token would have
 * expired anyway (then purged). Password changes and deactivations do not
 * use this list: they bump the user's token version instead. Requests
 * check it in the same statement that loads the user (auth_user_brief).
 */
#include "auth.h"
#include "db/db.h"

int
auth_revoke_add(const char *jti, int64_t exp, int64_t now)
{
	static const char	 add[] = "INSERT OR IGNORE INTO revoked_tokens "
				    "(jti, expires_at) VALUES (?, ?)";
	static const char	 purge[] = "DELETE FROM revoked_tokens "
				    "WHERE expires_at < ?";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = db_stmt(add)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, jti, -1, SQLITE_TRANSIENT);
	/* a token verifies until exp + skew: keep it listed that long */
	sqlite3_bind_int64(st, 2, exp + AUTH_CLOCK_SKEW);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_error("revoke: %s", sqlite3_errmsg(db_get()));
		return -1;
	}
	if ((st = db_stmt(purge)) != NULL) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	return 0;
}
