/*
 * jwt: HS256 access tokens. libjwt builds and parses them; everything
 * libjwt 1.10 leaves to its caller (pinning alg, the HMAC compare, exp,
 * iss and the claims' types) is checked here, failing closed.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <jwt.h>
#include <sodium.h>

#include "auth.h"

#define TOKEN_MAX	4096	/* bytes; ours are about 250 */
#define SIG_LEN		crypto_auth_hmacsha256_BYTES
#define SIG_B64_LEN	43	/* base64url of 32 bytes, no padding */
#define SUB_DIGITS	18	/* so any sub fits in an int64_t */
#define SUB_MAX		INT64_C(999999999999999999)

/* libjwt's integer grants are longs: they must hold an int64_t. */
_Static_assert(sizeof(long) >= sizeof(int64_t), "long narrower than 64 bits");

/* One base64url part of a token, pointing into it. */
struct part {
	const char	*pa_s;
	size_t		 pa_len;
};

static void
say(char *why, size_t whylen, const char *reason)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", reason);
}

static bool
is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Splits token into exactly three base64url parts (no padding, no
 * whitespace), the first two non-empty. The signature's length is left
 * to check_sig, so that another alg is reported as such.
 */
static int
split(const char *token, size_t len, struct part p[3])
{
	size_t	 i, n = 0, start = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && is_b64url(token[i]))
			continue;
		if (i < len && token[i] != '.')
			return -1;
		if (n == 3)
			return -1;
		p[n].pa_s = token + start;
		p[n].pa_len = i - start;
		n++;
		start = i + 1;
	}
	if (n != 3 || p[0].pa_len == 0 || p[1].pa_len == 0)
		return -1;
	return 0;
}

/*
 * Decodes a base64url part strictly (libsodium also refuses non-zero
 * trailing bits) into out, NUL-terminated, at most max bytes. *outlen
 * gets the length. Returns 0 or -1.
 */
static int
b64(const struct part *p, unsigned char *out, size_t max, size_t *outlen)
{
	if (sodium_base642bin(out, max, p->pa_s, p->pa_len, NULL, outlen,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    *outlen >= max)
		return -1;
	out[*outlen] = '\0';
	return 0;
}

/*
 * The header must be a JSON object whose only members are alg, exactly
 * "HS256", and optionally typ, exactly "JWT", each once: a duplicate
 * could be read one way here and another way by libjwt's jansson.
 */
static int
check_header(const struct part *p, char *why, size_t whylen)
{
	unsigned char	 raw[TOKEN_MAX];
	size_t		 len, i;
	cJSON		*h = NULL, *m;
	int		 alg = 0, typ = 0, rc = -1;

	if (b64(p, raw, sizeof(raw), &len) == -1 ||
	    strlen((char *)raw) != len) {
		say(why, whylen, "header: bad base64url");
		goto out;
	}
	/* cJSON skips every control character as if it were a space */
	for (i = 0; i < len; i++)
		if (raw[i] < 0x20 && strchr("\t\n\r", raw[i]) == NULL)
			break;
	if (i < len || !cJSON_IsObject(h = cJSON_ParseWithOpts((char *)raw,
	    NULL, 1))) {
		say(why, whylen, "header: not a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(m, h) {
		if (m->string != NULL && strcmp(m->string, "alg") == 0) {
			if (alg++ > 0 || !cJSON_IsString(m) ||
			    strcmp(m->valuestring, "HS256") != 0) {
				say(why, whylen, "header: alg is not HS256");
				goto out;
			}
		} else if (m->string != NULL && strcmp(m->string, "typ") == 0) {
			if (typ++ > 0 || !cJSON_IsString(m) ||
			    strcmp(m->valuestring, "JWT") != 0) {
				say(why, whylen, "header: typ is not JWT");
				goto out;
			}
		} else {
			say(why, whylen, "header: unexpected member");
			goto out;
		}
	}
	if (alg == 0) {
		say(why, whylen, "header: alg is not HS256");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(h);
	return rc;
}

/*
 * Recomputes HMAC-SHA256 over "header.payload" and compares it in
 * constant time. Upstream libjwt 1.10.2 compares with strcmp (Debian's
 * CVE-2024-25189 patch replaced it, other builds may not have), so the
 * signature is settled here before libjwt sees the token.
 */
static int
check_sig(const struct secret *key, const char *token, const struct part *p)
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[SIG_LEN], sig[SIG_LEN + 1];
	size_t				 len;
	int				 rc = -1;

	if (p[2].pa_len != SIG_B64_LEN ||
	    b64(&p[2], sig, sizeof(sig), &len) == -1 || len != SIG_LEN)
		return -1;
	crypto_auth_hmacsha256_init(&st, key->s_data, key->s_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)token,
	    p[0].pa_len + 1 + p[1].pa_len);
	crypto_auth_hmacsha256_final(&st, mac);
	if (sodium_memcmp(mac, sig, SIG_LEN) == 0)
		rc = 0;
	/* for a forged token, mac is the signature the forger wanted */
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(mac, sizeof(mac));
	return rc;
}

/*
 * An integer claim, read from jansson's own rendering of the value (cJSON
 * keeps only a double): integers print as plain decimals, reals always
 * carry '.' or an exponent, strings their quotes, so 1e10, 123.5 and "99"
 * all fail, and int64 values come through exactly.
 */
static int
int_claim(jwt_t *jwt, const char *name, int64_t *v)
{
	char		*s, *end;
	const char	*d;
	long long	 n;
	int		 rc = -1;

	if ((s = jwt_get_grants_json(jwt, name)) == NULL)
		return -1;
	/* strtoll alone would also take leading spaces and a '+' */
	d = s[0] == '-' ? s + 1 : s;
	if (d[0] < '0' || d[0] > '9')
		goto out;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		goto out;
	*v = n;
	rc = 0;
out:
	free(s);
	return rc;
}

/* A string claim, or NULL when missing or of another type. */
static const char *
str_claim(const cJSON *grants, const char *name)
{
	const cJSON	*m = cJSON_GetObjectItemCaseSensitive(grants, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* sub: 1 to SUB_DIGITS decimal digits, no sign, no leading zero. */
static int
parse_sub(const char *s, int64_t *v)
{
	size_t	 len;

	if (s == NULL || (len = strlen(s)) == 0 || len > SUB_DIGITS ||
	    s[0] < '1' || s[0] > '9' || strspn(s, "0123456789") != len)
		return -1;
	*v = strtoll(s, NULL, 10);
	return 0;
}

static bool
is_jti(const char *s)
{
	return s != NULL && strlen(s) == AUTH_JTI_LEN &&
	    strspn(s, "0123456789abcdef") == AUTH_JTI_LEN;
}

/* The payload's claims, checked against cf and now into *cl. */
static int
check_claims(const struct config *cf, jwt_t *jwt, int64_t now,
    struct auth_claims *cl, char *why, size_t whylen)
{
	char		*json;
	cJSON		*g = NULL;
	const char	*iss, *jti;
	int		 rc = -1;

	if ((json = jwt_get_grants_json(jwt, NULL)) == NULL ||
	    !cJSON_IsObject(g = cJSON_Parse(json))) {
		say(why, whylen, "payload: not a JSON object");
		goto out;
	}
	if (int_claim(jwt, "exp", &cl->cl_exp) == -1) {
		say(why, whylen, "exp: missing or not an integer");
		goto out;
	}
	/* expired once now >= exp + skew, written so it cannot overflow */
	if (cl->cl_exp <= INT64_MAX - AUTH_CLOCK_SKEW &&
	    now >= cl->cl_exp + AUTH_CLOCK_SKEW) {
		say(why, whylen, "exp: expired");
		goto out;
	}
	if (int_claim(jwt, "iat", &cl->cl_iat) == -1) {
		say(why, whylen, "iat: missing or not an integer");
		goto out;
	}
	if (cl->cl_iat > now && cl->cl_iat - now > AUTH_CLOCK_SKEW) {
		say(why, whylen, "iat: in the future");
		goto out;
	}
	if ((iss = str_claim(g, "iss")) == NULL ||
	    strcmp(iss, cf->cf_jwt_issuer) != 0) {
		say(why, whylen, "iss: wrong issuer");
		goto out;
	}
	if (parse_sub(str_claim(g, "sub"), &cl->cl_sub) == -1) {
		say(why, whylen, "sub: not a positive integer string");
		goto out;
	}
	if (!is_jti(jti = str_claim(g, "jti"))) {
		say(why, whylen, "jti: not 32 lowercase hex digits");
		goto out;
	}
	memcpy(cl->cl_jti, jti, AUTH_JTI_LEN + 1);
	if (int_claim(jwt, "ver", &cl->cl_ver) == -1 || cl->cl_ver < 0) {
		say(why, whylen, "ver: missing or not an integer >= 0");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(g);
	free(json);
	return rc;
}

static bool
has_key(const struct config *cf)
{
	return cf->cf_jwt_secret.s_data != NULL &&
	    cf->cf_jwt_secret.s_len > 0 && cf->cf_jwt_secret.s_len <= INT_MAX;
}

char *
auth_jwt_issue(const struct config *cf, int64_t sub, int64_t ver,
    int64_t now, struct auth_claims *claims)
{
	const struct secret	*key = &cf->cf_jwt_secret;
	jwt_t			*jwt = NULL;
	char			*enc = NULL, *out = NULL;
	char			 subs[24], jti[AUTH_JTI_LEN + 1];
	int64_t			 exp;

	if (!has_key(cf) || cf->cf_jwt_issuer == NULL ||
	    cf->cf_jwt_ttl <= 0) {
		log_error("jwt: cannot issue: no key, issuer or lifetime");
		return NULL;
	}
	if (sub <= 0 || sub > SUB_MAX || ver < 0) {
		log_error("jwt: cannot issue: sub %" PRId64 " or ver %" PRId64
		    " out of range", sub, ver);
		return NULL;
	}
	exp = now + cf->cf_jwt_ttl;
	snprintf(subs, sizeof(subs), "%" PRId64, sub);
	rand_hex(jti, AUTH_JTI_LEN / 2);
	if (jwt_new(&jwt) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, key->s_data,
	    (int)key->s_len) != 0 ||
	    jwt_add_grant(jwt, "sub", subs) != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)exp) != 0 ||
	    jwt_add_grant(jwt, "iss", cf->cf_jwt_issuer) != 0 ||
	    jwt_add_grant(jwt, "jti", jti) != 0 ||
	    jwt_add_grant_int(jwt, "ver", (long)ver) != 0 ||
	    (enc = jwt_encode_str(jwt)) == NULL) {
		log_error("jwt: cannot issue: libjwt failed");
		goto out;
	}
	out = xstrdup(enc);
	if (claims != NULL) {
		claims->cl_sub = sub;
		claims->cl_iat = now;
		claims->cl_exp = exp;
		claims->cl_ver = ver;
		memcpy(claims->cl_jti, jti, sizeof(claims->cl_jti));
	}
out:
	free(enc);		/* libjwt 1.10 allocates with malloc */
	jwt_free(jwt);		/* also wipes its copy of the key */
	return out;
}

static int	verify_full(const struct config *, const char *, int64_t,
		    struct auth_claims *, char *, size_t);

/*
 * Tokens this worker (base/worker.c) verified lately. A token's signature and claims do
 * not change, so a repeat skips libjwt and the HMAC (about 10 us here);
 * its times are checked again on every use, and everything else the
 * request needs (revocation, the user) is looked up every time.
 */
#define CACHE_SLOTS	8

struct cached {
	char			*ca_token;
	size_t			 ca_len;
	unsigned char		 ca_key[16];	/* which key and issuer */
	struct auth_claims	 ca_claims;
	uint64_t		 ca_used;
};

struct cache {
	struct cached	 cc_slot[CACHE_SLOTS];
	uint64_t	 cc_tick;
};

static void
cache_free(void *p)
{
	struct cache	*c = p;
	size_t		 i;

	for (i = 0; i < CACHE_SLOTS; i++)
		free(c->cc_slot[i].ca_token);
	free(c);
}

/* The current worker's cache. */
static struct cache *
cache_get(void)
{
	return worker_local(WORKER_JWT, sizeof(struct cache), cache_free);
}

static void
key_id(const struct config *cf, unsigned char id[16])
{
	crypto_generichash_state	 st;

	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, cf->cf_jwt_secret.s_data,
	    cf->cf_jwt_secret.s_len);
	crypto_generichash_update(&st, (const unsigned char *)"\0", 1);
	crypto_generichash_update(&st, (const unsigned char *)cf->cf_jwt_issuer,
	    strlen(cf->cf_jwt_issuer));
	crypto_generichash_final(&st, id, 16);
}

static bool
times_ok(const struct auth_claims *cl, int64_t now)
{
	return now < cl->cl_exp + AUTH_CLOCK_SKEW &&
	    cl->cl_iat <= now + AUTH_CLOCK_SKEW;
}

static struct cached *
cache_find(struct cache *cc, const char *token, size_t len,
    const unsigned char key[16])
{
	struct cached	*cache = cc->cc_slot;
	size_t		 i;

	for (i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].ca_token != NULL && cache[i].ca_len == len &&
		    memcmp(cache[i].ca_key, key, 16) == 0 &&
		    memcmp(cache[i].ca_token, token, len) == 0)
			return &cache[i];
	return NULL;
}

static void
cache_put(struct cache *cc, const char *token, size_t len,
    const unsigned char key[16], const struct auth_claims *cl)
{
	struct cached	*cache = cc->cc_slot, *c = &cache[0];
	size_t		 i;

	for (i = 1; i < CACHE_SLOTS && c->ca_token != NULL; i++)
		if (cache[i].ca_token == NULL || cache[i].ca_used < c->ca_used)
			c = &cache[i];
	free(c->ca_token);
	c->ca_token = xstrndup(token, len);
	c->ca_len = len;
	memcpy(c->ca_key, key, 16);
	c->ca_claims = *cl;
	c->ca_used = ++cc->cc_tick;
}

void
auth_jwt_thread_free(void)
{
	struct cache	*c;

	if ((c = worker_local_take(WORKER_JWT)) != NULL)
		cache_free(c);
}

int
auth_jwt_verify(const struct config *cf, const char *token, int64_t now,
    struct auth_claims *claims, char *why, size_t whylen)
{
	unsigned char	 kid[16];
	struct cache	*cc;
	struct cached	*hit;
	size_t		 tlen;
	int		 rc;

	if (!has_key(cf) || cf->cf_jwt_issuer == NULL || token == NULL ||
	    (tlen = strnlen(token, TOKEN_MAX + 1)) > TOKEN_MAX)
		return verify_full(cf, token, now, claims, why, whylen);
	key_id(cf, kid);
	cc = cache_get();
	if ((hit = cache_find(cc, token, tlen, kid)) != NULL) {
		if (!times_ok(&hit->ca_claims, now)) {
			say(why, whylen, "exp: expired (or iat in the future)");
			if (claims != NULL)
				*claims = (struct auth_claims){ 0 };
			return -1;
		}
		hit->ca_used = ++cc->cc_tick;
		if (claims != NULL)
			*claims = hit->ca_claims;
		return 0;
	}
	if ((rc = verify_full(cf, token, now, claims, why, whylen)) == 0 &&
	    claims != NULL)
		cache_put(cc, token, tlen, kid, claims);
	return rc;
}

static int
verify_full(const struct config *cf, const char *token, int64_t now,
    struct auth_claims *claims, char *why, size_t whylen)
{
	const struct secret	*key = &cf->cf_jwt_secret;
	struct auth_claims	 cl;
	struct part		 p[3];
	jwt_t			*jwt = NULL;
	size_t			 len;
	int			 rc = -1;

	memset(&cl, 0, sizeof(cl));
	if (!has_key(cf) || cf->cf_jwt_issuer == NULL) {
		/* libjwt 1.10 accepts any token, alg none included, keyless */
		say(why, whylen, "no key configured");
		goto out;
	}
	if (token == NULL ||
	    (len = strnlen(token, TOKEN_MAX + 1)) > TOKEN_MAX) {
		say(why, whylen, "token missing or too long");
		goto out;
	}
	if (split(token, len, p) == -1) {
		say(why, whylen, "malformed: not three base64url parts");
		goto out;
	}
	if (check_header(&p[0], why, whylen) == -1)
		goto out;
	if (check_sig(key, token, p) == -1) {
		say(why, whylen, "bad signature");
		goto out;
	}
	/* Only tokens we signed get here; libjwt re-checks all the same. */
	if (jwt_decode(&jwt, token, key->s_data, (int)key->s_len) != 0) {
		say(why, whylen, "libjwt refused the token");
		goto out;
	}
	if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
		say(why, whylen, "header: alg is not HS256");
		goto out;
	}
	if (check_claims(cf, jwt, now, &cl, why, whylen) == -1)
		goto out;
	rc = 0;
out:
	jwt_free(jwt);
	if (claims != NULL)
		*claims = rc == 0 ? cl : (struct auth_claims){ 0 };
	return rc;
}
