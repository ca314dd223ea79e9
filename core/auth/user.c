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
row_to_user(struct db_stmt *st, struct auth_user *u)
{
	u->us_id = db_col_int(st, 0);
	db_col_copy(st, 1, u->us_email, sizeof(u->us_email));
	db_col_copy(st, 2, u->us_name, sizeof(u->us_name));
	db_col_copy(st, 3, u->us_hash, sizeof(u->us_hash));
	u->us_is_admin = db_col_int(st, 4) != 0;
	u->us_is_active = db_col_int(st, 5) != 0;
	u->us_token_version = db_col_int(st, 6);
	db_col_copy(st, 7, u->us_created_at, sizeof(u->us_created_at));
	db_col_copy(st, 8, u->us_updated_at, sizeof(u->us_updated_at));
}

static enum auth_result
fetch_one(struct db_stmt *st, struct auth_user *u)
{
	int	 rc = db_step(st);

	if (rc == DB_ROW) {
		row_to_user(st, u);
		db_reset(st);
		return AUTH_OK;
	}
	db_reset(st);
	if (rc == DB_DONE)
		return AUTH_ERR_NOT_FOUND;
	log_error("users: %s", db_errmsg());
	return AUTH_ERR_INTERNAL;
}

enum auth_result
auth_user_get(int64_t id, struct auth_user *u)
{
	static const char	 sql[] = "SELECT " USER_COLUMNS
				    " FROM users WHERE id = ?";
	struct db_stmt		*st;

	if ((st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	db_bind_int(st, 1, id);
	return fetch_one(st, u);
}

enum auth_result
auth_user_by_email(const char *email, struct auth_user *u)
{
	static const char	 sql[] = "SELECT " USER_COLUMNS
				    " FROM users WHERE email = ?";
	struct db_stmt		*st;

	if ((st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	db_bind_text(st, 1, email);
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
	struct db_stmt		*st;
	char			 now[21];
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	db_bind_text(st, 1, email);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, hash);
	db_bind_int(st, 4, is_admin);
	db_bind_text(st, 5, now);
	db_bind_text(st, 6, now);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_CONSTRAINT) {
		*field = "email";
		snprintf(why, whylen, "is already taken");
		return AUTH_ERR_CONFLICT;
	}
	if (rc != DB_DONE) {
		log_error("users: insert: %s", db_errmsg());
		return AUTH_ERR_INTERNAL;
	}
	*id = db_last_id();
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
step_update(struct db_stmt *st)
{
	int	 rc = db_step(st);

	db_reset(st);
	if (rc != DB_DONE) {
		log_error("users: update: %s", db_errmsg());
		return AUTH_ERR_INTERNAL;
	}
	return db_changes() > 0 ? AUTH_OK : AUTH_ERR_NOT_FOUND;
}

enum auth_result
auth_user_set_password_hash(int64_t id, const char *hash, bool bump)
{
	static const char	 sql[] = "UPDATE users SET password_hash = ?, "
				    "token_version = token_version + ?, "
				    "updated_at = ? WHERE id = ?";
	struct db_stmt		*st;
	char			 now[21];

	if ((st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, bump ? 1 : 0);
	db_bind_text(st, 3, now);
	db_bind_int(st, 4, id);
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
	struct db_stmt		*st;
	char			 now[21];

	if ((st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	if (name != NULL)
		db_bind_text(st, 1, name);
	if (is_admin >= 0)
		db_bind_int(st, 2, is_admin);
	if (is_active >= 0)
		db_bind_int(st, 3, is_active);
	db_bind_text(st, 4, now);
	db_bind_int(st, 5, id);
	return step_update(st);
}

int64_t
auth_user_count(void)
{
	static const char	 sql[] = "SELECT count(*) FROM users";
	struct db_stmt		*st;
	int64_t			 n = -1;

	if ((st = db_prepare(sql)) == NULL)
		return -1;
	if (db_step(st) == DB_ROW)
		n = db_col_int(st, 0);
	db_reset(st);
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
	struct db_stmt		*st;
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	db_bind_int(st, 1, id);
	db_bind_text_ref(st, 2, jti);
	if ((rc = db_step(st)) == DB_ROW) {
		*active = db_col_int(st, 0) != 0;
		*version = db_col_int(st, 1);
		*admin = db_col_int(st, 2) != 0;
		db_col_copy(st, 3, email, AUTH_EMAIL_MAX + 1);
		*revoked = db_col_int(st, 4) != 0;
	}
	db_reset(st);
	if (rc == DB_ROW)
		return AUTH_OK;
	return rc == DB_DONE ? AUTH_ERR_NOT_FOUND : AUTH_ERR_INTERNAL;
}
