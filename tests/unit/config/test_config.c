/* Tests for core/config: every variable parsed, every bad value named. */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "config/config.h"
#include "suites.h"

/* A fake environment: NULL-terminated name/value pairs. */
static const char *
fake_get(const char *name, void *arg)
{
	const char	**kv = arg;

	for (; kv[0] != NULL; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

static int
parse(const char **env, struct config *cf, struct erp_err *err)
{
	err->e_msg[0] = '\0';
	return config_parse(cf, fake_get, (void *)env, err);
}

START_TEST(test_defaults)
{
	const char	*env[] = { NULL };
	struct config	 cf;
	struct erp_err	 err;

	ck_assert_int_eq(parse(env, &cf, &err), 0);
	ck_assert(!cf.cf_production);
	ck_assert_str_eq(cf.cf_listen, "127.0.0.1:8080");
	ck_assert_str_eq(cf.cf_data_dir, "./data");
	ck_assert_str_eq(cf.cf_db_path, "./data/erp.db");
	ck_assert_int_eq(cf.cf_db_sync, 2);
	ck_assert_int_eq(cf.cf_link_ttl, 300);
	ck_assert_int_eq(cf.cf_jwt_ttl, 30 * 60);
	ck_assert_str_eq(cf.cf_jwt_issuer, "erpd");
	ck_assert_uint_eq(cf.cf_norigins, 0);
	ck_assert_uint_eq(cf.cf_nproxies, 0);
	ck_assert_int_eq(cf.cf_login_rate, 5);
	ck_assert_int_eq(cf.cf_login_window, 60);
	ck_assert_int_eq(cf.cf_max_body, 1048576);
	ck_assert_int_eq(cf.cf_upload_max, 10485760);
	ck_assert_int_ge(cf.cf_threads, 512);
	ck_assert_ptr_null(cf.cf_admin_email);
	config_free(&cf);
}
END_TEST

START_TEST(test_values)
{
	const char	*env[] = {
		"ERP_ENV", "production", "ERP_LISTEN", "0.0.0.0:9000",
		"ERP_DATA_DIR", "/var/lib/erpd", "ERP_DB_SYNC", "normal",
		"ERP_CORS_ORIGINS", " https://a.example.com , http://b:5173,",
		"ERP_TRUSTED_PROXIES", "10.0.0.0/8, ::1",
		"ERP_LOGIN_RATE", "10/hour", "ERP_MAX_BODY_BYTES", "2048",
		"ERP_JWT_TTL_MINUTES", "15", "ERP_THREADS", "64",
		"ERP_BOOTSTRAP_ADMIN_EMAIL", "root@example.com",
		"ERP_BOOTSTRAP_ADMIN_PASSWORD", "correct horse battery",
		NULL };
	struct config	 cf;
	struct erp_err	 err;

	ck_assert_int_eq(parse(env, &cf, &err), 0);
	ck_assert(cf.cf_production);
	ck_assert_str_eq(cf.cf_db_path, "/var/lib/erpd/erp.db");
	ck_assert_int_eq(cf.cf_db_sync, 1);
	ck_assert_uint_eq(cf.cf_norigins, 2);
	ck_assert_str_eq(cf.cf_origins[0], "https://a.example.com");
	ck_assert_str_eq(cf.cf_origins[1], "http://b:5173");
	ck_assert_uint_eq(cf.cf_nproxies, 2);
	ck_assert_int_eq(cf.cf_login_rate, 10);
	ck_assert_int_eq(cf.cf_login_window, 3600);
	ck_assert_int_eq(cf.cf_max_body, 2048);
	ck_assert_int_eq(cf.cf_jwt_ttl, 900);
	ck_assert_int_eq(cf.cf_threads, 64);
	ck_assert_str_eq(cf.cf_admin_email, "root@example.com");
	config_free(&cf);
}
END_TEST

/* Each bad value stops parsing with a message naming its variable. */
static const struct {
	const char	*name;
	const char	*value;
} bad[] = {
	{ "ERP_ENV", "staging" },
	{ "ERP_LISTEN", "" },
	{ "ERP_LISTEN", "127.0.0.1:8443s" },
	{ "ERP_LISTEN", "localhost:8080" },
	{ "ERP_LISTEN", "127.0.0.1:70000" },
	{ "ERP_LISTEN", "8080r" },
	{ "ERP_DATA_DIR", "" },
	{ "ERP_DB_SYNC", "sometimes" },
	{ "ERP_LINK_TTL_SECONDS", "0" },
	{ "ERP_JWT_TTL_MINUTES", "abc" },
	{ "ERP_JWT_ISSUER", "" },
	{ "ERP_CORS_ORIGINS", "*" },
	{ "ERP_CORS_ORIGINS", "https://a.example.com/path" },
	{ "ERP_CORS_ORIGINS", "not-an-origin" },
	{ "ERP_TRUSTED_PROXIES", "10.0.0.0/33" },
	{ "ERP_TRUSTED_PROXIES", "example.com" },
	{ "ERP_LOGIN_RATE", "5/fortnight" },
	{ "ERP_LOGIN_RATE", "0/minute" },
	{ "ERP_LOGIN_RATE", "five/minute" },
	{ "ERP_MAX_BODY_BYTES", "-5" },
	{ "ERP_MAX_BODY_BYTES", "12abc" },
	{ "ERP_MAX_BODY_BYTES", " 100" },
	{ "ERP_UPLOAD_MAX_BYTES", "99999999999999999999" },
	{ "ERP_THREADS", "0" },
	{ "ERP_THREADS", "100000" },
	{ "ERP_WWW_DIR", "" },
	{ "ERP_BOOTSTRAP_ADMIN_EMAIL", "a@b.c" },
};

START_TEST(test_bad_value)
{
	const char	*env[] = { bad[_i].name, bad[_i].value, NULL };
	struct config	 cf;
	struct erp_err	 err;

	ck_assert_int_eq(parse(env, &cf, &err), -1);
	/* the bootstrap pair names the missing half */
	if (strcmp(bad[_i].name, "ERP_BOOTSTRAP_ADMIN_EMAIL") == 0)
		ck_assert_ptr_nonnull(strstr(err.e_msg,
		    "ERP_BOOTSTRAP_ADMIN_PASSWORD"));
	else
		ck_assert_msg(strncmp(err.e_msg, bad[_i].name,
		    strlen(bad[_i].name)) == 0, "%s=%s gave \"%s\"",
		    bad[_i].name, bad[_i].value, err.e_msg);
	ck_assert_ptr_null(strchr(err.e_msg, '\n'));
	config_free(&cf);
}
END_TEST

START_TEST(test_cidr)
{
	struct cidr	 c[3];

	ck_assert_int_eq(config_cidr_parse("10.1.2.3/8", &c[0]), 0);
	ck_assert_int_eq(config_cidr_parse("192.168.1.7", &c[1]), 0);
	ck_assert_int_eq(config_cidr_parse("fd00::/8", &c[2]), 0);
	ck_assert(config_cidr_match(c, 3, "10.200.0.1"));
	ck_assert(!config_cidr_match(c, 3, "11.0.0.1"));
	ck_assert(config_cidr_match(c, 3, "192.168.1.7"));
	ck_assert(!config_cidr_match(c, 3, "192.168.1.8"));
	ck_assert(config_cidr_match(c, 3, "fd12::1"));
	ck_assert(!config_cidr_match(c, 3, "fe80::1"));
	ck_assert(!config_cidr_match(c, 3, "garbage"));
	ck_assert_int_eq(config_cidr_parse("10.0.0.0/12", &c[0]), 0);
	ck_assert(config_cidr_match(c, 1, "10.15.255.255"));
	ck_assert(!config_cidr_match(c, 1, "10.16.0.0"));
	ck_assert_int_eq(config_cidr_parse("10.0.0.0/", &c[0]), -1);
	ck_assert_int_eq(config_cidr_parse("::1/129", &c[0]), -1);
}
END_TEST

static char	tmpdir[64];

static void
make_tmp(void)
{
	strcpy(tmpdir, "/tmp/erp-config-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

START_TEST(test_secrets_dev_generated_once)
{
	const char	*env[] = { "ERP_DATA_DIR", NULL, NULL };
	struct config	 cf;
	struct erp_err	 err;
	struct stat	 st;
	char		 path[128], first[65];

	make_tmp();
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	env[1] = path;
	ck_assert_int_eq(parse(env, &cf, &err), 0);
	ck_assert_int_eq(config_load_secrets(&cf, fake_get, env, &err), 0);
	ck_assert_uint_eq(cf.cf_jwt_secret.s_len, 64);
	ck_assert_uint_eq(cf.cf_secret_key.s_len, 64);
	ck_assert(memcmp(cf.cf_jwt_secret.s_data, cf.cf_secret_key.s_data,
	    64) != 0);
	memcpy(first, cf.cf_jwt_secret.s_data, 64);
	config_free(&cf);
	snprintf(path, sizeof(path), "%s/sub/jwt.secret", tmpdir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	ck_assert_int_eq(parse(env, &cf, &err), 0);
	ck_assert_int_eq(config_load_secrets(&cf, fake_get, env, &err), 0);
	ck_assert(memcmp(first, cf.cf_jwt_secret.s_data, 64) == 0);
	config_free(&cf);

	/* a generated secret others can read is refused */
	snprintf(path, sizeof(path), "%s/sub/secret.key", tmpdir);
	chmod(path, 0644);
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	ck_assert_int_eq(parse(env, &cf, &err), 0);
	ck_assert_int_eq(config_load_secrets(&cf, fake_get, env, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "ERP_SECRET_KEY"));
	config_free(&cf);
}
END_TEST

START_TEST(test_secrets_production)
{
	const char	*missing[] = { "ERP_ENV", "production",
	    "ERP_DATA_DIR", "/nonexistent", NULL };
	const char	*shortkey[] = { "ERP_ENV", "production",
	    "ERP_JWT_SECRET", "0123456789abcdef", NULL };
	const char	*both[] = { "ERP_JWT_SECRET",
	    "0123456789abcdef0123456789abcdef", "ERP_JWT_SECRET_FILE",
	    "/etc/hostname", NULL };
	const char	*good[] = { "ERP_ENV", "production",
	    "ERP_JWT_SECRET", "0123456789abcdef0123456789abcdef",
	    "ERP_SECRET_KEY_FILE", NULL, NULL };
	struct config	 cf;
	struct erp_err	 err;
	char		 path[128];
	FILE		*f;

	ck_assert_int_eq(parse(missing, &cf, &err), 0);
	ck_assert_int_eq(config_load_secrets(&cf, fake_get, missing, &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "ERP_JWT_SECRET: required"));
	config_free(&cf);

	ck_assert_int_eq(parse(shortkey, &cf, &err), 0);
	ck_assert_int_eq(config_load_secrets(&cf, fake_get, shortkey, &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "at least 32 bytes"));
	/* the value itself never reaches the message */
	ck_assert_ptr_null(strstr(err.e_msg, "0123456789abcdef"));
	config_free(&cf);

	ck_assert_int_eq(parse(both, &cf, &err), 0);
	ck_assert_int_eq(config_load_secrets(&cf, fake_get, both, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.e_msg, "not both"));
	config_free(&cf);

	make_tmp();
	snprintf(path, sizeof(path), "%s/master", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("abcdefghijklmnopqrstuvwxyz0123456789\n", f);
	fclose(f);
	good[5] = path;
	ck_assert_int_eq(parse(good, &cf, &err), 0);
	ck_assert_int_eq(config_load_secrets(&cf, fake_get, good, &err), 0);
	/* the trailing newline is not part of the key */
	ck_assert_uint_eq(cf.cf_secret_key.s_len, 36);
	config_free(&cf);
}
END_TEST

Suite *
config_config_suite(void)
{
	Suite	*s = suite_create("config_config");
	TCase	*tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values);
	tcase_add_loop_test(tc, test_bad_value, 0, (int)nitems(bad));
	tcase_add_test(tc, test_cidr);
	tcase_add_test(tc, test_secrets_dev_generated_once);
	tcase_add_test(tc, test_secrets_production);
	suite_add_tcase(s, tc);
	return s;
}
