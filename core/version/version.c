/*
 * version: the versions of the linked libraries as loaded at run time.
 * A library that reports itself is asked; the file each symbol lives in
 * (dladdr, then realpath) says which copy the loader picked, which is
 * what `dpkg -S` takes to name the Debian package.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>

#include <civetweb.h>
#include <cjson/cJSON.h>
#include <jwt.h>
#include <lua.h>
#include <sodium.h>
#include <sqlite3.h>

#include "base/base.h"
#include "version.h"

/* The file holding addr, resolved through symlinks, or "?". */
static void
loaded_from(const void *addr, char *out, size_t outlen)
{
	Dl_info	 info;
	char	 real[PATH_MAX];

	if (dladdr(addr, &info) == 0 || info.dli_fname == NULL) {
		snprintf(out, outlen, "?");
		return;
	}
	if (realpath(info.dli_fname, real) != NULL)
		snprintf(out, outlen, "%s", real);
	else
		snprintf(out, outlen, "%s", info.dli_fname);
}

static void
line(FILE *f, const char *lib, const char *ver, const void *sym)
{
	char	 path[PATH_MAX];

	loaded_from(sym, path, sizeof(path));
	fprintf(f, "  %-10s %-28s %s\n", lib, ver, path);
}

/*
 * A function of a library erpd does not link itself but one of its
 * libraries does (libjwt's crypto and JSON), looked up among the loaded
 * objects; NULL when that library is not loaded.
 */
static void *
loaded_symbol(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

void
version_print(FILE *f)
{
	const char	*(*str_fn)(void);
	const char	*(*ossl_fn)(int);
	char		 ver[64];
	void		*sym;

	fprintf(f, "erpd %s\n", ERP_VERSION);
	fprintf(f, "libraries (as loaded now):\n");
	line(f, "SQLite", sqlite3_libversion(), (const void *)sqlite3_libversion);
	line(f, "libsodium", sodium_version_string(),
	    (const void *)sodium_version_string);
	line(f, "civetweb", mg_version(), (const void *)mg_version);
	line(f, "cJSON", cJSON_Version(), (const void *)cJSON_Version);
	/* liblua answers only its major and minor (LUA_VERSION_NUM) */
	snprintf(ver, sizeof(ver), "%d.%d (release %s built)",
	    (int)lua_version(NULL) / 100, (int)lua_version(NULL) % 100,
	    LUA_VERSION_MAJOR "." LUA_VERSION_MINOR "." LUA_VERSION_RELEASE);
	line(f, "Lua", ver, (const void *)lua_version);
	/* libjwt has no version call: the file name carries its ABI */
	line(f, "libjwt", "(no run-time version call)", (const void *)jwt_new);
	if ((sym = loaded_symbol("OpenSSL_version")) != NULL) {
		*(void **)&ossl_fn = sym;
		line(f, "OpenSSL", ossl_fn(0), sym);	/* OPENSSL_VERSION */
	}
	if ((sym = loaded_symbol("jansson_version_str")) != NULL) {
		*(void **)&str_fn = sym;
		line(f, "jansson", str_fn(), sym);
	}
}
