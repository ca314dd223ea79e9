/*
 * config: the environment (docs/configuration.md) turned into one
 * frozen struct.
 * Every variable is parsed and checked at start-up; the first bad one
 * stops start-up with one line naming it.
 */
#ifndef ERP_CORE_CONFIG_H
#define ERP_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define CONFIG_SECRET_MIN	32	/* bytes, for both secrets */
#define CONFIG_MAX_ORIGINS	32
#define CONFIG_MAX_PROXIES	32

/* An address range from ERP_TRUSTED_PROXIES. */
struct cidr {
	int		 ci_family;	/* AF_INET or AF_INET6 */
	uint8_t		 ci_addr[16];	/* network order, masked */
	int		 ci_bits;	/* prefix length */
};

/*
 * A secret's bytes (NUL-terminated) in guarded, locked (never swapped)
 * and read-only memory from sodium_malloc; wiped and freed by
 * config_free.
 */
struct secret {
	unsigned char	*s_data;
	size_t		 s_len;
};

struct config {
	bool		 cf_production;		/* ERP_ENV=production */
	bool		 cf_core_dumps;		/* ERP_CORE_DUMPS=1 */
	char		*cf_listen;		/* civetweb listening_ports */
	char		*cf_data_dir;
	char		*cf_db_path;
	int		 cf_db_sync;		/* enum db_sync */
	struct secret	 cf_jwt_secret;		/* HS256 key */
	struct secret	 cf_secret_key;		/* master key material */
	int		 cf_link_ttl;		/* seconds */
	int		 cf_jwt_ttl;		/* seconds */
	char		*cf_jwt_issuer;
	char		*cf_origins[CONFIG_MAX_ORIGINS];	/* exact */
	size_t		 cf_norigins;
	struct cidr	 cf_proxies[CONFIG_MAX_PROXIES];
	size_t		 cf_nproxies;
	int		 cf_login_rate;		/* attempts per window */
	int		 cf_login_window;	/* seconds */
	int64_t		 cf_max_body;		/* bytes */
	int64_t		 cf_upload_max;		/* bytes */
	char		*cf_modules_dir;
	char		*cf_policies_dir;
	char		*cf_www_dir;
	int		 cf_threads;
	int		 cf_workers;		/* ERP_WORKERS */
	int		 cf_conn_per_ip;	/* 0: no limit */
	char		*cf_admin_email;	/* bootstrap admin, may be NULL */
	char		*cf_admin_password;	/* secret, may be NULL */
};

/* Reads a variable; returns NULL when unset. */
typedef const char *(*config_getenv_fn)(const char *name, void *arg);

/*
 * Parses every variable except the secrets through get (getenv in erpd,
 * a table in tests). Returns 0, or -1 with err naming the first bad
 * variable ("ERP_DB_SYNC: expected full or normal"). The caller frees cf
 * with config_free in both cases.
 */
int	config_parse(struct config *cf, config_getenv_fn get, void *arg,
	    struct erp_err *err);

/*
 * Loads ERP_JWT_SECRET and ERP_SECRET_KEY (or their _FILE variants). In
 * development a missing one is generated once into the data dir (mode
 * 0600, created if needed) and the log says where; in production a
 * missing or short one is refused. Values are never logged.
 * Returns 0, or -1 with err naming the variable.
 */
int	config_load_secrets(struct config *cf, config_getenv_fn get,
	    void *arg, struct erp_err *err);
/*
 * Overwrites the environment's copies of the secrets in place (what
 * /proc/PID/environ shows) and removes them, once they are kept.
 */
void	config_wipe_secret_env(void);

/* Parses "a.b.c.d/n" or an IPv6 CIDR; a bare address is a host (/32). */
int	config_cidr_parse(const char *s, struct cidr *out);

/* true if the textual address ip lies in one of the n ranges. */
bool	config_cidr_match(const struct cidr *list, size_t n, const char *ip);

/* Subkeys derived from ERP_SECRET_KEY, one per purpose (never renumber). */
enum config_subkey {
	CONFIG_KEY_AUDIT = 1,		/* Ed25519 seed for checkpoints */
	CONFIG_KEY_APIKEY_PEPPER = 2,	/* keyed hash of API keys */
	CONFIG_KEY_LINKS = 3		/* download link signatures */
};

/*
 * Derives out (16 to 64 bytes) for purpose id from the master key with
 * crypto_kdf, so rotating the token key breaks none of them. 0 or -1.
 */
int	config_derive_key(const struct config *cf, enum config_subkey id,
	    unsigned char *out, size_t outlen);

/* Frees everything cf owns, wiping the secrets first. */
void	config_free(struct config *cf);

#endif /* ERP_CORE_CONFIG_H */
