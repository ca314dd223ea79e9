/*
 * bootstrap: the first system admin, so a new server can be used at all.
 * From ERP_BOOTSTRAP_ADMIN_*, or in development admin@localhost with a
 * random password written to initial-admin.txt (0600); never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"

#define DEV_ADMIN_EMAIL	"admin@localhost"

static int
write_initial(const char *dir, const char *password, char *path,
    size_t pathlen, struct erp_err *err)
{
	char	 text[256];
	int	 fd, n;

	snprintf(path, pathlen, "%s/initial-admin.txt", dir);
	n = snprintf(text, sizeof(text), "email: %s\npassword: %s\n",
	    DEV_ADMIN_EMAIL, password);
	unlink(path);		/* a stale one from an older database */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || write(fd, text, (size_t)n) != n || fsync(fd) == -1) {
		err_set(err, "bootstrap admin: cannot write %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		sodium_memzero(text, sizeof(text));
		return -1;
	}
	close(fd);
	sodium_memzero(text, sizeof(text));
	return 0;
}

int
auth_bootstrap_admin(const struct config *cf, int64_t *created,
    struct erp_err *err)
{
	const char	*email, *password, *field;
	char		 generated[33], why[96], path[4096];
	int64_t		 n, id;

	*created = 0;
	if ((n = auth_user_count()) == -1) {
		err_set(err, "bootstrap admin: cannot count users");
		return -1;
	}
	if (n > 0)
		return 0;
	if (cf->cf_admin_email != NULL) {
		email = cf->cf_admin_email;
		password = cf->cf_admin_password;
	} else if (!cf->cf_production) {
		email = DEV_ADMIN_EMAIL;
		rand_hex(generated, 16);
		password = generated;
	} else {
		log_warn("no users yet: set ERP_BOOTSTRAP_ADMIN_EMAIL and "
		    "ERP_BOOTSTRAP_ADMIN_PASSWORD, or run erpd user add");
		return 0;
	}
	switch (auth_user_create(email, "Administrator", password, true, &id,
	    &field, why, sizeof(why))) {
	case AUTH_OK:
		break;
	case AUTH_ERR_INVALID:
		err_set(err, "%s: %s %s", strcmp(field, "password") == 0 ?
		    "ERP_BOOTSTRAP_ADMIN_PASSWORD" :
		    "ERP_BOOTSTRAP_ADMIN_EMAIL", field, why);
		return -1;
	default:
		err_set(err, "bootstrap admin: cannot create %s", email);
		return -1;
	}
	*created = id;
	if (password == generated) {
		if (write_initial(cf->cf_data_dir, generated, path,
		    sizeof(path), err) == -1)
			return -1;
		sodium_memzero(generated, sizeof(generated));
		log_info("created system admin %s; its password is in %s "
		    "(mode 0600)", DEV_ADMIN_EMAIL, path);
	} else
		log_info("created system admin %s from "
		    "ERP_BOOTSTRAP_ADMIN_EMAIL", email);
	return 0;
}
