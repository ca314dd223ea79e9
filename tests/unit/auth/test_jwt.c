/*
 * Tests for core/auth/jwt.c: issued tokens verify, and every token libjwt
 * 1.10 would wave through (other algs, no key, bad claims) is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jwt.h>
#include <sodium.h>

#include "auth/auth.h"
#include "suites.h"

#define NOW	INT64_C(1700000000)
#define TTL	1800

static unsigned char	 key[] = "k3y-for-tests-0123456789abcdefghij-XYZ";
static unsigned char	 otherkey[] = "another-key-0123456789abcdefghijkl-XYZ";
static char		 issuer[] = "erpd-test";
static char		 issuer_b[] = "erpd-other";
static struct config	 cf;

static void
setup(void)
{
	memset(&cf, 0, sizeof(cf));
	cf.cf_jwt_secret.s_data = key;
	cf.cf_jwt_secret.s_len = sizeof(key) - 1;
	cf.cf_jwt_issuer = issuer;
	cf.cf_jwt_ttl = TTL;
}

/* Appends the base64url (no padding) of len bytes of s. */
static void
b64_append(struct buf *b, const void *s, size_t len)
{
	size_t	 max = sodium_base64_ENCODED_LEN(len,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char	*out = xmalloc(max);

	sodium_bin2base64(out, max, s, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	buf_puts(b, out);
	free(out);
}

/*
 * A hand-made token: header and payload as given, then the HS256
 * signature of "header.payload" with k when sig is NULL, else sig as is.
 * The caller frees.
 */
static char *
craft_with(const char *header, const char *payload, const unsigned char *k,
    size_t klen, const char *sig)
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	struct buf			 b = { 0 };

	b64_append(&b, header, strlen(header));
	buf_puts(&b, ".");
	b64_append(&b, payload, strlen(payload));
	if (sig == NULL) {
		crypto_auth_hmacsha256_init(&st, k, klen);
		crypto_auth_hmacsha256_update(&st,
		    (const unsigned char *)b.b_data, b.b_len);
		crypto_auth_hmacsha256_final(&st, mac);
		buf_puts(&b, ".");
		b64_append(&b, mac, sizeof(mac));
	} else {
		buf_puts(&b, ".");
		buf_puts(&b, sig);
	}
	return b.b_data;
}

static char *
craft(const char *header, const char *payload)
{
	return craft_with(header, payload, key, sizeof(key) - 1, NULL);
}

#define HS256	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* The claims of a good token at NOW, each as raw JSON, in this order. */
static const char *claim_names[] = { "sub", "iat", "exp", "iss", "jti",
    "ver" };
static const char *claim_good[] = { "\"42\"", "1700000000", "1700001800",
    "\"erpd-test\"", "\"0123456789abcdef0123456789abcdef\"", "3" };

/*
 * The good payload with claim name set to the raw JSON value (NULL: left
 * out). name NULL changes nothing. The caller frees.
 */
static char *
payload_with(const char *name, const char *value)
{
	struct buf	 b = { 0 };
	size_t		 i;
	const char	*v, *sep = "";

	buf_puts(&b, "{");
	for (i = 0; i < nitems(claim_names); i++) {
		v = claim_good[i];
		if (name != NULL && strcmp(name, claim_names[i]) == 0)
			v = value;
		if (v == NULL)
			continue;
		buf_printf(&b, "%s\"%s\":%s", sep, claim_names[i], v);
		sep = ",";
	}
	buf_puts(&b, "}");
	return b.b_data;
}

/* Verifies tok at NOW with cf; why gets the reason. */
static int
verify(const char *tok, char *why, size_t whylen)
{
	struct auth_claims	 cl;
	int			 rc;

	memset(&cl, 0xa5, sizeof(cl));
	why[0] = '\0';
	rc = auth_jwt_verify(&cf, tok, NOW, &cl, why, whylen);
	if (rc == -1) {
		/* a refused token leaves nothing behind in the claims */
		ck_assert_int_eq(cl.cl_sub, 0);
		ck_assert_int_eq(cl.cl_exp, 0);
		ck_assert_str_eq(cl.cl_jti, "");
	}
	return rc;
}

/* Asserts tok is refused with a reason starting with prefix. */
static void
refused(const char *tok, const char *prefix)
{
	char	 why[128];

	ck_assert_msg(verify(tok, why, sizeof(why)) == -1,
	    "accepted: %.300s", tok);
	ck_assert_msg(strncmp(why, prefix, strlen(prefix)) == 0,
	    "why \"%s\", expected \"%s...\" for %.300s", why, prefix, tok);
}

static void
accepted(const char *tok)
{
	char	 why[128];

	ck_assert_msg(verify(tok, why, sizeof(why)) == 0,
	    "refused (%s): %.300s", why, tok);
}

/* A token made by libjwt itself with alg and the good claims. */
static char *
libjwt_token(jwt_alg_t alg)
{
	jwt_t	*jwt;
	char	*enc, *tok;

	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, alg, key, sizeof(key) - 1), 0);
	ck_assert_int_eq(jwt_add_grant(jwt, "sub", "42"), 0);
	ck_assert_int_eq(jwt_add_grant_int(jwt, "iat", NOW), 0);
	ck_assert_int_eq(jwt_add_grant_int(jwt, "exp", NOW + TTL), 0);
	ck_assert_int_eq(jwt_add_grant(jwt, "iss", issuer), 0);
	ck_assert_int_eq(jwt_add_grant(jwt, "jti",
	    "0123456789abcdef0123456789abcdef"), 0);
	ck_assert_int_eq(jwt_add_grant_int(jwt, "ver", 3), 0);
	ck_assert_ptr_nonnull(enc = jwt_encode_str(jwt));
	tok = xstrdup(enc);
	free(enc);
	jwt_free(jwt);
	return tok;
}

START_TEST(test_round_trip)
{
	struct auth_claims	 a, b;
	char			 why[128];
	char			*tok, *tok2;

	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, 42, 3, NOW, &a));
	ck_assert_int_eq(a.cl_sub, 42);
	ck_assert_int_eq(a.cl_ver, 3);
	ck_assert_int_eq(a.cl_iat, NOW);
	ck_assert_int_eq(a.cl_exp, NOW + TTL);
	ck_assert_uint_eq(strlen(a.cl_jti), AUTH_JTI_LEN);
	ck_assert_uint_eq(strspn(a.cl_jti, "0123456789abcdef"), AUTH_JTI_LEN);

	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(auth_jwt_verify(&cf, tok, NOW, &b, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(b.cl_sub, a.cl_sub);
	ck_assert_int_eq(b.cl_iat, a.cl_iat);
	ck_assert_int_eq(b.cl_exp, a.cl_exp);
	ck_assert_int_eq(b.cl_ver, a.cl_ver);
	ck_assert_str_eq(b.cl_jti, a.cl_jti);
	/* claims and why may be NULL */
	ck_assert_int_eq(auth_jwt_verify(&cf, tok, NOW, NULL, NULL, 0), 0);

	/* every token gets its own jti */
	ck_assert_ptr_nonnull(tok2 = auth_jwt_issue(&cf, 42, 3, NOW, &b));
	ck_assert_str_ne(a.cl_jti, b.cl_jti);
	ck_assert_str_ne(tok, tok2);
	free(tok2);

	/* the largest sub a token can carry */
	ck_assert_ptr_nonnull(tok2 = auth_jwt_issue(&cf,
	    INT64_C(999999999999999999), 0, NOW, NULL));
	ck_assert_int_eq(auth_jwt_verify(&cf, tok2, NOW, &b, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(b.cl_sub, INT64_C(999999999999999999));
	ck_assert_int_eq(b.cl_ver, 0);
	free(tok2);
	free(tok);
}
END_TEST

/* exp is checked with AUTH_CLOCK_SKEW of leeway, and not a second more. */
START_TEST(test_expiry_skew)
{
	char	 why[128];
	char	*tok;
	int64_t	 end = NOW + TTL;

	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, 7, 0, NOW, NULL));
	ck_assert_int_eq(auth_jwt_verify(&cf, tok, end - 1, NULL, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(auth_jwt_verify(&cf, tok, end, NULL, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(auth_jwt_verify(&cf, tok,
	    end + AUTH_CLOCK_SKEW - 1, NULL, why, sizeof(why)), 0);
	ck_assert_int_eq(auth_jwt_verify(&cf, tok, end + AUTH_CLOCK_SKEW,
	    NULL, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "exp: expired");
	ck_assert_int_eq(auth_jwt_verify(&cf, tok, end + 86400, NULL, why,
	    sizeof(why)), -1);
	/* issued "in the future" (a clock step) is fine within the skew */
	ck_assert_int_eq(auth_jwt_verify(&cf, tok, NOW - AUTH_CLOCK_SKEW,
	    NULL, why, sizeof(why)), 0);
	ck_assert_int_eq(auth_jwt_verify(&cf, tok, NOW - AUTH_CLOCK_SKEW - 1,
	    NULL, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "iat: in the future");
	free(tok);
}
END_TEST

START_TEST(test_issue_refuses)
{
	struct config	 c = cf;

	ck_assert_ptr_null(auth_jwt_issue(&cf, 0, 0, NOW, NULL));
	ck_assert_ptr_null(auth_jwt_issue(&cf, -1, 0, NOW, NULL));
	/* 19 digits: verify would refuse it, so issue does not make it */
	ck_assert_ptr_null(auth_jwt_issue(&cf,
	    INT64_C(1000000000000000000), 0, NOW, NULL));
	ck_assert_ptr_null(auth_jwt_issue(&cf, 1, -1, NOW, NULL));
	c.cf_jwt_secret.s_len = 0;
	ck_assert_ptr_null(auth_jwt_issue(&c, 1, 0, NOW, NULL));
	c.cf_jwt_secret.s_data = NULL;
	ck_assert_ptr_null(auth_jwt_issue(&c, 1, 0, NOW, NULL));
	c = cf;
	c.cf_jwt_ttl = 0;
	ck_assert_ptr_null(auth_jwt_issue(&c, 1, 0, NOW, NULL));
}
END_TEST

/* Our crafting is right: the good token and harmless variants verify. */
static const struct {
	const char	*header;
	const char	*name;
	const char	*value;
} good[] = {
	{ HS256, NULL, NULL },
	{ "{\"alg\":\"HS256\"}", NULL, NULL },
	{ "{\"typ\":\"JWT\",\"alg\":\"HS256\"}", NULL, NULL },
	{ HS256, "exp", "1699999971" },		/* expired 29 s ago */
	{ HS256, "iat", "1700000030" },		/* 30 s ahead */
	{ HS256, "sub", "\"123456789012345678\"" },
	{ HS256, "sub", "\"1\"" },
	{ HS256, "ver", "0" },
	{ HS256, "exp", "9223372036854775807" },
};

START_TEST(test_good_crafted)
{
	char	*p = payload_with(good[_i].name, good[_i].value);
	char	*tok = craft(good[_i].header, p);

	accepted(tok);
	free(tok);
	free(p);
}
END_TEST

/* Headers that must be refused even when signed with HS256 and our key. */
static const struct {
	const char	*header;
	const char	*why;
} bad_headers[] = {
	{ "{\"alg\":\"none\",\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":\"None\",\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":\"NONE\",\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":\"nOnE\",\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":\"none\"}", "header: alg" },
	{ "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":\"HS384\",\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":\"hs256\",\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":\"HS256 \",\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"typ\":\"JWT\"}", "header: alg" },
	{ "{}", "header: alg" },
	{ "{\"alg\":256,\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":null,\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":[\"HS256\"],\"typ\":\"JWT\"}", "header: alg" },
	{ "{\"alg\":{\"x\":\"HS256\"}}", "header: alg" },
	/* jansson keeps the last duplicate, cJSON the first */
	{ "{\"alg\":\"HS256\",\"alg\":\"HS512\"}", "header: alg" },
	{ "{\"alg\":\"HS256\",\"alg\":\"none\"}", "header: alg" },
	{ "{\"alg\":\"HS256\",\"alg\":\"HS256\"}", "header: alg" },
	{ "{\"ALG\":\"HS256\"}", "header: unexpected" },
	{ "{\"alg\":\"HS256\",\"Alg\":\"none\"}", "header: unexpected" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWS\"}", "header: typ" },
	{ "{\"alg\":\"HS256\",\"typ\":1}", "header: typ" },
	{ "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"typ\":\"JWT\"}",
	    "header: typ" },
	{ "{\"alg\":\"HS256\",\"kid\":\"../../dev/null\"}",
	    "header: unexpected" },
	{ "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", "header: unexpected" },
	{ "[\"alg\",\"HS256\"]", "header: not" },
	{ "\"HS256\"", "header: not" },
	{ "{\"alg\":\"HS256\"", "header: not" },
	{ "{\"alg\":\"HS256\"} x", "header: not" },
	{ "", "malformed" },
};

START_TEST(test_bad_header)
{
	char	*p = payload_with(NULL, NULL);
	char	*tok = craft(bad_headers[_i].header, p);

	refused(tok, bad_headers[_i].why);
	free(tok);
	free(p);
}
END_TEST

/* alg none in any spelling, with no signature or an arbitrary one. */
static const char *none_algs[] = { "none", "None", "NONE", "nOnE" };

START_TEST(test_alg_none_unsigned)
{
	char	 h[64], sig[64];
	char	*p = payload_with(NULL, NULL), *tok;

	snprintf(h, sizeof(h), "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
	    none_algs[_i]);
	tok = craft_with(h, p, NULL, 0, "");
	refused(tok, "header: alg");
	free(tok);
	/* 43 characters, the length of a real HS256 signature */
	memset(sig, 'A', 43);
	sig[43] = '\0';
	tok = craft_with(h, p, NULL, 0, sig);
	refused(tok, "header: alg");
	free(tok);
	tok = craft_with(h, p, NULL, 0, "c2lnbmF0dXJl");
	refused(tok, "header: alg");
	free(tok);
	free(p);
}
END_TEST

/* HS384 and HS512 made by libjwt with our very key. */
START_TEST(test_other_hmac_algs)
{
	char	*tok;

	tok = libjwt_token(JWT_ALG_HS512);
	refused(tok, "header: alg");
	free(tok);
	tok = libjwt_token(JWT_ALG_HS384);
	refused(tok, "header: alg");
	free(tok);
	/* and the same helper with HS256 is fine */
	tok = libjwt_token(JWT_ALG_HS256);
	accepted(tok);
	free(tok);
}
END_TEST

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

START_TEST(test_bad_signature)
{
	struct auth_claims	 cl;
	char			*tok, *dot;
	size_t			 len, i;
	char			 c;

	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, 42, 0, NOW, &cl));
	len = strlen(tok);
	dot = strrchr(tok, '.');
	/* flip characters all along the signature */
	for (i = (size_t)(dot - tok) + 1; i < len - 1; i += 7) {
		c = tok[i];
		tok[i] = c == 'A' ? 'B' : 'A';
		refused(tok, "bad signature");
		tok[i] = c;
	}
	/*
	 * The last character carries 2 unused bits: setting one keeps the
	 * same 32 bytes for a lax decoder, but is not our encoding.
	 */
	c = tok[len - 1];
	tok[len - 1] = b64url[(strchr(b64url, c) - b64url) | 1];
	refused(tok, "bad signature");
	tok[len - 1] = c;
	/* truncated, lengthened, empty */
	tok[len - 1] = '\0';
	refused(tok, "bad signature");
	tok[len - 1] = c;
	accepted(tok);
	dot[1] = '\0';
	refused(tok, "bad signature");
	free(tok);
}
END_TEST

/* Changing sub in a good token's payload while keeping its signature. */
START_TEST(test_tampered_payload)
{
	unsigned char	 raw[512];
	char		*tok, *p, *forged, *at, *sig;
	size_t		 len;
	struct buf	 b = { 0 };

	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, 42, 0, NOW, NULL));
	p = strchr(tok, '.') + 1;
	sig = strrchr(tok, '.');
	ck_assert_int_eq(sodium_base642bin(raw, sizeof(raw) - 1, p,
	    (size_t)(sig - p), NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	raw[len] = '\0';
	ck_assert_ptr_nonnull(at = strstr((char *)raw, "\"sub\":\"42\""));
	at[7] = '1';		/* "42" becomes "12" */
	buf_append(&b, tok, (size_t)(p - tok));
	b64_append(&b, raw, len);
	buf_puts(&b, sig);
	refused(b.b_data, "bad signature");
	buf_free(&b);

	/* another payload under a real token's signature */
	p = payload_with(NULL, NULL);
	forged = craft_with(HS256, p, NULL, 0, sig + 1);
	refused(forged, "bad signature");
	free(forged);
	free(p);
	free(tok);
}
END_TEST

/* Payloads, correctly signed, whose claims are wrong. */
static const struct {
	const char	*name;
	const char	*value;		/* raw JSON; NULL: missing */
	const char	*why;
} bad_claims[] = {
	{ "exp", NULL, "exp:" },
	{ "exp", "\"9999999999\"", "exp:" },
	{ "exp", "\"1700001800\"", "exp:" },
	{ "exp", "1e10", "exp:" },
	{ "exp", "1E10", "exp:" },
	{ "exp", "123.5", "exp:" },
	{ "exp", "1700001800.0", "exp:" },
	{ "exp", "1.7000018e9", "exp:" },
	{ "exp", "true", "exp:" },
	{ "exp", "null", "exp:" },
	{ "exp", "[1700001800]", "exp:" },
	{ "exp", "{}", "exp:" },
	{ "exp", "1699999970", "exp: expired" },	/* now - skew */
	{ "exp", "1699999969", "exp: expired" },
	{ "exp", "0", "exp: expired" },
	{ "exp", "-1", "exp: expired" },
	{ "exp", "-9223372036854775808", "exp: expired" },
	/* over int64: jansson refuses the payload outright */
	{ "exp", "99999999999999999999", "libjwt" },
	{ "iat", NULL, "iat:" },
	{ "iat", "\"1700000000\"", "iat:" },
	{ "iat", "1700000000.5", "iat:" },
	{ "iat", "1700000031", "iat: in the future" },
	{ "iat", "9223372036854775807", "iat: in the future" },
	{ "iss", NULL, "iss:" },
	{ "iss", "\"erpd-other\"", "iss:" },
	{ "iss", "\"erpd-tes\"", "iss:" },
	{ "iss", "\"erpd-test \"", "iss:" },
	{ "iss", "\"\"", "iss:" },
	{ "iss", "1", "iss:" },
	{ "iss", "[\"erpd-test\"]", "iss:" },
	{ "sub", NULL, "sub:" },
	{ "sub", "42", "sub:" },
	{ "sub", "\"0\"", "sub:" },
	{ "sub", "\"-1\"", "sub:" },
	{ "sub", "\"+1\"", "sub:" },
	{ "sub", "\" 1\"", "sub:" },
	{ "sub", "\"1 \"", "sub:" },
	{ "sub", "\"12a\"", "sub:" },
	{ "sub", "\"\"", "sub:" },
	{ "sub", "\"007\"", "sub:" },
	{ "sub", "\"1234567890123456789\"", "sub:" },
	{ "sub", "\"99999999999999999999999\"", "sub:" },
	{ "sub", "\"4.2\"", "sub:" },
	{ "jti", NULL, "jti:" },
	{ "jti", "\"0123456789abcdef0123456789abcde\"", "jti:" },
	{ "jti", "\"0123456789abcdef0123456789abcdef0\"", "jti:" },
	{ "jti", "\"0123456789ABCDEF0123456789abcdef\"", "jti:" },
	{ "jti", "\"0123456789abcdef0123456789abcdeg\"", "jti:" },
	{ "jti", "\"0123456789abcdef0123456789abcdef-\"", "jti:" },
	{ "jti", "1234", "jti:" },
	{ "ver", NULL, "ver:" },
	{ "ver", "-1", "ver:" },
	{ "ver", "\"3\"", "ver:" },
	{ "ver", "3.0", "ver:" },
};

START_TEST(test_bad_claims)
{
	char	*p = payload_with(bad_claims[_i].name, bad_claims[_i].value);
	char	*tok = craft(HS256, p);

	refused(tok, bad_claims[_i].why);
	free(tok);
	free(p);
}
END_TEST

/* Payloads that are not an object of the claims under their own names. */
static const struct {
	const char	*payload;
	const char	*why;
} odd_payloads[] = {
	{ "[1,2]", "payload:" },
	{ "\"x\"", "libjwt" },
	{ "not json", "libjwt" },
	{ "{}", "exp:" },
	/* names are case-sensitive: a claim under another case is missing */
	{ "{\"sub\":\"42\",\"iat\":1700000000,\"exp\":1700001800,"
	  "\"ISS\":\"erpd-test\",\"jti\":\"0123456789abcdef0123456789abcdef\","
	  "\"ver\":3}", "iss:" },
	{ "{\"Sub\":\"42\",\"iat\":1700000000,\"exp\":1700001800,"
	  "\"iss\":\"erpd-test\",\"jti\":\"0123456789abcdef0123456789abcdef\","
	  "\"ver\":3}", "sub:" },
	{ "{\"sub\":\"42\",\"iat\":1700000000,\"EXP\":1700001800,"
	  "\"iss\":\"erpd-test\",\"jti\":\"0123456789abcdef0123456789abcdef\","
	  "\"ver\":3}", "exp:" },
	/* claims nested one level down are not claims */
	{ "{\"claims\":{\"sub\":\"42\",\"iat\":1700000000,"
	  "\"exp\":1700001800,\"iss\":\"erpd-test\","
	  "\"jti\":\"0123456789abcdef0123456789abcdef\",\"ver\":3}}", "exp:" },
};

START_TEST(test_odd_payload)
{
	char	*tok = craft(HS256, odd_payloads[_i].payload);

	refused(tok, odd_payloads[_i].why);
	free(tok);
}
END_TEST

/* Strings that are not three base64url parts. */
static const char *garbage[] = {
	"", ".", "..", "...", "a", "a.b", "a.b.c.d", ".b.c", "a..c",
	"a.b.c.", "a!b.c.d", "eyJh bGci.e30.x", "eyJ=.e30.x",
	"eyJhbGciOiJIUzI1NiJ9.e30.x=",
	"eyJhbGciOiJIUzI1NiJ9.e30=.x", "eyJhbGciOiJIUzI1NiJ9\n.e30.x",
	"eyJhbGciOiJIUzI1NiJ9.e30.x\n", " eyJhbGciOiJIUzI1NiJ9.e30.x",
	"eyJhbGciOiJIUzI1NiJ9.e30+.x", "eyJhbGciOiJIUzI1NiJ9.e3/0.x",
};

START_TEST(test_garbage)
{
	char	 why[128];
	char	*big;

	ck_assert_int_eq(verify(garbage[_i], why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "malformed"));
	if (_i == 0) {
		big = xmalloc(10 * 1024 + 1);
		memset(big, 'a', 10 * 1024);
		big[10 * 1024] = '\0';
		refused(big, "token missing or too long");
		/* 10 KB that would otherwise look like a token */
		big[100] = '.';
		big[200] = '.';
		refused(big, "token missing or too long");
		free(big);
		refused(NULL, "token missing");
	}
}
END_TEST

/* Parts that are base64url by alphabet but do not decode as a header. */
START_TEST(test_bad_base64)
{
	char	*p = payload_with(NULL, NULL), *tok, *nul;
	char	 buf[1024];

	refused("a.b.", "header: bad base64url");
	/* 1 character cannot be base64 of anything */
	tok = craft(HS256, p);
	snprintf(buf, sizeof(buf), "e%s", strchr(tok, '.'));
	refused(buf, "header: bad base64url");
	/* 3 NUL bytes */
	snprintf(buf, sizeof(buf), "AAAA%s", strchr(tok, '.'));
	refused(buf, "header: bad base64url");
	/* {"alg": "HS256"} is eyJhbGciOiAiSFMyNTYifQ: set an unused bit */
	snprintf(buf, sizeof(buf), "eyJhbGciOiAiSFMyNTYifR%s",
	    strchr(tok, '.'));
	refused(buf, "header: bad base64url");
	snprintf(buf, sizeof(buf), "eyJhbGciOiAiSFMyNTYifQ%s",
	    strchr(tok, '.'));
	refused(buf, "bad signature");
	/* control characters, which cJSON alone would skip as spaces */
	nul = craft("{\"alg\":\"HS256\"}\x01", p);
	refused(nul, "header: not");
	free(nul);
	nul = craft("{\x7f\"alg\":\"HS256\"}", p);
	refused(nul, "header: not");
	free(nul);
	nul = craft("{\x1f\"alg\":\"HS256\"}", p);
	refused(nul, "header: not");
	free(nul);
	/* JSON's own whitespace is fine */
	nul = craft("{\r\n\t\"alg\" : \"HS256\" }\n", p);
	accepted(nul);
	free(nul);
	free(tok);
	free(p);
}
END_TEST

START_TEST(test_wrong_key)
{
	struct config	 c = cf;
	char		*tok, *p, *forged;

	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, 42, 0, NOW, NULL));
	c.cf_jwt_secret.s_data = otherkey;
	c.cf_jwt_secret.s_len = sizeof(otherkey) - 1;
	ck_assert_int_eq(auth_jwt_verify(&c, tok, NOW, NULL, NULL, 0), -1);
	/* a prefix of the key is another key */
	c.cf_jwt_secret.s_data = key;
	c.cf_jwt_secret.s_len = sizeof(key) - 2;
	ck_assert_int_eq(auth_jwt_verify(&c, tok, NOW, NULL, NULL, 0), -1);
	free(tok);
	/* signed with another key */
	p = payload_with(NULL, NULL);
	forged = craft_with(HS256, p, otherkey, sizeof(otherkey) - 1, NULL);
	refused(forged, "bad signature");
	free(forged);
	free(p);
}
END_TEST

/*
 * libjwt 1.10 given no key accepts alg none and any signature: with no
 * key we refuse before it is called, whatever the token.
 */
START_TEST(test_empty_key)
{
	struct config	 c = cf;
	char		 why[128];
	char		*tok, *p, *none;

	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&cf, 42, 0, NOW, NULL));
	p = payload_with(NULL, NULL);
	none = craft_with("{\"alg\":\"none\"}", p, NULL, 0, "");
	c.cf_jwt_secret.s_len = 0;
	ck_assert_int_eq(auth_jwt_verify(&c, tok, NOW, NULL, why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "no key configured");
	ck_assert_int_eq(auth_jwt_verify(&c, none, NOW, NULL, why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "no key configured");
	c.cf_jwt_secret.s_data = NULL;
	ck_assert_int_eq(auth_jwt_verify(&c, tok, NOW, NULL, why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "no key configured");
	ck_assert_int_eq(auth_jwt_verify(&c, none, NOW, NULL, why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "no key configured");
	free(none);
	free(p);
	free(tok);
}
END_TEST

/* Same key, two deployments: one's tokens do not open the other. */
START_TEST(test_other_issuer)
{
	struct config	 a = cf, b = cf;
	struct auth_claims cl;
	char		 why[128];
	char		*tok;

	b.cf_jwt_issuer = issuer_b;
	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&a, 42, 0, NOW, NULL));
	ck_assert_int_eq(auth_jwt_verify(&b, tok, NOW, &cl, why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "iss: wrong issuer");
	ck_assert_int_eq(auth_jwt_verify(&a, tok, NOW, &cl, why,
	    sizeof(why)), 0);
	free(tok);
	ck_assert_ptr_nonnull(tok = auth_jwt_issue(&b, 42, 0, NOW, NULL));
	ck_assert_int_eq(auth_jwt_verify(&a, tok, NOW, &cl, why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "iss: wrong issuer");
	free(tok);
}
END_TEST

/* why is cut to its buffer, and a zero-length one is left alone. */
START_TEST(test_why_buffer)
{
	char	 why[4] = "zzz";

	ck_assert_int_eq(auth_jwt_verify(&cf, "x", NOW, NULL, why, 0), -1);
	ck_assert_str_eq(why, "zzz");
	ck_assert_int_eq(auth_jwt_verify(&cf, "x", NOW, NULL, why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "mal");
}
END_TEST

Suite *
auth_jwt_suite(void)
{
	Suite	*s = suite_create("auth_jwt");
	TCase	*tc = tcase_create("jwt");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_expiry_skew);
	tcase_add_test(tc, test_issue_refuses);
	tcase_add_loop_test(tc, test_good_crafted, 0, (int)nitems(good));
	tcase_add_loop_test(tc, test_bad_header, 0, (int)nitems(bad_headers));
	tcase_add_loop_test(tc, test_alg_none_unsigned, 0,
	    (int)nitems(none_algs));
	tcase_add_test(tc, test_other_hmac_algs);
	tcase_add_test(tc, test_bad_signature);
	tcase_add_test(tc, test_tampered_payload);
	tcase_add_loop_test(tc, test_bad_claims, 0, (int)nitems(bad_claims));
	tcase_add_loop_test(tc, test_odd_payload, 0,
	    (int)nitems(odd_payloads));
	tcase_add_loop_test(tc, test_garbage, 0, (int)nitems(garbage));
	tcase_add_test(tc, test_bad_base64);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_test(tc, test_empty_key);
	tcase_add_test(tc, test_other_issuer);
	tcase_add_test(tc, test_why_buffer);
	suite_add_tcase(s, tc);
	return s;
}
