/*
 * secrets: the token key and the master key, from the environment, from a
 * file, or (development only) generated once into the data dir. Their
 * values are never logged or put in an error.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"

#define SECRET_FILE_MAX	4096

/*
 * Keeps len bytes of data as s, in memory that is locked, guarded and
 * then read-only (sodium_malloc). Returns 0, or -1 when that memory
 * cannot be had.
 */
static int
secret_keep(struct secret *s, const char *data, size_t len)
{
	if ((s->s_data = sodium_malloc(len + 1)) == NULL)
		return -1;
	memcpy(s->s_data, data, len);
	s->s_data[len] = '\0';
	s->s_len = len;
	sodium_mprotect_readonly(s->s_data);
	return 0;
}

static int
read_secret_file(const char *path, struct secret *s)
{
	size_t	 len, n;
	char	*data;
	int	 rc;

	if ((data = fs_read_file(path, SECRET_FILE_MAX, &len)) == NULL)
		return -1;
	n = len;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	rc = secret_keep(s, data, n);
	sodium_memzero(data, len);
	free(data);
	if (rc == -1)
		errno = ENOMEM;
	return rc;
}

/* Development: reuse dir/file, or create it with 32 random bytes in hex. */
static int
dev_secret(const char *name, const char *dir, const char *file,
    struct secret *s, struct erp_err *err)
{
	unsigned char	 raw[32];
	char		 hex[65], path[4096];
	struct stat	 st;
	int		 fd, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    sizeof(path)) {
		err_set(err, "%s: data dir path too long", name);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
			err_set(err, "%s: %s must be a regular file readable "
			    "only by its owner (chmod 600)", name, path);
			return -1;
		}
		if (read_secret_file(path, s) == -1) {
			err_set(err, "%s: cannot read %s: %s", name, path,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT || fs_mkdirs(dir, 0700) == -1) {
		err_set(err, "%s: cannot use data dir %s: %s", name, dir,
		    strerror(errno));
		return -1;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || write(fd, hex, 64) != 64 || fsync(fd) == -1) {
		err_set(err, "%s: cannot write %s: %s", name, path,
		    strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(path);
		}
		sodium_memzero(hex, sizeof(hex));
		return -1;
	}
	close(fd);
	rc = secret_keep(s, hex, 64);
	sodium_memzero(hex, sizeof(hex));
	if (rc == -1) {
		err_set(err, "%s: cannot lock memory for it", name);
		return -1;
	}
	log_info("development: generated %s into %s (mode 0600); set it "
	    "in the environment for production", name, path);
	return 0;
}

static int
load_one(const struct config *cf, config_getenv_fn get, void *arg,
    const char *name, const char *file, struct secret *s,
    struct erp_err *err)
{
	char		 fname[64];
	const char	*v, *f;

	snprintf(fname, sizeof(fname), "%s_FILE", name);
	v = get(name, arg);
	f = get(fname, arg);
	if (v != NULL && *v == '\0')
		v = NULL;
	if (f != NULL && *f == '\0')
		f = NULL;
	if (v != NULL && f != NULL) {
		err_set(err, "%s: set %s or %s, not both", name, name, fname);
		return -1;
	}
	if (v != NULL) {
		if (secret_keep(s, v, strlen(v)) == -1) {
			err_set(err, "%s: cannot lock memory for it", name);
			return -1;
		}
	} else if (f != NULL) {
		if (read_secret_file(f, s) == -1) {
			err_set(err, "%s: cannot read %s: %s", fname, f,
			    strerror(errno));
			return -1;
		}
		name = fname;
	} else if (cf->cf_production) {
		err_set(err, "%s: required in production (at least %d bytes)",
		    name, CONFIG_SECRET_MIN);
		return -1;
	} else
		return dev_secret(name, cf->cf_data_dir, file, s, err);

	if (s->s_len < CONFIG_SECRET_MIN) {
		if (cf->cf_production) {
			err_set(err, "%s: must be at least %d bytes", name,
			    CONFIG_SECRET_MIN);
			return -1;
		}
		log_warn("%s is shorter than %d bytes: production will refuse "
		    "it", name, CONFIG_SECRET_MIN);
	}
	return 0;
}

int
config_load_secrets(struct config *cf, config_getenv_fn get, void *arg,
    struct erp_err *err)
{
	if (load_one(cf, get, arg, "ERP_JWT_SECRET", "jwt.secret",
	    &cf->cf_jwt_secret, err) == -1)
		return -1;
	return load_one(cf, get, arg, "ERP_SECRET_KEY", "secret.key",
	    &cf->cf_secret_key, err);
}

int
config_derive_key(const struct config *cf, enum config_subkey id,
    unsigned char *out, size_t outlen)
{
	static const char	*ctx[] = { "", "erpaudit", "apikeypp",
				    "dllinks_" };
	unsigned char		 master[crypto_kdf_KEYBYTES];
	int			 rc;

	if (cf->cf_secret_key.s_data == NULL || (size_t)id >= 4 ||
	    outlen < crypto_kdf_BYTES_MIN || outlen > crypto_kdf_BYTES_MAX)
		return -1;
	/* the secret may be any length: hash it to the KDF's key size */
	crypto_generichash(master, sizeof(master), cf->cf_secret_key.s_data,
	    cf->cf_secret_key.s_len, NULL, 0);
	rc = crypto_kdf_derive_from_key(out, outlen, (uint64_t)id, ctx[id],
	    master);
	sodium_memzero(master, sizeof(master));
	return rc == 0 ? 0 : -1;
}

void
config_wipe_secret_env(void)
{
	static const char	*names[] = { "ERP_JWT_SECRET", "ERP_SECRET_KEY" };
	char			*v;
	size_t			 i;

	for (i = 0; i < nitems(names); i++)
		if ((v = getenv(names[i])) != NULL) {
			sodium_memzero(v, strlen(v));
			unsetenv(names[i]);
		}
}
