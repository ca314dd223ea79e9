/* rand: random bytes from libsodium (getrandom-backed, thread-safe). */
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "base.h"

int
rand_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
rand_hex(char *out, size_t n)
{
	unsigned char	 raw[64];

	while (n > 0) {
		size_t	 k = n < sizeof(raw) ? n : sizeof(raw);

		randombytes_buf(raw, k);
		sodium_bin2hex(out, k * 2 + 1, raw, k);
		out += k * 2;
		n -= k;
	}
	*out = '\0';
}

/*
 * Request ids must be unique and unguessable, not secret: each thread
 * keys a ChaCha20 stream once from the system and takes the block of the
 * next counter for every id, instead of a getrandom call per request.
 */
void
rand_id_hex(char *out, size_t n)
{
	static __thread unsigned char	 key[crypto_stream_chacha20_KEYBYTES];
	static __thread uint64_t	 counter;
	static __thread bool		 keyed;
	unsigned char			 raw[64];
	unsigned char			 nonce[crypto_stream_chacha20_NONCEBYTES];

	if (n > sizeof(raw))
		n = sizeof(raw);
	if (!keyed) {
		randombytes_buf(key, sizeof(key));
		keyed = true;
	}
	memcpy(nonce, &counter, sizeof(nonce));
	counter++;
	crypto_stream_chacha20(raw, n, nonce, key);
	sodium_bin2hex(out, n * 2 + 1, raw, n);
}
