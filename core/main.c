/*
 * erpd: argv → serve | migrate | backup. Start-up is the only place that
 * may fatal(); afterwards errors are answered, logged and survived.
 */
#include <sys/resource.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "api/api.h"
#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "config/config.h"
#include "db/db.h"
#include "http/http.h"
#include "module/module.h"
#include "policy/policy.h"
#include "version/version.h"

static const char usage[] =
    "usage: erpd [command]\n"
    "\n"
    "commands:\n"
    "  serve            run the server until SIGINT/SIGTERM (default)\n"
    "  migrate          apply pending database migrations and exit\n"
    "  backup PATH      write a consistent copy of the live database\n"
    "  openapi          print the API document (OpenAPI 3.1, JSON) of the\n"
    "                   core and the modules in ERP_MODULES_DIR\n"
    "  audit verify     check the audit chain and its signed checkpoints\n"
    "  policy check FILE [--base]\n"
    "                   compile a policy (over the shipped base, or as the\n"
    "                   base itself) and run its tests\n"
    "  user add --email E [--name N] [--admin]\n"
    "                   create a user; the password is read from stdin\n"
    "  --version        print the version and the linked libraries'\n"
    "                   versions as loaded\n"
    "  --help           print this text\n"
    "\n"
    "Configuration comes from ERP_* environment variables, each described\n"
    "in docs/configuration.md (installed under /usr/share/doc/erpd).\n";

static const char *
env_get(const char *name, void *arg)
{
	return getenv(name);
}

static void *
cjson_malloc(size_t n)
{
	return xmalloc(n);
}

/* Every worker thread holds a socket: lift the soft limit to the hard. */
static void
raise_nofile(int threads)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("cannot raise the open-files limit: %s",
		    strerror(errno));
	if (rl.rlim_cur < (rlim_t)threads * 2 + 64)
		log_warn("open-files limit %llu is low for %d threads",
		    (unsigned long long)rl.rlim_cur, threads);
}

/* Records a user created from the command line or at start-up. */
static void
record_user_created(int64_t id, const char *how)
{
	struct audit_event	 ev;
	cJSON			*details = cJSON_CreateObject();
	char			 rid[24];

	snprintf(rid, sizeof(rid), "%lld", (long long)id);
	cJSON_AddStringToObject(details, "via", how);
	memset(&ev, 0, sizeof(ev));
	ev.ae_actor_type = "system";
	ev.ae_action = "user.create";
	ev.ae_resource_type = "user";
	ev.ae_resource_id = rid;
	ev.ae_outcome = "success";
	ev.ae_details = details;
	if (audit_record(&ev) == -1)
		log_error("audit: cannot record the creation of user %s", rid);
	cJSON_Delete(details);
}

/* The base policy, with the fragments of the modules loaded before. */
static void
open_base_policy(const struct config *cf)
{
	struct erp_err	 err;
	char		 path[4096];

	snprintf(path, sizeof(path), "%s/base.lua", cf->cf_policies_dir);
	if (policy_engine_init(path, &err) == -1)
		fatal("%s", err.e_msg);
}

/* The base policy, the API key pepper and the password rule. */
static void
open_policy(const struct config *cf)
{
	open_base_policy(cf);
	if (auth_apikey_init(cf) == -1)
		fatal("ERP_SECRET_KEY: cannot derive the API key pepper");
	auth_password_set_rule(api_password_rule);
}

/* Opens the database and brings it to this binary's schema. */
static void
open_db(const struct config *cf)
{
	struct erp_err	 err;
	int		 applied;

	if (fs_mkdirs(cf->cf_data_dir, 0700) == -1)
		fatal("ERP_DATA_DIR: cannot create %s: %s", cf->cf_data_dir,
		    strerror(errno));
	if (db_init(cf->cf_db_path, (enum db_sync)cf->cf_db_sync, &err) == -1)
		fatal("ERP_DB_PATH: %s", err.e_msg);
	if (db_ping() == -1)
		fatal("ERP_DB_PATH: cannot open %s", cf->cf_db_path);
	if (db_migrate("core", db_core_migrations, &applied, &err) == -1)
		fatal("%s", err.e_msg);
	if (applied > 0)
		log_info("applied %d core migration(s)", applied);
}

static int
cmd_serve(struct config *cf)
{
	struct erp_err	 err;
	sigset_t	 set;
	int		 sig;

	int64_t		 created;

	if (config_load_secrets(cf, env_get, NULL, &err) == -1)
		fatal("%s", err.e_msg);
	config_wipe_secret_env();
	raise_nofile(cf->cf_threads);
	open_db(cf);
	if (audit_init(cf, &err) == -1)
		fatal("%s", err.e_msg);
	if (module_load_all(cf, true, &err) == -1)
		fatal("%s", err.e_msg);
	open_policy(cf);
	if (auth_password_init() == -1)
		fatal("libsodium: cannot hash passwords (out of memory?)");
	if (auth_bootstrap_admin(cf, &created, &err) == -1)
		fatal("%s", err.e_msg);
	if (created != 0)
		record_user_created(created, "bootstrap");
	if (api_register(cf, &err) == -1 || module_start_all(&err) == -1 ||
	    api_openapi_init(&err) == -1)
		fatal("%s", err.e_msg);

	/* workers inherit this mask: only the main thread takes signals */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* this thread's connection keeps the default: start-up is done */
	if (db_checkpointer_start() == -1)
		fatal("cannot start the database checkpointer");
	if (http_server_start(cf, &err) == -1)
		fatal("%s", err.e_msg);
	log_info("erpd %s listening on %s (%s, %d threads, %d workers)",
	    ERP_VERSION, cf->cf_listen, cf->cf_production ? "production" :
	    "development", cf->cf_threads, cf->cf_workers);
	do {
		if (sigwait(&set, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGINT && sig != SIGTERM);
	log_info("received %s: draining in-flight requests",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_server_stop();
	db_checkpointer_stop();
	if (audit_checkpoint_now() == -1)
		log_error("audit: cannot write the shutdown checkpoint");
	db_thread_close();
	log_info("stopped");
	return 0;
}

static int
cmd_migrate(struct config *cf)
{
	struct erp_err	 err;

	open_db(cf);
	if (module_load_all(cf, true, &err) == -1)
		fatal("%s", err.e_msg);
	db_thread_close();
	log_info("database %s is up to date", cf->cf_db_path);
	return 0;
}

/* The same throw-away key for every secret `erpd openapi` is asked for. */
static const char *
throwaway_secret(const char *name, void *arg)
{
	return strstr(name, "_FILE") != NULL ? NULL : arg;
}

/*
 * Prints the API document of the core and the modules in
 * ERP_MODULES_DIR; nothing is opened but the modules and the policies,
 * and the keys the modules derive (ETags) come from a throw-away secret,
 * since nothing is served.
 */
static int
cmd_openapi(struct config *cf)
{
	struct erp_err	 err;
	struct policy	*p;
	unsigned char	 raw[32];
	char		 key[2 * sizeof(raw) + 1];
	char		*text;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(key, sizeof(key), raw, sizeof(raw));
	if (config_load_secrets(cf, throwaway_secret, key, &err) == -1)
		fatal("%s", err.e_msg);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(raw, sizeof(raw));
	if (module_load_all(cf, false, &err) == -1)
		fatal("%s", err.e_msg);
	open_base_policy(cf);
	if (api_register(cf, &err) == -1 || module_start_all(&err) == -1)
		fatal("%s", err.e_msg);
	if ((p = policy_get(0, 0, NULL, NULL)) == NULL)
		fatal("the base policy does not compile");
	if ((text = api_openapi_text(p, &err)) == NULL)
		fatal("%s", err.e_msg);
	printf("%s\n", text);
	free(text);
	policy_cache_thread_free();
	return 0;
}

static int
cmd_backup(struct config *cf, const char *dest)
{
	struct erp_err	 err;

	open_db(cf);
	if (db_backup(dest, &err) == -1) {
		log_error("backup: %s", err.e_msg);
		return 1;
	}
	db_thread_close();
	log_info("backup written to %s", dest);
	return 0;
}

/* erpd user add --email E [--name N] [--admin], password on stdin. */
static int
cmd_user_add(struct config *cf, int argc, char **argv)
{
	struct erp_err	 err;
	struct auth_user u;
	const char	*email = NULL, *name = "", *field;
	char		 pw[AUTH_PASSWORD_MAX + 2], why[96];
	bool		 admin = false;
	int64_t		 id;
	size_t		 len;
	int		 i, rc = 1;

	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
			email = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strcmp(argv[i], "--admin") == 0)
			admin = true;
		else {
			fprintf(stderr, "erpd user add: unexpected %s\n%s",
			    argv[i], usage);
			return 2;
		}
	}
	if (email == NULL) {
		fprintf(stderr, "erpd user add: --email is required\n");
		return 2;
	}
	if (fgets(pw, sizeof(pw), stdin) == NULL) {
		fprintf(stderr, "erpd user add: no password on stdin\n");
		return 1;
	}
	len = strcspn(pw, "\r\n");
	if (pw[len] == '\0' && len > AUTH_PASSWORD_MAX) {
		fprintf(stderr, "erpd user add: password: must be at most %d "
		    "bytes\n", AUTH_PASSWORD_MAX);
		goto out;
	}
	pw[len] = '\0';
	if (config_load_secrets(cf, env_get, NULL, &err) == -1) {
		fprintf(stderr, "erpd user add: %s\n", err.e_msg);
		goto out;
	}
	open_db(cf);
	if (audit_init(cf, &err) == -1) {
		fprintf(stderr, "erpd user add: %s\n", err.e_msg);
		goto out;
	}
	open_policy(cf);
	switch (auth_user_create(email, name, pw, admin, &id, &field, why,
	    sizeof(why))) {
	case AUTH_OK:
		record_user_created(id, "cli");
		audit_checkpoint_now();
		if (auth_user_get(id, &u) == AUTH_OK)
			printf("created user %lld (%s)\n", (long long)id,
			    u.us_email);
		auth_user_clear(&u);
		rc = 0;
		break;
	case AUTH_ERR_INVALID:
	case AUTH_ERR_CONFLICT:
		fprintf(stderr, "erpd user add: %s: %s\n", field, why);
		break;
	default:
		fprintf(stderr, "erpd user add: cannot create the user\n");
	}
	db_thread_close();
out:
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

static int
cmd_audit_verify(struct config *cf)
{
	struct erp_err	 err;

	if (config_load_secrets(cf, env_get, NULL, &err) == -1)
		fatal("%s", err.e_msg);
	open_db(cf);
	if (audit_verify(cf, &err) == -1) {
		fprintf(stderr, "erpd audit verify: FAILED: %s\n", err.e_msg);
		db_thread_close();
		return 1;
	}
	db_thread_close();
	printf("audit log intact\n");
	return 0;
}

/*
 * Prints a policy error as "file:line: message": the chunk name chunk
 * ("policy" or "base.lua") and its line, wherever they are in msg, become
 * file's; a message without a line is printed as "file: message".
 */
static void
print_policy_error(const char *file, const char *chunk, const char *msg)
{
	size_t		 n = strlen(chunk);
	const char	*s, *d, *line = NULL, *end = NULL;

	for (s = msg; (s = strstr(s, chunk)) != NULL; s++) {
		d = s + n;
		if (d[0] != ':' || d[1] < '0' || d[1] > '9')
			continue;
		for (d++; *d >= '0' && *d <= '9'; d++)
			;
		if (*d == ':') {
			line = s + n + 1;
			end = d;
			break;
		}
	}
	if (line != NULL)
		/* "test 2 failed: policy:5: x" -> "FILE:5: test 2 failed: x" */
		fprintf(stderr, "%s:%.*s: %.*s%s\n", file, (int)(end - line),
		    line, (int)(s - msg), msg, end + 1 + (end[1] == ' '));
	else
		fprintf(stderr, "%s: %s\n", file, strncmp(msg, "policy: ",
		    8) == 0 ? msg + 8 : msg);
}

/*
 * erpd policy check FILE [--base]: compiles FILE in the sandbox as an
 * organization's policy over the shipped base (with --base, as the base
 * itself) and runs its tests, exactly as the server would before storing
 * it. Needs no database and no secrets.
 */
static int
cmd_policy_check(struct config *cf, int argc, char **argv)
{
	struct erp_err	 err;
	struct policy	*p;
	const char	*file = NULL;
	char		 base[4096], *src;
	bool		 as_base = false;
	size_t		 len;
	int		 i;

	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--base") == 0 && !as_base)
			as_base = true;
		else if (file == NULL && argv[i][0] != '-' && argv[i][0])
			file = argv[i];
		else {
			fprintf(stderr, "erpd policy check: unexpected %s\n%s",
			    argv[i], usage);
			return 2;
		}
	}
	if (file == NULL) {
		fprintf(stderr, "erpd policy check: FILE is required\n%s",
		    usage);
		return 2;
	}
	/* read it here, so that its own problems name it */
	if ((src = fs_read_file(file, POLICY_SOURCE_MAX, &len)) == NULL) {
		if (errno == EFBIG)
			fprintf(stderr, "%s: larger than %d bytes\n", file,
			    POLICY_SOURCE_MAX);
		else
			fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return 1;
	}
	if (as_base) {
		free(src);
		if (policy_engine_init(file, &err) == -1 ||
		    (p = policy_compile(NULL, 0, POLICY_UPLOAD, &err)) == NULL) {
			print_policy_error(file, "base.lua", err.e_msg);
			return 1;
		}
	} else {
		snprintf(base, sizeof(base), "%s/base.lua",
		    cf->cf_policies_dir);
		/*
		 * the modules' schemas are part of the base it runs over;
		 * the core's and the modules' actions are what roles name
		 */
		if (module_load_all(cf, false, &err) == -1 ||
		    api_register(cf, &err) == -1) {
			free(src);
			fprintf(stderr, "erpd policy check: %s\n", err.e_msg);
			return 1;
		}
		if (policy_engine_init(base, &err) == -1) {
			free(src);
			fprintf(stderr, "erpd policy check: the base policy "
			    "fails: %s\n", err.e_msg);
			return 1;
		}
		p = policy_compile(src, len, POLICY_UPLOAD, &err);
		free(src);
		if (p == NULL) {
			print_policy_error(file, "policy", err.e_msg);
			return 1;
		}
	}
	printf("%zu tests passed\n", policy_tests_passed(p));
	policy_free(p);
	return 0;
}

int
main(int argc, char **argv)
{
	struct config	 cf;
	struct erp_err	 err;
	cJSON_Hooks	 hooks = { cjson_malloc, free };
	const char	*cmd = argc > 1 ? argv[1] : "serve";
	int		 rc;

	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		version_print(stdout);
		return 0;
	}
	if (!((strcmp(cmd, "serve") == 0 && argc <= 2) ||
	    (strcmp(cmd, "migrate") == 0 && argc == 2) ||
	    (strcmp(cmd, "openapi") == 0 && argc == 2) ||
	    (strcmp(cmd, "backup") == 0 && argc == 3) ||
	    (strcmp(cmd, "audit") == 0 && argc == 3 &&
	    strcmp(argv[2], "verify") == 0) ||
	    (strcmp(cmd, "user") == 0 && argc >= 3 &&
	    strcmp(argv[2], "add") == 0) ||
	    (strcmp(cmd, "policy") == 0 && argc >= 3 &&
	    strcmp(argv[2], "check") == 0))) {
		fprintf(stderr, "erpd: unknown command or arguments: %s\n%s",
		    cmd, usage);
		return 2;
	}
	if (rand_init() == -1)
		fatal("libsodium failed to initialise");
	cJSON_InitHooks(&hooks);
	if (config_parse(&cf, env_get, NULL, &err) == -1)
		fatal("%s", err.e_msg);
	/* before any secret is read: a crash must not write it to disk */
	if (core_dumps_set(cf.cf_core_dumps) == -1)
		fatal("cannot turn core dumps off: %s", strerror(errno));
	if (strcmp(cmd, "serve") == 0)
		rc = cmd_serve(&cf);
	else if (strcmp(cmd, "migrate") == 0)
		rc = cmd_migrate(&cf);
	else if (strcmp(cmd, "openapi") == 0)
		rc = cmd_openapi(&cf);
	else if (strcmp(cmd, "user") == 0)
		rc = cmd_user_add(&cf, argc, argv);
	else if (strcmp(cmd, "audit") == 0)
		rc = cmd_audit_verify(&cf);
	else if (strcmp(cmd, "policy") == 0)
		rc = cmd_policy_check(&cf, argc, argv);
	else
		rc = cmd_backup(&cf, argv[2]);
	config_free(&cf);
	return rc;
}
