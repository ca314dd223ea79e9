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

#define PEPPER_BYTES	32

/* in locked, read-only memory (sodium_malloc) */
static unsigned char	*pepper;
static bool		 ready;

int
auth_apikey_init(const struct config *cf)
{
	int	 rc;

	if (pepper == NULL && (pepper = sodium_malloc(PEPPER_BYTES)) == NULL)
		return -1;
	sodium_mprotect_readwrite(pepper);
	rc = config_derive_key(cf, CONFIG_KEY_APIKEY_PEPPER, pepper,
	    PEPPER_BYTES);
	sodium_mprotect_readonly(pepper);
	ready = rc == 0;
	return rc;
}

static void
key_hash(const char *key, unsigned char out[HASH_BYTES])
{
	crypto_generichash(out, HASH_BYTES, (const unsigned char *)key,
	    strlen(key), pepper, PEPPER_BYTES);
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
	struct db_stmt		*st;
	int			 rc;

	if (!ready || (st = db_prepare(sql)) == NULL)
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
	db_bind_int(st, 1, org);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, out->ak_prefix);
	db_bind_blob(st, 4, h, sizeof(h));
	db_bind_text(st, 5, role);
	db_bind_int(st, 6, creator);
	db_bind_text(st, 7, out->ak_created_at);
	if (expires_at > 0)
		db_bind_int(st, 8, expires_at);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		sodium_memzero(out->ak_key, sizeof(out->ak_key));
		log_error("api keys: insert: %s", db_errmsg());
		return AUTH_ERR_INTERNAL;
	}
	out->ak_id = db_last_id();
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
	struct db_stmt		*st;
	char			 ts[21];

	if (db_tx_begin() == -1)
		return;
	if ((st = db_prepare(sql)) != NULL) {
		time_rfc3339(now, ts);
		db_bind_text(st, 1, ts);
		db_bind_int(st, 2, id);
		db_step(st);
		db_reset(st);
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
	struct db_stmt		*st;
	const void		*stored;
	size_t			 stored_len;
	int64_t			 id = 0;
	int			 rc, ok = -1;

	memset(sub, 0, sizeof(*sub));
	if (!ready || parse(key, prefix) == -1) {
		snprintf(why, whylen, "malformed API key");
		return -1;
	}
	if ((st = db_prepare(sql)) == NULL)
		return -2;
	db_bind_text(st, 1, prefix);
	if ((rc = db_step(st)) == DB_ROW) {
		key_hash(key, h);
		stored = db_col_blob(st, 3, &stored_len);
		if (stored == NULL || stored_len != HASH_BYTES ||
		    sodium_memcmp(stored, h, HASH_BYTES) != 0)
			snprintf(why, whylen, "API key does not match");
		else if (!db_col_is_null(st, 5))
			snprintf(why, whylen, "API key revoked");
		else if (!db_col_is_null(st, 4) &&
		    db_col_int(st, 4) <= now)
			snprintf(why, whylen, "API key expired");
		else if (db_col_int(st, 7) == 0)
			snprintf(why, whylen, "API key's creator deactivated");
		else {
			id = db_col_int(st, 0);
			sub->su_kind = AUTH_KIND_API_KEY;
			sub->su_user_id = id;
			sub->su_key_org = db_col_int(st, 1);
			snprintf(sub->su_key_role, sizeof(sub->su_key_role),
			    "%s", db_col_text(st, 2));
			if (!db_col_is_null(st, 6))
				snprintf(used, sizeof(used), "%s",
				    db_col_text(st, 6));
			ok = 0;
		}
	} else
		snprintf(why, whylen, "unknown API key");
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
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
	struct db_stmt		*st;
	char			 now[21];
	int			 rc;

	if ((st = db_prepare(sql)) == NULL)
		return AUTH_ERR_INTERNAL;
	time_rfc3339(time_now(), now);
	db_bind_text(st, 1, now);
	db_bind_int(st, 2, id);
	db_bind_int(st, 3, org);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return AUTH_ERR_INTERNAL;
	return db_changes() > 0 ? AUTH_OK : AUTH_ERR_NOT_FOUND;
}
