/* buf: a growable, always NUL-terminated byte buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

void
buf_reserve(struct buf *b, size_t more)
{
	size_t	 need, cap;

	need = b->b_len + more + 1;
	if (need <= b->b_cap)
		return;
	cap = b->b_cap ? b->b_cap : 256;
	while (cap < need)
		cap *= 2;
	b->b_data = xrealloc(b->b_data, cap);
	b->b_cap = cap;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->b_data + b->b_len, p, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 aq;
	int	 n;

	va_copy(aq, ap);
	buf_reserve(b, 128);
	n = vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= b->b_cap - b->b_len) {
		buf_reserve(b, (size_t)n);
		vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len, fmt, ap);
	}
	b->b_len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_json_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		 i, run;
	unsigned char	 c;
	char		 esc[6];

	buf_reserve(b, len + 2);
	buf_append(b, "\"", 1);
	for (i = 0, run = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		buf_append(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':  buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			buf_append(b, esc, 6);
		}
	}
	buf_append(b, s + run, len - run);
	buf_append(b, "\"", 1);
}

void
buf_reset(struct buf *b)
{
	b->b_len = 0;
	if (b->b_data != NULL)
		b->b_data[0] = '\0';
}

char *
buf_take(struct buf *b)
{
	char	*s = xstrdup(b->b_data != NULL ? b->b_data : "");

	buf_reset(b);
	return s;
}

void
buf_free(struct buf *b)
{
	free(b->b_data);
	b->b_data = NULL;
	b->b_len = b->b_cap = 0;
}

void
buf_int(struct buf *b, int64_t v)
{
	char		 d[24];
	size_t		 n = sizeof(d);
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		d[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		d[--n] = '-';
	buf_append(b, d + n, sizeof(d) - n);
}
