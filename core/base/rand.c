/* rand: random bytes from libsodium (getrandom-backed, thread-safe). */
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
