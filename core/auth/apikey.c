/*
 * apikey: keys that act in one organization with one role. A key is
 * "erp_<prefix>_<secret>": the 12-hex-digit prefix is public and finds the
 * row, the 256-bit secret is never stored: only a BLAKE2b hash keyed with
 * a pepper derived from ERP_SECRET_KEY, compared in constant time.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "db/db.h"

#define PREFIX_HEX	12
#define SECRET_BYTES	32
#define HASH_BYTES	32
#define USED_EVERY	60	/* seconds between last_used_at writes */

static unsigned char	 pepper[32];
static bool		 ready;

int
auth_apikey_init(const struct config *cf)
{
	if (config_derive_key(cf, CONFIG_KEY_APIKEY_PEPPER, pepper,
	    sizeof(pepper)) == -1)
		return -1;
	ready = true;
	return 0;
}

static void
key_hash(const char *key, unsigned char out[HASH_BYTES])
{
	crypto_generichash(out, HASH_BYTES, (const unsigned char *)key,
	    strlen(key), pepper, sizeof(pepper));
}

enum auth_result
auth_apikey_create(int64_t org, const char *name, const char *role,
    int64_t expires_at, int64_t creator, struct auth_apikey *out)
{
	static const char	 sql[] = "INSERT INTO api_keys (org_id, name, "
				    "prefix, key_hash, role, created_by, "
				    "created_at, expires_at) VALUES (?, ?, ?, "
				    "?, ?, ?, ?, ?)";
	unsigned char		 raw[SECRET_BYTES], h[HASH_BYTES];
	char			 secret[sodium_base64_ENCODED_LEN(SECRET_BYTES,
				    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	sqlite3_stmt		*st;
	int			 rc;

	if (!ready || (st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	memset(out, 0, sizeof(*out));
	rand_hex(out->ak_prefix, PREFIX_HEX / 2);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(secret, sizeof(secret), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out->ak_key, sizeof(out->ak_key), "erp_%s_%s",
	    out->ak_prefix, secret);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(secret, sizeof(secret));
	key_hash(out->ak_key, h);
	time_rfc3339(time_now(), out->ak_created_at);
	sqlite3_bind_int64(st, 1, org);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, out->ak_prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 4, h, sizeof(h), SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, creator);
	sqlite3_bind_text(st, 7, out->ak_created_at, -1, SQLITE_TRANSIENT);
	if (expires_at > 0)
		sqlite3_bind_int64(st, 8, expires_at);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		sodium_memzero(out->ak_key, sizeof(out->ak_key));
		log_error("api keys: insert: %s", sqlite3_errmsg(db_get()));
		return AUTH_ERR_INTERNAL;
	}
	out->ak_id = sqlite3_last_insert_rowid(db_get());
	out->ak_org = org;
	out->ak_expires_at = expires_at;
	snprintf(out->ak_name, sizeof(out->ak_name), "%s", name);
	snprintf(out->ak_role, sizeof(out->ak_role), "%s", role);
	return AUTH_OK;
}

/* Splits "erp_<12 hex>_<43 base64url>"; -1 if it is not that shape. */
static int
parse(const char *key, char prefix[PREFIX_HEX + 1])
{
	size_t	 i, len = strlen(key);

	if (len != 4 + PREFIX_HEX + 1 + 43 || strncmp(key, "erp_", 4) != 0 ||
	    key[4 + PREFIX_HEX] != '_')
		return -1;
	for (i = 0; i < PREFIX_HEX; i++) {
		char	 c = key[4 + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		prefix[i] = c;
	}
	prefix[PREFIX_HEX] = '\0';
	return 0;
}

static void
touch(int64_t id, int64_t now)
{
	static const char	 sql[] = "UPDATE api_keys SET last_used_at = ? "
				    "WHERE id = ?";
	sqlite3_stmt		*st;
	char			 ts[21];

	if (db_tx_begin() == -1)
		return;
	if ((st = db_stmt(sql)) != NULL) {
		time_rfc3339(now, ts);
		sqlite3_bind_text(st, 1, ts, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	db_tx_commit();
}

int
auth_apikey_verify(const char *key, int64_t now, struct auth_subject *sub,
    char *why, size_t whylen)
{
	static const char	 sql[] = "SELECT k.id, k.org_id, k.role, "
				    "k.key_hash, k.expires_at, k.revoked_at, "
				    "k.last_used_at, u.is_active "
				    "FROM api_keys k JOIN users u "
				    "ON u.id = k.created_by WHERE k.prefix = ?";
	unsigned char		 h[HASH_BYTES];
	char			 prefix[PREFIX_HEX + 1], used[21] = "";
	char			 limit[21];
	sqlite3_stmt		*st;
	const void		*stored;
	int64_t			 id = 0;
	int			 rc, ok = -1;

	memset(sub, 0, sizeof(*sub));
	if (!ready || parse(key, prefix) == -1) {
		snprintf(why, whylen, "malformed API key");
		return -1;
	}
	if ((st = db_stmt(sql)) == NULL)
		return -2;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		key_hash(key, h);
		stored = sqlite3_column_blob(st, 3);
		if (stored == NULL || sqlite3_column_bytes(st, 3) != HASH_BYTES ||
		    sodium_memcmp(stored, h, HASH_BYTES) != 0)
			snprintf(why, whylen, "API key does not match");
		else if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			snprintf(why, whylen, "API key revoked");
		else if (sqlite3_column_type(st, 4) != SQLITE_NULL &&
		    sqlite3_column_int64(st, 4) <= now)
			snprintf(why, whylen, "API key expired");
		else if (sqlite3_column_int(st, 7) == 0)
			snprintf(why, whylen, "API key's creator deactivated");
		else {
			id = sqlite3_column_int64(st, 0);
			sub->su_kind = AUTH_KIND_API_KEY;
			sub->su_user_id = id;
			sub->su_key_org = sqlite3_column_int64(st, 1);
			snprintf(sub->su_key_role, sizeof(sub->su_key_role),
			    "%s", (const char *)sqlite3_column_text(st, 2));
			if (sqlite3_column_text(st, 6) != NULL)
				snprintf(used, sizeof(used), "%s",
				    (const char *)sqlite3_column_text(st, 6));
			ok = 0;
		}
	} else
		snprintf(why, whylen, "unknown API key");
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -2;
	if (ok == 0) {
		/* at most one write a minute per key */
		time_rfc3339(now - USED_EVERY, limit);
		if (used[0] == '\0' || strcmp(used, limit) < 0)
			touch(id, now);
	}
	return ok;
}

enum auth_result
auth_apikey_revoke(int64_t org, int64_t id)
{
	static const char	 sql[] = "UPDATE api_keys SET revoked_at = ? "
				    "WHERE id = ? AND org_id = ? "
				    "AND revoked_at IS NULL";
	sqlite3_stmt		*st;
	char			 now[21];
	int			 rc;

	if ((st = db_stmt(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, org);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return AUTH_ERR_INTERNAL;
	return sqlite3_changes(db_get()) > 0 ? AUTH_OK : AUTH_ERR_NOT_FOUND;
}

int
auth_apikey_revoke_creator(int64_t user)
{
	static const char	 sql[] = "UPDATE api_keys SET revoked_at = ? "
				    "WHERE created_by = ? AND revoked_at IS NULL";
	sqlite3_stmt		*st;
	char			 now[21];
	int			 rc;

	if ((st = db_stmt(sql)) == NULL)
		return -1;
	time_rfc3339(time_now(), now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, user);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db_get()) : -1;
}
