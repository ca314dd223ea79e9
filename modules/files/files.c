/*
 * files: uploads kept outside the web root under random names, their
 * metadata per organization, and signed, expiring download links. An
 * upload's type is decided from its bytes against an allowlist; the name
 * the client gave is a label only, and its extension must fit the type.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <erp/module.h>

#define BUF_SIZE	(64 * 1024)	/* the upload's read buffer */
#define FRAMING_MAX	(64 * 1024)	/* body bytes besides the file's */
#define HEADERS_MAX	(8 * 1024)	/* one part's header block */
#define DRAIN_MAX	(8 * 1024 * 1024) /* read and dropped after a refusal */
#define BOUNDARY_MAX	70		/* RFC 2046 */
#define NAME_CHARS_MAX	255		/* a file name, in characters */
#define FIELD_MAX	64		/* a form field's name, in bytes */
#define HEAD_KEEP	512		/* a file's first bytes, for sniffing */
#define STORAGE_HEX	32		/* 16 random bytes, as hex */
#define STALE_SECONDS	3600		/* an older .part file is a leftover */
#define PATH_LEN	4096
#define LINK_KEY	"files-links"	/* derive_key purpose of link keys */
#define Q_CHARS_MAX	200		/* ?q=, as a declared list's */

#define COLUMNS	"id, filename, content_type, size, sha256, created_at"
/* a list: the organization's files, named like ?q= when it is given */
#define LIST_WHERE	"WHERE org_id = ? AND (? IS NULL OR " \
			"lower(filename) LIKE ? ESCAPE '\\')"

/* A streaming UTF-8 check; a NUL byte fails it too. */
struct utf8 {
	unsigned	 u_need;	/* continuation bytes still due */
	unsigned char	 u_lo;		/* bounds of the next one */
	unsigned char	 u_hi;
	bool		 u_bad;		/* invalid, or a NUL seen */
};

/* Where the multipart parser stands. */
enum mp_state {
	MP_PREAMBLE,	/* before the first delimiter */
	MP_DELIM,	/* after a delimiter: "--" closes, CRLF opens a part */
	MP_HEADERS,	/* a part's header lines */
	MP_DATA,	/* a part's bytes, up to the next delimiter */
	MP_EPILOGUE	/* after the close delimiter: ignored to the end */
};

/* What the first bytes of a file say it is. */
enum sniffed {
	SNIFF_NONE,
	SNIFF_PDF,
	SNIFF_PNG,
	SNIFF_JPEG,
	SNIFF_TEXT	/* valid UTF-8 without NUL: CSV or plain text */
};

/* One upload in progress; calloc'd, the buffer beside it. */
struct upload {
	struct erp_req	*up_req;
	int64_t		 up_max;		/* ERP_UPLOAD_MAX_BYTES */
	int64_t		 up_total;		/* body bytes read */
	bool		 up_eof;		/* the body has ended */
	unsigned char	*up_buf;		/* BUF_SIZE bytes */
	size_t		 up_len;		/* bytes in up_buf */
	size_t		 up_pos;		/* first byte not parsed */
	char		 up_delim[4 + BOUNDARY_MAX + 1]; /* CRLF "--" b */
	size_t		 up_dlen;
	enum mp_state	 up_state;
	size_t		 up_hbytes;		/* this part's header bytes */
	char		 up_line[HEADERS_MAX + 1]; /* one header line */
	char		 up_val[HEADERS_MAX + 1]; /* one parameter's value */
	bool		 up_disp;		/* Content-Disposition seen */
	bool		 up_has_name;		/* name= seen */
	bool		 up_has_filename;	/* filename= seen */
	char		 up_field[FIELD_MAX + 1]; /* the part's name */
	bool		 up_field_long;		/* longer than FIELD_MAX */
	char		 up_rawname[HEADERS_MAX + 1]; /* its filename */
	bool		 up_in_file;		/* parsing the file's bytes */
	bool		 up_have_file;		/* the file part ended */
	char		 up_name[NAME_CHARS_MAX * 4 + 1]; /* the label */
	int		 up_fd;			/* the temporary file, or -1 */
	char		 up_storage[STORAGE_HEX + 1];
	char		 up_tmp[PATH_LEN];	/* "" once renamed */
	int64_t		 up_size;		/* the file's bytes so far */
	crypto_hash_sha256_state up_sha;
	unsigned char	 up_head[HEAD_KEEP];	/* its first bytes */
	struct utf8	 up_utf8;
	enum erp_error	 up_err;		/* why it was refused */
	const char	*up_errfield;
	char		 up_msg[160];
};

static void
utf8_init(struct utf8 *s)
{
	memset(s, 0, sizeof(*s));
}

/* Feeds n bytes to the check; once bad, it stays bad. */
static void
utf8_feed(struct utf8 *s, const unsigned char *p, size_t n)
{
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < n && !s->u_bad; i++) {
		c = p[i];
		if (s->u_need > 0) {
			if (c < s->u_lo || c > s->u_hi)
				s->u_bad = true;
			s->u_need--;
			s->u_lo = 0x80;
			s->u_hi = 0xbf;
			continue;
		}
		if (c == 0x00)
			s->u_bad = true;
		else if (c < 0x80)
			continue;
		else if (c < 0xc2 || c > 0xf4)
			s->u_bad = true;	/* stray, overlong, too big */
		else if (c < 0xe0) {
			s->u_need = 1;
			s->u_lo = 0x80;
			s->u_hi = 0xbf;
		} else if (c < 0xf0) {
			s->u_need = 2;
			s->u_lo = c == 0xe0 ? 0xa0 : 0x80;	/* overlong */
			s->u_hi = c == 0xed ? 0x9f : 0xbf;	/* surrogates */
		} else {
			s->u_need = 3;
			s->u_lo = c == 0xf0 ? 0x90 : 0x80;	/* overlong */
			s->u_hi = c == 0xf4 ? 0x8f : 0xbf;	/* > U+10FFFF */
		}
	}
}

static bool
utf8_ok(const struct utf8 *s)
{
	return !s->u_bad && s->u_need == 0;
}

/*
 * Decodes one code point of a NUL-terminated string. Returns: its length
 * in bytes with *cp set, or -1 when the bytes are not valid UTF-8.
 */
static int
utf8_decode(const char *str, uint32_t *cp)
{
	const unsigned char	*p = (const unsigned char *)str;
	struct utf8		 s;
	int			 len, i;

	len = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	utf8_init(&s);
	for (i = 0; i < len; i++) {
		if (p[i] == '\0' && i > 0)
			return -1;
		utf8_feed(&s, p + i, 1);
	}
	if (!utf8_ok(&s))
		return -1;
	*cp = len == 1 ? p[0] : len == 2 ? (uint32_t)(p[0] & 0x1f) << 6 :
	    len == 3 ? (uint32_t)(p[0] & 0x0f) << 12 :
	    (uint32_t)(p[0] & 0x07) << 18;
	for (i = 1; i < len; i++)
		*cp |= (uint32_t)(p[i] & 0x3f) << (6 * (len - 1 - i));
	return len;
}

/* Characters a label never keeps: controls, bidi and invisible marks. */
static bool
name_drops(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	    (cp >= 0x200b && cp <= 0x200f) || cp == 0x2028 || cp == 0x2029 ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) ||
	    cp == 0xfeff;
}

/*
 * The label kept for a file name: its last path component (either kind
 * of slash), without control, bidirectional or invisible formatting
 * characters, trimmed of spaces. Returns: 0, or -1 with *why set.
 */
static int
name_sanitise(const char *raw, char *out, size_t outlen, const char **why)
{
	const char	*p = raw, *s;
	size_t		 n = 0, start, chars = 0;
	uint32_t	 cp;
	int		 l;

	for (s = raw; *s != '\0'; s++)
		if (*s == '/' || *s == '\\')
			p = s + 1;
	for (; *p != '\0'; p += l) {
		if ((l = utf8_decode(p, &cp)) == -1) {
			*why = "the file name is not valid UTF-8";
			return -1;
		}
		if (name_drops(cp))
			continue;
		if (n + (size_t)l >= outlen) {
			*why = "the file name is longer than 255 characters";
			return -1;
		}
		memcpy(out + n, p, (size_t)l);
		n += (size_t)l;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	for (start = 0; out[start] == ' '; start++)
		;
	memmove(out, out + start, n - start + 1);
	for (s = out; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			chars++;
	if (chars == 0) {
		*why = "the file needs a name";
		return -1;
	}
	if (chars > NAME_CHARS_MAX) {
		*why = "the file name is longer than 255 characters";
		return -1;
	}
	return 0;
}

static const char *
ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Reads the next "; name=value" of a header value at *pp: the name
 * lower-cased into name, the value (a token, or a quoted string with \"
 * and \\ unescaped) into val. Returns: 1 read, 0 at the end, -1 when
 * malformed or too long.
 */
static int
param_next(const char **pp, char *name, size_t namelen, char *val,
    size_t vallen)
{
	const char	*p = ows(*pp);
	size_t		 n = 0;

	if (*p == '\0')
		return 0;
	if (*p++ != ';')
		return -1;
	p = ows(p);
	if (*p == '\0') {
		*pp = p;		/* a trailing ';' */
		return 0;
	}
	while (*p != '\0' && *p != '=' && *p != ';' && *p != ' ' &&
	    *p != '\t' && *p != '"') {
		if (n + 1 >= namelen)
			return -1;
		name[n++] = (char)tolower((unsigned char)*p++);
	}
	name[n] = '\0';
	p = ows(p);
	if (n == 0 || *p++ != '=')
		return -1;
	p = ows(p);
	n = 0;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0')
				return -1;
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			if (n + 1 >= vallen)
				return -1;
			val[n++] = *p;
		}
		p++;
	} else {
		while (*p != '\0' && *p != ';' && *p != ' ' && *p != '\t') {
			if (*p == '"' || n + 1 >= vallen)
				return -1;
			val[n++] = *p++;
		}
		if (n == 0)
			return -1;
	}
	val[n] = '\0';
	*pp = p;
	return 1;
}

/* RFC 2046 bchars, space allowed but not last. */
static bool
boundary_ok(const char *b)
{
	size_t	 i, n = strlen(b);

	if (n == 0 || n > BOUNDARY_MAX || b[n - 1] == ' ')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)b[i]) &&
		    strchr("'()+_,-./:=? ", b[i]) == NULL)
			return false;
	return true;
}

/*
 * The boundary of a multipart/form-data Content-Type into out. Returns: 0,
 * -1 for another content type, -2 for a missing or malformed boundary.
 */
static int
boundary_get(const char *ct, char *out, size_t outlen)
{
	static const char	 type[] = "multipart/form-data";
	const char		*p;
	char			 name[32], val[256];
	bool			 found = false;
	int			 rc;

	if (ct == NULL)
		return -1;
	p = ows(ct);
	if (strncasecmp(p, type, sizeof(type) - 1) != 0)
		return -1;
	p += sizeof(type) - 1;
	if (*p != '\0' && *p != ';' && *p != ' ' && *p != '\t')
		return -1;
	while ((rc = param_next(&p, name, sizeof(name), val,
	    sizeof(val))) == 1) {
		if (strcmp(name, "boundary") != 0)
			continue;
		if (found || strlen(val) >= outlen)
			return -2;
		found = true;
		memcpy(out, val, strlen(val) + 1);
	}
	return rc == 0 && found && boundary_ok(out) ? 0 : -2;
}

/* Records why the upload is refused. Returns: -1. */
static int
refuse(struct upload *u, enum erp_error e, const char *field,
    const char *message)
{
	u->up_err = e;
	u->up_errfield = field;
	snprintf(u->up_msg, sizeof(u->up_msg), "%s", message);
	return -1;
}

static int
malformed(struct upload *u, const char *message)
{
	return refuse(u, ERP_E_VALIDATION, "file", message);
}

/* Content-Disposition: form-data; name="…"; filename="…". */
static int
disposition(struct upload *u, const char *v)
{
	const char	*p = v;
	char		 pname[32];
	size_t		 n;
	int		 rc;

	if (u->up_disp)
		return malformed(u, "a part has two Content-Disposition "
		    "headers");
	u->up_disp = true;
	n = strcspn(p, "; \t");
	if (n != 9 || strncasecmp(p, "form-data", 9) != 0)
		return malformed(u, "a part is not form-data");
	p += n;
	while ((rc = param_next(&p, pname, sizeof(pname), u->up_val,
	    sizeof(u->up_val))) == 1) {
		n = strlen(u->up_val);
		if (strcmp(pname, "name") == 0) {
			if (u->up_has_name)
				return malformed(u, "a part has two names");
			u->up_has_name = true;
			if (n > FIELD_MAX)
				u->up_field_long = true;
			else
				memcpy(u->up_field, u->up_val, n + 1);
		} else if (strcmp(pname, "filename") == 0) {
			if (u->up_has_filename)
				return malformed(u, "a part has two file "
				    "names");
			u->up_has_filename = true;
			memcpy(u->up_rawname, u->up_val, n + 1);
		}
		/* filename* (RFC 7578 4.2: senders must not use it) and the
		   rest are ignored */
	}
	return rc == 0 ? 0 : malformed(u, "malformed Content-Disposition");
}

/* One header line of a part (without its CRLF). */
static int
header_line(struct upload *u, const unsigned char *p, size_t len)
{
	char	*colon, *end, *space;

	if (memchr(p, '\0', len) != NULL || p[0] == ' ' || p[0] == '\t')
		return malformed(u, "malformed part header");
	memcpy(u->up_line, p, len);
	u->up_line[len] = '\0';
	colon = strchr(u->up_line, ':');
	space = strpbrk(u->up_line, " \t");
	if (colon == NULL || colon == u->up_line ||
	    (space != NULL && space < colon))
		return malformed(u, "malformed part header");
	*colon = '\0';
	end = colon + 1 + strlen(colon + 1);
	while (end > colon + 1 && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (strcasecmp(u->up_line, "Content-Disposition") == 0)
		return disposition(u, ows(colon + 1));
	if (strcasecmp(u->up_line, "Content-Transfer-Encoding") == 0) {
		const char	*v = ows(colon + 1);

		if (strcasecmp(v, "binary") != 0 &&
		    strcasecmp(v, "8bit") != 0 && strcasecmp(v, "7bit") != 0)
			return malformed(u, "transfer encodings are not "
			    "supported");
	}
	/* Content-Type and the rest: the content decides, not the client */
	return 0;
}

/* A form field name safe to echo in an error, else "file". */
static const char *
field_label(const struct upload *u)
{
	const char	*s;

	if (u->up_field_long || u->up_field[0] == '\0')
		return "file";
	for (s = u->up_field; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("_.-[]", *s) == NULL)
			return "file";
	return u->up_field;
}

/* Creates the temporary file the part streams into, mode 0600. */
static int
tmp_open(struct upload *u)
{
	const char	*dir = erp_host->data_dir("files");
	unsigned char	 rnd[STORAGE_HEX / 2];

	if (dir == NULL)
		return refuse(u, ERP_E_INTERNAL, NULL, "files: no data dir");
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(u->up_storage, sizeof(u->up_storage), rnd,
	    sizeof(rnd));
	if ((size_t)snprintf(u->up_tmp, sizeof(u->up_tmp), "%s/%s.part", dir,
	    u->up_storage) >= sizeof(u->up_tmp)) {
		u->up_tmp[0] = '\0';
		return refuse(u, ERP_E_INTERNAL, NULL, "files: path too long");
	}
	u->up_fd = open(u->up_tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (u->up_fd == -1) {
		u->up_tmp[0] = '\0';
		return refuse(u, ERP_E_INTERNAL, NULL,
		    "files: cannot create a temporary file");
	}
	crypto_hash_sha256_init(&u->up_sha);
	utf8_init(&u->up_utf8);
	u->up_size = 0;
	return 0;
}

/* The part's headers are read: only one part, named file, is accepted. */
static int
part_begin(struct upload *u)
{
	const char	*why;

	if (!u->up_disp || !u->up_has_name)
		return malformed(u, "each part needs Content-Disposition: "
		    "form-data with a name");
	if (u->up_field_long || strcmp(u->up_field, "file") != 0)
		return refuse(u, ERP_E_VALIDATION, field_label(u),
		    "unknown form field: only \"file\" is accepted");
	if (u->up_have_file || u->up_fd != -1)
		return malformed(u, "only one file per upload");
	if (!u->up_has_filename)
		return malformed(u, "the file part needs a filename");
	if (name_sanitise(u->up_rawname, u->up_name, sizeof(u->up_name),
	    &why) == -1)
		return malformed(u, why);
	u->up_in_file = true;
	return tmp_open(u);
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Bytes of the file: counted against the limit, hashed, checked, kept. */
static int
part_data(struct upload *u, const unsigned char *p, size_t n)
{
	size_t	 keep;

	if (!u->up_in_file)
		return 0;
	if (u->up_size + (int64_t)n > u->up_max)
		return refuse(u, ERP_E_TOO_LARGE, NULL,
		    "the file exceeds the upload limit");
	if (u->up_size < HEAD_KEEP) {
		keep = HEAD_KEEP - (size_t)u->up_size;
		memcpy(u->up_head + u->up_size, p, n < keep ? n : keep);
	}
	utf8_feed(&u->up_utf8, p, n);
	crypto_hash_sha256_update(&u->up_sha, p, n);
	if (write_all(u->up_fd, p, n) == -1)
		return refuse(u, ERP_E_INTERNAL, NULL,
		    "files: cannot write the upload");
	u->up_size += (int64_t)n;
	return 0;
}

static void
part_reset(struct upload *u)
{
	u->up_hbytes = 0;
	u->up_disp = false;
	u->up_has_name = false;
	u->up_has_filename = false;
	u->up_field[0] = '\0';
	u->up_field_long = false;
	u->up_rawname[0] = '\0';
}

/* Reads more of the body behind what is left unparsed. */
static int
fill(struct upload *u)
{
	size_t	 rest = u->up_len - u->up_pos;
	int	 n;

	memmove(u->up_buf, u->up_buf + u->up_pos, rest);
	u->up_len = rest;
	u->up_pos = 0;
	if (u->up_len == BUF_SIZE)
		return malformed(u, "malformed multipart body");
	n = erp_host->read(u->up_req, u->up_buf + u->up_len,
	    BUF_SIZE - u->up_len);
	if (n < 0)
		return malformed(u, "the upload could not be read to its end");
	if (n == 0) {
		u->up_eof = true;
		return 0;
	}
	u->up_len += (size_t)n;
	u->up_total += n;
	if (u->up_total > u->up_max + FRAMING_MAX)
		return refuse(u, ERP_E_TOO_LARGE, NULL,
		    "the upload exceeds the limit");
	return 0;
}

/*
 * Streams the multipart body: the file part goes to the temporary file,
 * never more than the buffer in memory. Returns: 0 once the body has
 * ended after its close delimiter, or -1 (refused, reason in u).
 */
static int
receive(struct upload *u)
{
	const unsigned char	*p, *hit;
	size_t			 avail, n, i;

	/* the first delimiter has no CRLF before it: pretend it has */
	memcpy(u->up_buf, "\r\n", 2);
	u->up_len = 2;
	u->up_state = MP_PREAMBLE;
	for (;;) {
		p = u->up_buf + u->up_pos;
		avail = u->up_len - u->up_pos;
		switch (u->up_state) {
		case MP_PREAMBLE:
			hit = memmem(p, avail, u->up_delim, u->up_dlen);
			if (hit != NULL) {
				u->up_pos += (size_t)(hit - p) + u->up_dlen;
				u->up_state = MP_DELIM;
				continue;
			}
			if (avail >= u->up_dlen)
				u->up_pos += avail - (u->up_dlen - 1);
			break;
		case MP_DELIM:
			if (avail >= 2 && p[0] == '-' && p[1] == '-') {
				u->up_pos += 2;
				u->up_state = MP_EPILOGUE;
				continue;
			}
			for (i = 0; i < avail && (p[i] == ' ' || p[i] == '\t');
			    i++)
				;
			if (i > 64)
				return malformed(u, "malformed delimiter");
			if (avail < i + 2)
				break;
			if (p[i] != '\r' || p[i + 1] != '\n')
				return malformed(u, "malformed delimiter");
			u->up_pos += i + 2;
			part_reset(u);
			u->up_state = MP_HEADERS;
			continue;
		case MP_HEADERS:
			hit = memmem(p, avail, "\r\n", 2);
			if (hit == NULL) {
				if (u->up_hbytes + avail > HEADERS_MAX)
					return malformed(u, "a part's headers "
					    "are too long");
				break;
			}
			n = (size_t)(hit - p);
			if ((u->up_hbytes += n + 2) > HEADERS_MAX)
				return malformed(u, "a part's headers are too "
				    "long");
			u->up_pos += n + 2;
			if (n == 0) {
				if (part_begin(u) == -1)
					return -1;
				u->up_state = MP_DATA;
			} else if (header_line(u, p, n) == -1)
				return -1;
			continue;
		case MP_DATA:
			hit = memmem(p, avail, u->up_delim, u->up_dlen);
			n = hit != NULL ? (size_t)(hit - p) :
			    avail >= u->up_dlen ? avail - (u->up_dlen - 1) : 0;
			if (n > 0 && part_data(u, p, n) == -1)
				return -1;
			u->up_pos += n;
			if (hit == NULL)
				break;
			u->up_pos += u->up_dlen;
			if (u->up_in_file) {
				u->up_in_file = false;
				u->up_have_file = true;
			}
			u->up_state = MP_DELIM;
			continue;
		case MP_EPILOGUE:
			u->up_pos = u->up_len;
			break;
		}
		if (u->up_eof)
			return u->up_state == MP_EPILOGUE ? 0 :
			    malformed(u, "the multipart body ended early");
		if (fill(u) == -1)
			return -1;
	}
}

/*
 * Text that is active content rather than data: an interpreter line,
 * markup (HTML, XML, SVG), or an executable or archive whose bytes
 * happen to be valid UTF-8.
 */
static bool
text_is_active(const unsigned char *h, size_t n)
{
	size_t	 i = 0;

	if ((n >= 4 && memcmp(h, "\x7f" "ELF", 4) == 0) ||
	    (n >= 4 && memcmp(h, "PK\x03\x04", 4) == 0))
		return true;
	if (n >= 3 && memcmp(h, "\xef\xbb\xbf", 3) == 0)
		i = 3;			/* a byte order mark */
	while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' ||
	    h[i] == '\n' || h[i] == '\f'))
		i++;
	if (i + 2 <= n && h[i] == '#' && h[i + 1] == '!')
		return true;
	return i < n && h[i] == '<';
}

static enum sniffed
sniff(const struct upload *u)
{
	const unsigned char	*h = u->up_head;
	size_t			 n = u->up_size < HEAD_KEEP ?
				    (size_t)u->up_size : HEAD_KEEP;

	if (n >= 5 && memcmp(h, "%PDF-", 5) == 0)
		return SNIFF_PDF;
	if (n >= 8 && memcmp(h, "\x89" "PNG\r\n\x1a\n", 8) == 0)
		return SNIFF_PNG;
	if (n >= 3 && memcmp(h, "\xff\xd8\xff", 3) == 0)
		return SNIFF_JPEG;
	if (utf8_ok(&u->up_utf8) && !text_is_active(h, n))
		return SNIFF_TEXT;
	return SNIFF_NONE;
}

/*
 * The content type of the file, if its content is on the allowlist and
 * its name's extension fits. Returns: the type, or NULL with u refused.
 */
static const char *
file_type(struct upload *u)
{
	const char	*dot = strrchr(u->up_name, '.');
	const char	*ext = dot != NULL ? dot + 1 : "";
	enum sniffed	 k = sniff(u);

	switch (k) {
	case SNIFF_PDF:
		if (strcasecmp(ext, "pdf") == 0)
			return "application/pdf";
		malformed(u, "the content is a PDF: the name must end in .pdf");
		return NULL;
	case SNIFF_PNG:
		if (strcasecmp(ext, "png") == 0)
			return "image/png";
		malformed(u, "the content is a PNG image: the name must end "
		    "in .png");
		return NULL;
	case SNIFF_JPEG:
		if (strcasecmp(ext, "jpg") == 0 || strcasecmp(ext, "jpeg") == 0)
			return "image/jpeg";
		malformed(u, "the content is a JPEG image: the name must end "
		    "in .jpg or .jpeg");
		return NULL;
	case SNIFF_TEXT:
		if (strcasecmp(ext, "csv") == 0)
			return "text/csv";
		if (strcasecmp(ext, "txt") == 0)
			return "text/plain";
		malformed(u, "the content is text: the name must end in .csv "
		    "or .txt");
		return NULL;
	case SNIFF_NONE:
		break;
	}
	malformed(u, "the content is not an allowed type (PDF, PNG, JPEG, "
	    "or CSV and plain text in UTF-8)");
	return NULL;
}

/* Makes a rename in dir durable. */
static void
dir_sync(struct erp_req *r, const char *dir)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1)
		erp_host->log(r, ERP_LOG_WARN, "files: cannot sync the data directory");
	if (fd != -1)
		close(fd);
}

/* The checks passed the parse: the row, the audit, then the file. */
static int
store(struct upload *u)
{
	static const char	 sql[] = "INSERT INTO files (org_id, "
				    "filename, content_type, size, sha256, "
				    "storage_name, created_by, created_at) "
				    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	struct erp_req		*r = u->up_req;
	const char		*ctype, *dir = erp_host->data_dir("files");
	unsigned char		 digest[crypto_hash_sha256_BYTES];
	char			 hex[2 * crypto_hash_sha256_BYTES + 1];
	char			 now[21], final[PATH_LEN];
	struct erp_sql		*st;
	cJSON			*o, *details;
	int64_t			 id;
	int			 rc;

	if (!u->up_have_file)
		return malformed(u, "the upload has no part named \"file\"");
	if (dir == NULL)
		return refuse(u, ERP_E_INTERNAL, NULL, "files: no data dir");
	if ((ctype = file_type(u)) == NULL)
		return -1;
	if (fsync(u->up_fd) == -1 || close(u->up_fd) == -1) {
		u->up_fd = -1;
		return refuse(u, ERP_E_INTERNAL, NULL,
		    "files: cannot write the upload");
	}
	u->up_fd = -1;
	crypto_hash_sha256_final(&u->up_sha, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	erp_host->time_text(erp_host->now(), now);

	if ((st = erp_sql(r, sql)) == NULL)
		return refuse(u, ERP_E_INTERNAL, NULL, "files: insert");
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_text(st, 2, u->up_name);
	erp_host->sql_text(st, 3, ctype);
	erp_host->sql_int(st, 4, u->up_size);
	erp_host->sql_text(st, 5, hex);
	erp_host->sql_text(st, 6, u->up_storage);
	erp_host->sql_int(st, 7, erp_host->subject_id(r));
	erp_host->sql_text(st, 8, now);
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		return refuse(u, ERP_E_INTERNAL, NULL, "files: insert");
	id = erp_host->last_insert_id(r);

	o = cJSON_CreateObject();
	erp_json_int(o, "id", id);
	cJSON_AddStringToObject(o, "filename", u->up_name);
	cJSON_AddStringToObject(o, "content_type", ctype);
	erp_json_int(o, "size", u->up_size);
	cJSON_AddStringToObject(o, "sha256", hex);
	cJSON_AddStringToObject(o, "created_at", now);
	details = cJSON_Duplicate(o, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(details, "id");
	cJSON_DeleteItemFromObjectCaseSensitive(details, "created_at");
	rc = erp_audit(r, "file.upload", "file", id, details);
	if (rc == -1) {
		cJSON_Delete(o);
		return refuse(u, ERP_E_INTERNAL, NULL, "files: audit");
	}
	/* into place only now: every check passed and the row is in */
	snprintf(final, sizeof(final), "%s/%s", dir, u->up_storage);
	if (rename(u->up_tmp, final) == -1) {
		cJSON_Delete(o);
		return refuse(u, ERP_E_INTERNAL, NULL,
		    "files: cannot move the upload into place");
	}
	u->up_tmp[0] = '\0';
	dir_sync(r, dir);
	erp_reply_json(r, 201, o);
	return 0;
}

/* Reads and drops the rest of the body, up to a bound. */
static void
drain(struct upload *u)
{
	size_t	 total = 0;
	int	 n;

	if (u->up_eof)
		return;
	while (total < DRAIN_MAX &&
	    (n = erp_host->read(u->up_req, u->up_buf, BUF_SIZE)) > 0)
		total += (size_t)n;
}

static void
upload_free(struct upload *u)
{
	if (u == NULL)
		return;
	if (u->up_fd != -1)
		close(u->up_fd);
	if (u->up_tmp[0] != '\0')
		unlink(u->up_tmp);
	free(u->up_buf);
	free(u);
}

/*
 * POST /files: multipart/form-data with one part named "file". The file
 * streams to a temporary file in the data directory while it is counted,
 * hashed and checked; it is moved into place once every check passed
 * and its row is in. A Content-Type other than multipart/form-data is
 * 415 (a malformed multipart one is 422 naming "file"). Over the limit
 * is 413, before reading
 * when Content-Length proves it, else as soon as the count passes it;
 * after any refusal the rest of the body is read and dropped up to a
 * bound, so the client reads the answer rather than a reset.
 */
static int
file_upload(struct erp_req *r)
{
	struct upload	*u;
	const char	*expect = erp_host->header(r, "Expect");
	char		 boundary[BOUNDARY_MAX + 1];
	int64_t		 clen = erp_host->body_length(r);
	int		 rc, status;

	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->up_buf = malloc(BUF_SIZE)) == NULL) {
		free(u);
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: no memory");
	}
	u->up_req = r;
	u->up_fd = -1;
	u->up_max = erp_host->upload_max();
	if ((rc = boundary_get(erp_host->header(r, "Content-Type"), boundary,
	    sizeof(boundary))) == -1)
		refuse(u, ERP_E_MEDIA_TYPE, NULL,
		    "uploads must be multipart/form-data");
	else if (rc == -2)
		malformed(u, "the multipart boundary is missing or malformed");
	else if (clen > u->up_max + FRAMING_MAX) {
		rc = refuse(u, ERP_E_TOO_LARGE, NULL,
		    "the upload exceeds the limit");
		/* a client waiting for 100 Continue never sends the body */
		if (expect != NULL && strcasecmp(expect, "100-continue") == 0)
			u->up_eof = true;
	} else {
		u->up_dlen = (size_t)snprintf(u->up_delim,
		    sizeof(u->up_delim), "\r\n--%s", boundary);
		if ((rc = receive(u)) == 0)
			rc = store(u);
	}
	if (rc == 0)
		status = 201;
	else {
		status = erp_fail(r, u->up_err, u->up_errfield, u->up_msg);
		drain(u);
	}
	upload_free(u);
	return status;
}

/* The row at the statement's cursor as the API's JSON. */
static cJSON *
row_json(struct erp_sql *st)
{
	cJSON	*o = cJSON_CreateObject();

	erp_json_int(o, "id", erp_host->sql_col_int(st, 0));
	cJSON_AddStringToObject(o, "filename",
	    erp_host->sql_col_text(st, 1));
	cJSON_AddStringToObject(o, "content_type",
	    erp_host->sql_col_text(st, 2));
	erp_json_int(o, "size", erp_host->sql_col_int(st, 3));
	cJSON_AddStringToObject(o, "sha256",
	    erp_host->sql_col_text(st, 4));
	cJSON_AddStringToObject(o, "created_at",
	    erp_host->sql_col_text(st, 5));
	return o;
}

/* Loads {id} of this organization for the policy and the handlers. */
static int
file_load(struct erp_req *r, cJSON **attrs)
{
	static const char	 sql[] = "SELECT " COLUMNS " FROM files "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	int64_t			 id = erp_host->param_id(r, "id");
	int			 rc;

	if (id <= 0)
		return 0;
	if ((st = erp_sql(r, sql)) == NULL)
		return -1;
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	if ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW)
		*attrs = row_json(st);
	erp_host->sql_reset(st);
	if (rc == ERP_SQL_ROW)
		return 1;
	return rc == ERP_SQL_DONE ? 0 : -1;
}

static int
file_get(struct erp_req *r)
{
	return erp_reply_json(r, 200, cJSON_Duplicate(erp_host->attrs(r), 1));
}

/*
 * ?q= as a LIKE pattern into out: "%<q>%" with q in lower case and its
 * own %, _ and \ escaped, or "" when q is absent or empty. Returns: 0,
 * or the 422 sent.
 */
static int
name_pattern(struct erp_req *r, char *out, size_t outlen)
{
	char		 q[Q_CHARS_MAX * 4 + 1], *o = out;
	struct utf8	 u;
	size_t		 chars = 0;
	int		 n, i;

	*out = '\0';
	if ((n = erp_host->query(r, "q", q, sizeof(q))) <= 0) {
		if (n == -2)
			goto bad;
		return 0;
	}
	utf8_init(&u);
	utf8_feed(&u, (const unsigned char *)q, (size_t)n);
	for (i = 0; i < n; i++)
		chars += ((unsigned char)q[i] & 0xc0) != 0x80;
	if (!utf8_ok(&u) || chars > Q_CHARS_MAX)
		goto bad;
	if (outlen < 2 * (size_t)n + 3)
		goto bad;
	*o++ = '%';
	for (i = 0; i < n; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			*o++ = '\\';
		*o++ = (char)tolower((unsigned char)q[i]);
	}
	*o++ = '%';
	*o = '\0';
	return 0;
bad:
	return erp_fail(r, ERP_E_VALIDATION, "q", "must be text of at most "
	    "200 characters");
}

/*
 * sql with the organization and ?q='s pattern (NULL: any name) bound.
 * Returns: the statement, or NULL (which reply_page answers with a 500).
 */
static struct erp_sql *
list_query(struct erp_req *r, const char *sql, const char *pat)
{
	struct erp_sql	*st;

	if ((st = erp_sql(r, sql)) == NULL)
		return NULL;
	erp_host->sql_int(st, 1, erp_host->org(r));
	erp_host->sql_text(st, 2, pat);
	erp_host->sql_text(st, 3, pat);
	return st;
}

/* GET /files: by id, those whose name contains ?q= (any case) only. */
static int
file_list(struct erp_req *r)
{
	static const char	 count_sql[] = "SELECT count(*) FROM files "
				    LIST_WHERE;
	static const char	 page_sql[] = "SELECT " COLUMNS " FROM files "
				    LIST_WHERE " ORDER BY id LIMIT ? OFFSET ?";
	char			 like[Q_CHARS_MAX * 8 + 3];
	const char		*pat;
	int			 rc;

	if ((rc = name_pattern(r, like, sizeof(like))) != 0)
		return rc;
	pat = like[0] != '\0' ? like : NULL;
	return erp_host->reply_page(r, list_query(r, count_sql, pat),
	    list_query(r, page_sql, pat), row_json);
}

/* Where the bytes of storage_name live. Returns: 0, or -1 if malformed. */
static int
stored_path(const char *storage, char *out, size_t outlen)
{
	const char	*dir = erp_host->data_dir("files");
	size_t		 i;

	if (dir == NULL || storage == NULL || strlen(storage) != STORAGE_HEX)
		return -1;
	for (i = 0; i < STORAGE_HEX; i++)
		if (!isxdigit((unsigned char)storage[i]) ||
		    isupper((unsigned char)storage[i]))
			return -1;
	return (size_t)snprintf(out, outlen, "%s/%s", dir, storage) < outlen ?
	    0 : -1;
}

/* DELETE /files/{id}: the row and its audit entry, then the bytes. */
static int
file_delete(struct erp_req *r)
{
	static const char	 get_sql[] = "SELECT storage_name FROM files "
				    "WHERE id = ? AND org_id = ?";
	static const char	 del_sql[] = "DELETE FROM files "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	char			 path[PATH_LEN];
	int64_t			 id = erp_host->param_id(r, "id");
	int			 rc, ok;

	if ((st = erp_sql(r, get_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: read");
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	rc = erp_host->sql_step(st);
	ok = rc == ERP_SQL_ROW && stored_path(erp_host->sql_col_text(st, 0), path, sizeof(path)) == 0;
	erp_host->sql_reset(st);
	if (rc == ERP_SQL_DONE)
		return erp_fail(r, ERP_E_NOT_FOUND, NULL,
		    "no such record in this organization");
	if (!ok)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: read");
	if ((st = erp_sql(r, del_sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: delete");
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, erp_host->org(r));
	rc = erp_host->sql_step(st);
	erp_host->sql_reset(st);
	if (rc != ERP_SQL_DONE)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: delete");
	if (erp_audit(r, "file.delete", "file", id,
	    cJSON_Duplicate(erp_host->attrs(r), 1)) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: audit");
	if (unlink(path) == -1 && errno != ENOENT)
		erp_host->log(r, ERP_LOG_WARN, "files: the deleted file's bytes could "
		    "not be removed");
	return erp_host->reply_empty(r, 204);
}

/*
 * The signature of a download link: crypto_auth (HMAC-SHA-512-256) over
 * "org|id|exp" with a key derived from ERP_SECRET_KEY for this purpose.
 * Returns: 0, or -1.
 */
static int
link_sign(int64_t org, int64_t id, int64_t exp,
    unsigned char mac[crypto_auth_BYTES])
{
	unsigned char	 key[crypto_auth_KEYBYTES];
	char		 msg[80];
	int		 len;

	if (erp_host->derive_key(LINK_KEY, key, sizeof(key)) == -1)
		return -1;
	len = snprintf(msg, sizeof(msg), "%lld|%lld|%lld", (long long)org,
	    (long long)id, (long long)exp);
	crypto_auth(mac, (const unsigned char *)msg, (unsigned long long)len,
	    key);
	sodium_memzero(key, sizeof(key));
	return 0;
}

/* POST /files/{id}/link: a signed URL valid ERP_LINK_TTL_SECONDS. */
static int
file_link(struct erp_req *r)
{
	const cJSON	*b = erp_host->body(r);
	unsigned char	 mac[crypto_auth_BYTES];
	char		 sig[2 * crypto_auth_BYTES + 1], url[256], when[21];
	int64_t		 id = erp_host->param_id(r, "id");
	int64_t		 org = erp_host->org(r);
	int64_t		 exp = erp_host->now() + erp_host->link_ttl();
	cJSON		*o, *details;
	int		 rc;

	/* nothing to send: any field is an unknown one */
	if (b != NULL && (!cJSON_IsObject(b) || b->child != NULL))
		return erp_fail(r, ERP_E_VALIDATION, cJSON_IsObject(b) &&
		    b->child->string != NULL ? b->child->string : "body",
		    "a link takes no fields");
	if (link_sign(org, id, exp, mac) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: link key");
	sodium_bin2hex(sig, sizeof(sig), mac, sizeof(mac));
	snprintf(url, sizeof(url), "/api/v1/files/download/%lld?exp=%lld&"
	    "org=%lld&sig=%s", (long long)id, (long long)exp, (long long)org,
	    sig);
	erp_host->time_text(exp, when);
	details = cJSON_CreateObject();
	cJSON_AddStringToObject(details, "expires_at", when);
	rc = erp_audit(r, "file.link", "file", id, details);
	if (rc == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: audit");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "url", url);
	cJSON_AddStringToObject(o, "expires_at", when);
	return erp_reply_json(r, 200, o);
}

/* A query parameter that is a positive decimal integer, or -1. */
static int64_t
query_pos(struct erp_req *r, const char *name)
{
	char		 s[24], *end;
	long long	 v;

	if (erp_host->query(r, name, s, sizeof(s)) < 1 || s[0] < '1' ||
	    s[0] > '9' || strlen(s) > 18)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : v;
}

/*
 * Opens the stored file for reading, checking it is a regular file of
 * size bytes. Returns: the descriptor, or -1.
 */
static int
stored_open(const char *path, int64_t size)
{
	struct stat	 sb;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size != (off_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * GET /api/v1/files/download/{id}?exp=&org=&sig=, public: the signature
 * (compared in constant time) and then the expiry decide, 403 for a
 * link that was tampered with or has expired, 404 when the file is gone.
 * The host sends the file from its descriptor (reply_fd); a stored file
 * over the current upload limit is not served.
 */
static int
file_download(struct erp_req *r)
{
	static const char	 sql[] = "SELECT filename, content_type, size, "
				    "storage_name FROM files "
				    "WHERE id = ? AND org_id = ?";
	struct erp_sql		*st;
	unsigned char		 got[crypto_auth_BYTES];
	unsigned char		 want[crypto_auth_BYTES];
	char			 sig[2 * crypto_auth_BYTES + 2], path[PATH_LEN];
	char			*name = NULL, *ctype = NULL;
	const char		*hexend;
	cJSON			*details;
	size_t			 binlen;
	int64_t			 id = erp_host->param_id(r, "id");
	int64_t			 exp = query_pos(r, "exp");
	int64_t			 org = query_pos(r, "org");
	int64_t			 size = 0;
	int			 rc, fd, status, ok = 0;

	if (id <= 0 || exp <= 0 || org <= 0 ||
	    erp_host->query(r, "sig", sig, sizeof(sig)) !=
	    2 * crypto_auth_BYTES || sodium_hex2bin(got, sizeof(got), sig,
	    2 * crypto_auth_BYTES, NULL, &binlen, &hexend) != 0 ||
	    binlen != sizeof(got)) {
		erp_host->log(r, ERP_LOG_INFO, "files: a malformed download link");
		return erp_fail(r, ERP_E_FORBIDDEN, NULL,
		    "the link is not valid");
	}
	if (link_sign(org, id, exp, want) == -1)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: link key");
	if (sodium_memcmp(got, want, sizeof(got)) != 0) {
		erp_host->log(r, ERP_LOG_WARN, "files: a download link with a bad "
		    "signature");
		return erp_fail(r, ERP_E_FORBIDDEN, NULL,
		    "the link is not valid");
	}
	if (erp_host->now() > exp)
		return erp_fail(r, ERP_E_FORBIDDEN, NULL,
		    "the link has expired");

	if ((st = erp_sql(r, sql)) == NULL)
		return erp_fail(r, ERP_E_INTERNAL, NULL, "files: read");
	erp_host->sql_int(st, 1, id);
	erp_host->sql_int(st, 2, org);
	if ((rc = erp_host->sql_step(st)) == ERP_SQL_ROW) {
		name = strdup(erp_host->sql_col_text(st, 0));
		ctype = strdup(erp_host->sql_col_text(st, 1));
		size = erp_host->sql_col_int(st, 2);
		ok = name != NULL && ctype != NULL && stored_path(erp_host->sql_col_text(st, 3), path, sizeof(path)) == 0;
	}
	erp_host->sql_reset(st);
	if (rc == ERP_SQL_DONE)
		return erp_fail(r, ERP_E_NOT_FOUND, NULL,
		    "the file no longer exists");
	if (!ok) {
		status = erp_fail(r, ERP_E_INTERNAL, NULL, "files: read");
		goto out;
	}
	if (size > erp_host->upload_max()) {
		status = erp_fail(r, ERP_E_INTERNAL, NULL, "files: a stored "
		    "file is over the current upload limit; not served");
		goto out;
	}
	if ((fd = stored_open(path, size)) == -1) {
		status = erp_fail(r, ERP_E_INTERNAL, NULL, "files: a stored "
		    "file is missing or does not match its record");
		goto out;
	}
	/*
	 * A system route has no {org}: the audit row names the file's
	 * organization itself (audit_org), in a write the host opens for it
	 * and commits with the reply.
	 */
	details = cJSON_CreateObject();
	cJSON_AddStringToObject(details, "filename", name);
	rc = erp_host->audit_org(r, org, "file.download", "file", id, details);
	if (rc == -1) {
		close(fd);
		status = erp_fail(r, ERP_E_INTERNAL, NULL, "files: audit");
		goto out;
	}
	status = erp_host->reply_fd(r, ctype, name, fd, size);
out:
	free(name);
	free(ctype);
	return status;
}

/*
 * Removes temporary files an earlier run left behind (a crash mid-
 * upload). Only old ones: an upload in flight keeps its file fresh.
 */
static void
sweep(void)
{
	const char	*dir = erp_host->data_dir("files");
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	size_t		 len;
	time_t		 now = time(NULL);

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len != STORAGE_HEX + 5 ||
		    strcmp(de->d_name + STORAGE_HEX, ".part") != 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    0 && S_ISREG(sb.st_mode) && now - sb.st_mtime >
		    STALE_SECONDS)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static const struct erp_route routes[] = {
	{ .method = ERP_GET, .path = "/files",
	  .permission = "file:read", .handler = file_list,
	  .query = "{limit?: integer, offset?: integer, q?: string}" },
	{ .method = ERP_POST, .path = "/files", .flags = ERP_ROUTE_RAW_BODY,
	  .permission = "file:create", .handler = file_upload },
	{ .method = ERP_GET, .path = "/files/{id}",
	  .permission = "file:read", .load = file_load, .handler = file_get },
	{ .method = ERP_DELETE, .path = "/files/{id}",
	  .permission = "file:delete", .load = file_load,
	  .handler = file_delete },
	{ .method = ERP_POST, .path = "/files/{id}/link",
	  .permission = "file:read", .load = file_load,
	  .handler = file_link, .summary = "A signed, expiring download link",
	  .reply = "{url: string, expires_at: time}" },
	/* a system route's path is the whole path */
	{ .method = ERP_GET, .path = "/api/v1/files/download/{id}",
	  .flags = ERP_ROUTE_PUBLIC | ERP_ROUTE_SYSTEM,
	  .handler = file_download,
	  .summary = "Download through a signed link (no other credentials)",
	  .reply = "*/*",
	  .query = "{exp: integer, org: integer, sig: string}" },
	ERP_ROUTE_END
};

extern const struct erp_migration files_migrations[];

static int
init(const struct erp_host *h)
{
	/* written against ABI 2.0: every member up to time_text is needed */
	if (h->size < offsetof(struct erp_host, time_text) +
	    sizeof(h->time_text))
		return -1;
	if (sodium_init() < 0)
		return -1;
	sweep();
	return 0;
}

ERP_MODULE_DEFINE = {
	ERP_MODULE_HEADER,
	.name = "files",
	.version = "1.0.0",
	.routes = routes,
	.migrations = files_migrations,
	.init = init,
};
