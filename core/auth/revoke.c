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
	struct db_stmt		*st;
	int			 rc;

	if ((st = db_prepare(add)) == NULL)
		return -1;
	db_bind_text(st, 1, jti);
	/* a token verifies until exp + skew: keep it listed that long */
	db_bind_int(st, 2, exp + AUTH_CLOCK_SKEW);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		log_error("revoke: %s", db_errmsg());
		return -1;
	}
	if ((st = db_prepare(purge)) != NULL) {
		db_bind_int(st, 1, now);
		db_step(st);
		db_reset(st);
	}
	return 0;
}
