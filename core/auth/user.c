/*
 * user: the users table. Emails are stored normalised (trimmed, ASCII
 * lower-case) and unique regardless of case; a password is checked against
 * the rule and hashed before it reaches the database.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "db/db.h"

#define USER_COLUMNS \
	"id, email, name, password_hash, is_admin, is_active, " \
	"token_version, created_at, updated_at"

int
auth_email_normalize(char *email)
{
	size_t	 len, i, at = 0, ats = 0;
	char	*p = email;

	while (*p == ' ' || *p == '\t')
		p++;
	len = strlen(p);
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	memmove(email, p, len);
	email[len] = '\0';
	if (len < 3 || len > AUTH_EMAIL_MAX || !utf8_valid(email, len))
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)email[i];

		if (c <= ' ' || c == 0x7f || c == '"' || c == ',' ||
		    c == '<' || c == '>' || c == '\\')
			return -1;
		if (c == '@') {
			ats++;
			at = i;
		}
		email[i] = (char)tolower(c);
	}
	/* one @, something before it, a domain after it */
	if (ats != 1 || at == 0 || at == len - 1 || email[at + 1] == '.' ||
	    email[len - 1] == '.')
		return -1;
	return 0;
}

static void
copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char	*t = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void
row_to_user(sqlite3_stmt *st, struct auth_user *u)
{
	u->us_id = sqlite3_column_int64(st, 0);
	copy_text(u->us_email, sizeof(u->us_email), st, 1);
	copy_text(u->us_name, sizeof(u->us_name), st, 2);
	copy_text(u->us_hash, sizeof(u->us_hash), st, 3);
	u->us_is_admin = sqlite3_column_int(st, 4) != 0;
	u->us_is_active = sqlite3_column_int(st, 5) != 0;
	u->us_token_version = sqlite3_column_int64(st, 6);
	copy_text(u->us_created_at, sizeof(u->us_created_at), st, 7);
	copy_text(u->us_updated_at, sizeof(u->us_updated_at), st, 8);
}

static enum auth_result
fetch_one(sqlite3_stmt *st, struct auth_user *u)
{
	int	 rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		row_to_user(st, u);
		sqlite3_reset(st);
		return AUTH_OK;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return AUTH_ERR_NOT_FOUND;
	log_error("users: %s", sqlite3_errmsg(db_get()));
	return AUTH_ERR_INTERNAL;
}

enum auth_result
auth_user_get(int64_t id, struct auth_user *u)
{
	static const char	 sql[] = "SELECT " USER_COLUMNS
				    " FROM users WHERE id = ?";
	sqlite3_stmt		*st;

	if ((st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	return fetch_one(st, u);
}

enum auth_result
auth_user_by_email(const char *email, struct auth_user *u)
{
	static const char	 sql[] = "SELECT " USER_COLUMNS
				    " FROM users WHERE email = ?";
	sqlite3_stmt		*st;

	if ((st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
	return fetch_one(st, u);
}

enum auth_result
auth_user_check(const char *email_in, const char *name, const char *password,
    char email[AUTH_EMAIL_MAX + 1], const char **field, char *why,
    size_t whylen)
{
	char	 tmp[AUTH_EMAIL_MAX + 9];	/* room for spaces to trim */
	size_t	 n = strlen(email_in);

	*field = NULL;
	if (n >= sizeof(tmp) || (memcpy(tmp, email_in, n + 1),
	    auth_email_normalize(tmp) == -1)) {
		*field = "email";
		snprintf(why, whylen, "must be an email address");
		return AUTH_ERR_INVALID;
	}
	memcpy(email, tmp, strlen(tmp) + 1);	/* normalised: fits */
	if (utf8_count(name, strlen(name)) > AUTH_NAME_MAX) {
		*field = "name";
		snprintf(why, whylen, "must be at most %d characters",
		    AUTH_NAME_MAX);
		return AUTH_ERR_INVALID;
	}
	if (!auth_password_ok(password, email, why, whylen)) {
		*field = "password";
		return AUTH_ERR_INVALID;
	}
	return AUTH_OK;
}

enum auth_result
auth_user_insert(const char *email, const char *name, const char *hash,
    bool is_admin, int64_t *id, const char **field, char *why, size_t whylen)
{
	static const char	 sql[] = "INSERT INTO users (email, name, "
				    "password_hash, is_admin, created_at, "
				    "updated_at) VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt		*st;
	char			 now[21];
	int			 rc;

	if ((st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, is_admin);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_CONSTRAINT) {
		*field = "email";
		snprintf(why, whylen, "is already taken");
		return AUTH_ERR_CONFLICT;
	}
	if (rc != SQLITE_DONE) {
		log_error("users: insert: %s", sqlite3_errmsg(db_get()));
		return AUTH_ERR_INTERNAL;
	}
	*id = sqlite3_last_insert_rowid(db_get());
	return AUTH_OK;
}

enum auth_result
auth_user_create(const char *email_in, const char *name,
    const char *password, bool is_admin, int64_t *id, const char **field,
    char *why, size_t whylen)
{
	char			 email[AUTH_EMAIL_MAX + 1];
	char			 hash[AUTH_PWHASH_HASH_MAX];
	enum auth_result	 r;

	if ((r = auth_user_check(email_in, name, password, email, field, why,
	    whylen)) != AUTH_OK)
		return r;
	switch (auth_password_hash(password, hash)) {
	case AUTH_PW_OK:
		break;
	case AUTH_PW_BUSY:
		return AUTH_ERR_BUSY;
	default:
		return AUTH_ERR_INTERNAL;
	}
	r = auth_user_insert(email, name, hash, is_admin, id, field, why,
	    whylen);
	sodium_memzero(hash, sizeof(hash));
	return r;
}

static enum auth_result
step_update(sqlite3_stmt *st)
{
	int	 rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		log_error("users: update: %s", sqlite3_errmsg(db_get()));
		return AUTH_ERR_INTERNAL;
	}
	return sqlite3_changes(db_get()) > 0 ? AUTH_OK : AUTH_ERR_NOT_FOUND;
}

enum auth_result
auth_user_set_password_hash(int64_t id, const char *hash, bool bump)
{
	static const char	 sql[] = "UPDATE users SET password_hash = ?, "
				    "token_version = token_version + ?, "
				    "updated_at = ? WHERE id = ?";
	sqlite3_stmt		*st;
	char			 now[21];

	if ((st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, bump ? 1 : 0);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, id);
	return step_update(st);
}

enum auth_result
auth_user_update(int64_t id, const char *name, int is_admin, int is_active)
{
	static const char	 sql[] = "UPDATE users SET "
				    "name = coalesce(?1, name), "
				    "is_admin = coalesce(?2, is_admin), "
				    "token_version = token_version + "
				    "(CASE WHEN ?3 = 0 AND is_active = 1 "
				    "THEN 1 ELSE 0 END), "
				    "is_active = coalesce(?3, is_active), "
				    "updated_at = ?4 WHERE id = ?5";
	sqlite3_stmt		*st;
	char			 now[21];

	if ((st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	if (name != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (is_admin >= 0)
		sqlite3_bind_int(st, 2, is_admin);
	if (is_active >= 0)
		sqlite3_bind_int(st, 3, is_active);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, id);
	return step_update(st);
}

int64_t
auth_user_count(void)
{
	static const char	 sql[] = "SELECT count(*) FROM users";
	sqlite3_stmt		*st;
	int64_t			 n = -1;

	if ((st = db_stmt(sql)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

void
auth_user_clear(struct auth_user *u)
{
	sodium_memzero(u->us_hash, sizeof(u->us_hash));
}

enum auth_result
auth_user_brief(int64_t id, const char *jti, bool *active, int64_t *version,
    bool *admin, bool *revoked, char email[AUTH_EMAIL_MAX + 1])
{
	/* one statement for the user and the token's revocation */
	static const char	 sql[] = "SELECT is_active, token_version, "
				    "is_admin, email, EXISTS (SELECT 1 FROM "
				    "revoked_tokens WHERE jti = ?2) "
				    "FROM users WHERE id = ?1";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, jti, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*active = sqlite3_column_int(st, 0) != 0;
		*version = sqlite3_column_int64(st, 1);
		*admin = sqlite3_column_int(st, 2) != 0;
		copy_text(email, AUTH_EMAIL_MAX + 1, st, 3);
		*revoked = sqlite3_column_int(st, 4) != 0;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return AUTH_OK;
	return rc == SQLITE_DONE ? AUTH_ERR_NOT_FOUND : AUTH_ERR_INTERNAL;
}
