/*
 * fuzz_jwt: access-token verification (core/auth/jwt.c) and libjwt and
 * jansson behind it. An input holding a newline is a header and a
 * payload in JSON that the harness signs with the server's key, so the
 * claims checks are reached too; any other input is a token as sent.
 * A forged token must never verify; a signed one verifies only with
 * claims in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "config/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW	1800000000

static unsigned char	 key[32] = "fuzz-jwt-key-of-thirty-two-bytes";

/* base64url of n bytes at p appended at out; the new end. */
static char *
b64(char *out, const uint8_t *p, size_t n)
{
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), p, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out + strlen(out);
}

/* "b64(header).b64(payload).b64(HMAC)" with the server's key. */
static char *
sign(const uint8_t *h, size_t hlen, const uint8_t *p, size_t plen)
{
	unsigned char	 mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	char		*tok, *end;

	tok = malloc(sodium_base64_ENCODED_LEN(hlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) +
	    sodium_base64_ENCODED_LEN(plen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) + 64);
	if (tok == NULL)
		abort();
	end = b64(tok, h, hlen);
	*end++ = '.';
	end = b64(end, p, plen);
	crypto_auth_hmacsha256_init(&st, key, sizeof(key));
	crypto_auth_hmacsha256_update(&st, (unsigned char *)tok,
	    (size_t)(end - tok));
	crypto_auth_hmacsha256_final(&st, mac);
	*end++ = '.';
	b64(end, mac, sizeof(mac));
	return tok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config	 cf;
	struct auth_claims	 cl;
	const uint8_t		*nl;
	char			*tok, why[128];
	int			 rc;
	bool			 signed_here;

	if (cf.cf_jwt_issuer == NULL) {
		if (sodium_init() < 0)
			abort();
		cf.cf_jwt_secret.s_data = key;
		cf.cf_jwt_secret.s_len = sizeof(key);
		cf.cf_jwt_issuer = "erpd";
		cf.cf_jwt_ttl = 1800;
	}
	nl = memchr(data, '\n', size);
	signed_here = nl != NULL;
	if (signed_here)
		tok = sign(data, (size_t)(nl - data), nl + 1,
		    size - (size_t)(nl - data) - 1);
	else if ((tok = strndup((const char *)data, size)) == NULL)
		abort();
	rc = auth_jwt_verify(&cf, tok, NOW, &cl, why, sizeof(why));
	if (rc == 0 && (!signed_here || cl.cl_sub <= 0 ||
	    cl.cl_exp + AUTH_CLOCK_SKEW <= NOW ||
	    cl.cl_iat > NOW + AUTH_CLOCK_SKEW))
		abort();
	if (rc == -1 && memchr(why, '\0', sizeof(why)) == NULL)
		abort();
	free(tok);
	return 0;
}
