/*
 * auth: who is calling. Password hashing (Argon2id, bounded concurrency),
 * access tokens (HS256 JWTs through libjwt, with the checks libjwt leaves
 * to its caller), revocation, users and login rate limits.
 */
#ifndef ERP_CORE_AUTH_H
#define ERP_CORE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "config/config.h"

/* password.c ------------------------------------------------------------ */

/* The Argon2id parameters, in one place (libsodium's "interactive"). */
#define AUTH_PWHASH_OPSLIMIT	2
#define AUTH_PWHASH_MEMLIMIT	(64u * 1024 * 1024)	/* bytes per hash */
/* Hashes running at once, and waiting for a slot, before 503. */
#define AUTH_PWHASH_ACTIVE	2
#define AUTH_PWHASH_QUEUE	16
#define AUTH_PWHASH_HASH_MAX	128	/* crypto_pwhash_STRBYTES */
#define AUTH_PASSWORD_MIN	12	/* characters */
#define AUTH_PASSWORD_MAX	1024	/* bytes, so a hash cannot be a DoS */

enum auth_pw_result {
	AUTH_PW_OK,
	AUTH_PW_MISMATCH,	/* wrong password */
	AUTH_PW_BUSY,		/* too many hashes queued: answer 503 */
	AUTH_PW_ERROR		/* out of memory in libsodium, logged */
};

/* Prepares the dummy hash unknown users are verified against. 0 or -1. */
int	auth_password_init(void);

/*
 * Hashes pw into out (NUL-terminated, AUTH_PWHASH_HASH_MAX bytes) with
 * the parameters above, waiting for a slot. Returns AUTH_PW_OK, _BUSY or
 * _ERROR.
 */
enum auth_pw_result auth_password_hash(const char *pw, char *out);

/*
 * Verifies pw against hash (NULL: against the dummy hash, so an unknown
 * user costs the same time and always mismatches). *rehash (may be NULL)
 * is set when the hash used older parameters.
 */
enum auth_pw_result auth_password_verify(const char *hash, const char *pw,
	    bool *rehash);

/* How many hashes run or wait right now (for metrics and tests). */
int	auth_password_queue_depth(void);

/* The policy's password_ok, consulted by auth_password_ok when set. */
typedef bool (*auth_password_rule_fn)(const char *pw, const char *email,
	    char *why, size_t whylen);
void	auth_password_set_rule(auth_password_rule_fn);

/*
 * The password rule: at least AUTH_PASSWORD_MIN characters, at most
 * AUTH_PASSWORD_MAX bytes, valid UTF-8, not the email, not a common
 * password. Returns true, or false with a reason for the user in why.
 * The policy issue moves this rule into password_ok; keep callers here.
 */
bool	auth_password_ok(const char *pw, const char *email, char *why,
	    size_t whylen);

/* jwt.c ----------------------------------------------------------------- */

#define AUTH_JTI_LEN	32	/* hex characters */
#define AUTH_CLOCK_SKEW	30	/* seconds of leeway on iat and exp */

/* What a valid access token says. */
struct auth_claims {
	int64_t		 cl_sub;	/* user id */
	int64_t		 cl_iat;
	int64_t		 cl_exp;
	int64_t		 cl_ver;	/* the user's token version */
	char		 cl_jti[AUTH_JTI_LEN + 1];
};

/*
 * Makes an HS256 token for user sub with token version ver, valid ttl
 * seconds from now. Returns an xmalloc'd string the caller frees, or NULL
 * (logged). *claims (may be NULL) gets what was signed.
 */
char	*auth_jwt_issue(const struct config *cf, int64_t sub, int64_t ver,
	    int64_t now, struct auth_claims *claims);

/*
 * Checks token completely: header alg exactly HS256 (before anything is
 * trusted), signature with cf's key, iss, integer exp in the future,
 * integer iat not in the future, sub a positive integer string, jti.
 * Returns 0 with claims filled, or -1. The reason is never shown to the
 * client (always "invalid token"); why (may be NULL) gets it for tests.
 */
int	auth_jwt_verify(const struct config *cf, const char *token,
	    int64_t now, struct auth_claims *claims, char *why, size_t whylen);
/* Frees this thread's cache of verified tokens (at thread exit). */
void	auth_jwt_thread_free(void);

struct auth_subject;

/* user.c ---------------------------------------------------------------- */

#define AUTH_EMAIL_MAX	254	/* bytes */
#define AUTH_NAME_MAX	200	/* characters */

struct auth_user {
	int64_t		 us_id;
	char		 us_email[AUTH_EMAIL_MAX + 1];
	char		 us_name[AUTH_NAME_MAX * 4 + 1];
	char		 us_hash[AUTH_PWHASH_HASH_MAX];	/* secret */
	bool		 us_is_admin;
	bool		 us_is_active;
	int64_t		 us_token_version;
	char		 us_created_at[21];
	char		 us_updated_at[21];
};

enum auth_result {
	AUTH_OK,
	AUTH_ERR_INVALID,	/* a field is wrong: why says which and how */
	AUTH_ERR_CONFLICT,	/* the email is taken */
	AUTH_ERR_NOT_FOUND,
	AUTH_ERR_BUSY,		/* password hashing queue full: 503 */
	AUTH_ERR_INTERNAL	/* database or memory, logged */
};

/*
 * Normalises an email in place: trims spaces, lower-cases ASCII, and
 * checks the shape local@domain (no spaces or controls, at most
 * AUTH_EMAIL_MAX bytes). Returns 0, or -1 if it is not an email.
 */
int	auth_email_normalize(char *email);

/*
 * Checks a new user's fields: email (normalised into email), name length
 * and the password rule. AUTH_OK, or AUTH_ERR_INVALID with *field and why.
 */
enum auth_result auth_user_check(const char *email_in, const char *name,
	    const char *password, char email[AUTH_EMAIL_MAX + 1],
	    const char **field, char *why, size_t whylen);

/*
 * Inserts a checked user with an already computed hash (so the slow hash
 * stays outside the caller's transaction). AUTH_ERR_CONFLICT names email.
 */
enum auth_result auth_user_insert(const char *email, const char *name,
	    const char *hash, bool is_admin, int64_t *id, const char **field,
	    char *why, size_t whylen);

/*
 * Creates a user: check, hash, insert. email is normalised here; password must pass
 * auth_password_ok. why gets a message (with its field in *field) for
 * AUTH_ERR_INVALID. *id gets the new id.
 */
enum auth_result auth_user_create(const char *email, const char *name,
	    const char *password, bool is_admin, int64_t *id,
	    const char **field, char *why, size_t whylen);

/* Loads a user by id or by (normalised) email. */
enum auth_result auth_user_get(int64_t id, struct auth_user *out);
enum auth_result auth_user_by_email(const char *email, struct auth_user *out);

/*
 * What authenticating a request needs of a user, and whether the token
 * jti is revoked, in one statement.
 */
enum auth_result auth_user_brief(int64_t id, const char *jti, bool *active,
	    int64_t *version, bool *admin, bool *revoked,
	    char email[AUTH_EMAIL_MAX + 1]);

/* Replaces the hash; bump also kills every earlier token of the user. */
enum auth_result auth_user_set_password_hash(int64_t id, const char *hash,
	    bool bump);

/*
 * Applies an admin's change: name (NULL: keep), is_admin and is_active
 * (-1: keep). Deactivating bumps the token version so tokens die at once.
 */
enum auth_result auth_user_update(int64_t id, const char *name,
	    int is_admin, int is_active);

/* Number of users, or -1 on error. */
int64_t	auth_user_count(void);

/* Wipes the password hash of a struct auth_user. */
void	auth_user_clear(struct auth_user *);

/* org.c ----------------------------------------------------------------- */

struct auth_org {
	int64_t		 og_id;
	char		 og_name[801];
	char		 og_slug[65];
	char		 og_created_at[21];
};

/*
 * user's role in org into role and the org's policy version in force:
 * 1, 0 when not a member (version still set), -1 on error.
 */
int	auth_member_context(int64_t org, int64_t user, char *role,
	    size_t rolelen, int64_t *version);
/* user's role in org into role: 1, 0 when not a member, -1 on error. */
int	auth_member_role(int64_t org, int64_t user, char *role, size_t rolelen);
enum auth_result auth_org_get(int64_t id, struct auth_org *);
/* Creates an org with creator as its first member (admin). Call in a tx. */
enum auth_result auth_org_create(const char *name, const char *slug,
	    int64_t creator, int64_t *id);
/* Adds user to org or changes the role; *created (may be NULL) says which. */
enum auth_result auth_member_set(int64_t org, int64_t user, const char *role,
	    bool *created);
enum auth_result auth_member_remove(int64_t org, int64_t user);
/* The newest version of org's own policy (0: none), or -1 on error. */
int64_t	auth_org_policy_version(int64_t org);
/* That version's source (xmalloc'd), or NULL. */
char	*auth_org_policy_source(int64_t org, int64_t version);

/* apikey.c -------------------------------------------------------------- */

struct auth_apikey {
	int64_t		 ak_id;
	int64_t		 ak_org;
	char		 ak_name[401];
	char		 ak_prefix[13];
	char		 ak_key[80];		/* the full key: shown once */
	char		 ak_role[64];
	int64_t		 ak_expires_at;		/* 0: never */
	char		 ak_created_at[21];
};

/* Derives the pepper from ERP_SECRET_KEY; 0 or -1. */
int	auth_apikey_init(const struct config *cf);
/*
 * Makes a key for org with role, expiring at expires_at (0: never), and
 * stores only its hash. out->ak_key holds the key to show once; wipe it.
 */
enum auth_result auth_apikey_create(int64_t org, const char *name,
	    const char *role, int64_t expires_at, int64_t creator,
	    struct auth_apikey *out);
/*
 * Authenticates an X-API-Key value: 0 with sub (kind API_KEY, its org
 * and role), -1 refused (why for the log), -2 internal error.
 */
int	auth_apikey_verify(const char *key, int64_t now,
	    struct auth_subject *sub, char *why, size_t whylen);
/* Revokes key id of org; AUTH_ERR_NOT_FOUND if none or already revoked. */
enum auth_result auth_apikey_revoke(int64_t org, int64_t id);

/* bootstrap.c ----------------------------------------------------------- */

/*
 * With no user yet, creates the system admin from ERP_BOOTSTRAP_ADMIN_*,
 * or in development admin@localhost with a random password written to
 * $ERP_DATA_DIR/initial-admin.txt (0600). *created gets the new user's
 * id, or 0 when there was nothing to do. Returns 0, or -1 with err set.
 */
int	auth_bootstrap_admin(const struct config *cf, int64_t *created,
	    struct erp_err *err);

/* revoke.c -------------------------------------------------------------- */

/* Denylists jti until exp (and purges entries past their expiry). 0/-1. */
int	auth_revoke_add(const char *jti, int64_t exp, int64_t now);

/* authn.c --------------------------------------------------------------- */

enum auth_kind { AUTH_KIND_USER = 1, AUTH_KIND_API_KEY };

/* Who an authenticated request acts as. */
struct auth_subject {
	enum auth_kind	 su_kind;
	int64_t		 su_user_id;	/* the user, or the API key's id */
	int64_t		 su_key_org;	/* API key: its organization */
	char		 su_key_role[64];	/* API key: its role */
	bool		 su_is_admin;
	char		 su_email[AUTH_EMAIL_MAX + 1];
	struct auth_claims su_claims;		/* the bearer token's */
};

/*
 * Authenticates a bearer token: the token itself, then revocation, then
 * the user (exists, active, same token version). Returns 0 with sub
 * filled, -1 when the credentials are refused (why: for the log only), or
 * -2 on an internal error.
 */
int	auth_bearer(const struct config *cf, const char *token, int64_t now,
	    struct auth_subject *sub, char *why, size_t whylen);

/* ratelimit.c ----------------------------------------------------------- */

#define AUTH_RL_SLOTS	65536	/* a table's first size (32 bytes a slot) */

struct auth_rl;

/*
 * A limiter allowing limit events per fixed window of window seconds.
 * Its table starts at slots and grows, as keys need room, up to 8 times
 * that; then a new key evicts one below its limit, never a limited one,
 * and is refused only when all it could take are limited.
 */
struct auth_rl *auth_rl_new(int limit, int window, size_t slots);
void	auth_rl_free(struct auth_rl *);
/* Slots the table has now (for tests and the bound). */
size_t	auth_rl_size(struct auth_rl *);

/*
 * Would one more event for key be over the limit at now? Returns 0 if
 * not, else the seconds until the window ends (for Retry-After).
 */
int	auth_rl_check(struct auth_rl *, const char *key, int64_t now);

/* Counts one event for key at now; returns like auth_rl_check after it. */
int	auth_rl_hit(struct auth_rl *, const char *key, int64_t now);

/*
 * Takes back one event counted in the current window (a reserved attempt
 * that turned out not to count, such as a successful login).
 */
void	auth_rl_undo(struct auth_rl *, const char *key, int64_t now);

#endif /* ERP_CORE_AUTH_H */
