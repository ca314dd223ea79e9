/*
 * auth endpoints: login, logout and password change. Login answers the
 * same 401, after the same Argon2 work, whether the email exists or not,
 * and is limited per client address (every attempt) and per account
 * (every failure) with the same answer for known and unknown accounts.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "metrics/metrics.h"

static struct auth_rl	*ip_limit;	/* every attempt, per client ip */
static struct auth_rl	*account_limit;	/* failures, per account */

static const struct http_field login_fields[] = {
	{ "email", HTTP_T_STRING, true, 0 },
	{ "password", HTTP_T_STRING, true, 0 },
};

static const struct http_field password_fields[] = {
	{ "current_password", HTTP_T_STRING, true, 0 },
	{ "new_password", HTTP_T_STRING, true, 0 },
};

static int
too_many(struct http_req *req, int retry_after)
{
	char	 ra[16];

	snprintf(ra, sizeof(ra), "%d", retry_after);
	http_add_header(req, "Retry-After", ra);
	return http_reply_error(req, 429, "rate_limited",
	    "too many attempts; try again later");
}

/*
 * 429 for a limited login key; the refusal is recorded and alerted once
 * per key and window, so a flood writes nothing more.
 */
static int
limited(struct http_req *req, const char *key, int wait)
{
	struct audit_event	 ev;
	cJSON			*details;

	if (api_once("rate-limited", key)) {
		details = cJSON_CreateObject();
		cJSON_AddStringToObject(details, "limit",
		    strncmp(key, "ip:", 3) == 0 ? "address" : "account");
		api_event_init(&ev, req, "auth.rate_limited", "denied");
		ev.ae_details = details;
		api_record(&ev);
		cJSON_Delete(details);
	}
	api_login_burst(req, key);
	return too_many(req, wait);
}

/* Records a login; the attempted email only when it failed. */
static int
login_event(struct http_req *req, const char *outcome, int64_t user_id,
    const char *email)
{
	struct audit_event	 ev;
	cJSON			*details = NULL;
	char			 id[24];
	int			 rc;

	api_event_init(&ev, req, "auth.login", outcome);
	if (user_id != 0) {
		snprintf(id, sizeof(id), "%lld", (long long)user_id);
		ev.ae_resource_type = "user";
		ev.ae_resource_id = id;
		if (strcmp(outcome, "success") == 0) {
			ev.ae_actor_type = "user";
			ev.ae_actor_id = user_id;
		}
	}
	if (email != NULL) {
		details = cJSON_CreateObject();
		cJSON_AddItemToObject(details, "email", cJSON_CreateString(
		    strlen(email) > AUTH_EMAIL_MAX ? "(too long)" : email));
		ev.ae_details = details;
	}
	rc = api_record(&ev);
	cJSON_Delete(details);
	return rc;
}

static int
busy(struct http_req *req)
{
	http_add_header(req, "Retry-After", "1");
	return http_reply_error(req, 503, "unavailable",
	    "too many logins at once; try again shortly");
}

/* Answers 200 with a new access token for user id at version ver. */
static int
reply_token(struct http_req *req, int64_t id, int64_t ver)
{
	const struct config	*cf = http_config(req);
	cJSON			*o;
	char			*token;

	if ((token = auth_jwt_issue(cf, id, ver, time_now(), NULL)) == NULL)
		return api_internal(req);
	o = cJSON_CreateObject();
	http_reply_secret(req);
	cJSON_AddStringToObject(o, "access_token", token);
	cJSON_AddStringToObject(o, "token_type", "bearer");
	api_json_int(o, "expires_in", cf->cf_jwt_ttl);
	sodium_memzero(token, strlen(token));
	free(token);
	return http_reply_json(req, 200, o);
}

/*
 * The address key: IPv4 as is, IPv6 by its /64, since one host usually
 * holds a whole /64 and could otherwise fill the limiter's table alone.
 */
static void
address_key(const char *ip, char *key, size_t keylen)
{
	unsigned char	 a[16];
	char		 text[INET6_ADDRSTRLEN];

	if (strchr(ip, ':') != NULL && inet_pton(AF_INET6, ip, a) == 1) {
		memset(a + 8, 0, 8);
		inet_ntop(AF_INET6, a, text, sizeof(text));
		snprintf(key, keylen, "ip:%s/64", text);
	} else
		snprintf(key, keylen, "ip:%s", ip);
}

/* The account key: the normalised email, or the raw text if it is none. */
static void
account_key(const char *email, char *key, size_t keylen)
{
	char	 norm[AUTH_EMAIL_MAX + 2];

	snprintf(norm, sizeof(norm), "%s", email);
	if (strlen(email) >= sizeof(norm) || auth_email_normalize(norm) == -1)
		snprintf(key, keylen, "account:?%s", email);
	else
		snprintf(key, keylen, "account:%s", norm);
}

static int
login(struct http_req *req)
{
	const cJSON		*body = http_body(req);
	struct auth_user	 u;
	enum auth_result	 found;
	enum auth_pw_result	 pw;
	const char		*email, *password;
	char			 ipkey[80], acctkey[AUTH_EMAIL_MAX + 32];
	char			 hash[AUTH_PWHASH_HASH_MAX];
	int64_t			 now = time_now();
	bool			 rehash;
	int			 wait;

	if (api_check_body(req, login_fields, nitems(login_fields),
	    false) == -1)
		return -1;
	email = cJSON_GetObjectItemCaseSensitive(body, "email")->valuestring;
	password = cJSON_GetObjectItemCaseSensitive(body,
	    "password")->valuestring;
	address_key(http_client_ip(req), ipkey, sizeof(ipkey));
	account_key(email, acctkey, sizeof(acctkey));
	if ((wait = auth_rl_hit(ip_limit, ipkey, now)) > 0)
		return limited(req, ipkey, wait);
	/*
	 * Reserve the attempt before the slow verify, so concurrent wrong
	 * passwords cannot all pass the check; a success gives it back.
	 */
	if ((wait = auth_rl_hit(account_limit, acctkey, now)) > 0) {
		auth_rl_undo(account_limit, acctkey, now);
		return limited(req, acctkey, wait);
	}

	memset(&u, 0, sizeof(u));
	found = AUTH_ERR_NOT_FOUND;
	if (strlen(acctkey) > 8 && acctkey[8] != '?')
		found = auth_user_by_email(acctkey + 8, &u);
	if (found == AUTH_ERR_INTERNAL) {
		auth_rl_undo(account_limit, acctkey, now);
		return api_internal(req);
	}
	if (strlen(password) > AUTH_PASSWORD_MAX)
		pw = auth_password_verify(NULL, "", &rehash);
	else
		pw = auth_password_verify(found == AUTH_OK ? u.us_hash : NULL,
		    password, &rehash);
	if (pw == AUTH_PW_BUSY) {
		auth_user_clear(&u);
		auth_rl_undo(account_limit, acctkey, now);
		return busy(req);
	}
	if (pw != AUTH_PW_OK || !u.us_is_active) {
		auth_user_clear(&u);
		login_event(req, "failure", found == AUTH_OK ? u.us_id : 0,
		    email);
		metrics_inc(METRIC_AUTH_FAILURES);
		http_add_header(req, "WWW-Authenticate", "Bearer");
		return http_reply_error(req, 401, "unauthenticated",
		    "invalid email or password");
	}
	auth_rl_undo(account_limit, acctkey, now);
	/* parameters changed since this hash was made: upgrade it now */
	if (rehash && auth_password_hash(password, hash) == AUTH_PW_OK) {
		auth_user_set_password_hash(u.us_id, hash, false);
		sodium_memzero(hash, sizeof(hash));
	}
	auth_user_clear(&u);
	if (login_event(req, "success", u.us_id, NULL) == -1)
		return api_internal(req);
	return reply_token(req, u.us_id, u.us_token_version);
}

static int
logout(struct http_req *req)
{
	const struct auth_subject	*sub = http_subject(req);
	struct audit_event		 ev;

	api_event_init(&ev, req, "auth.logout", "success");
	if (db_tx_begin() == -1)
		return api_internal(req);
	if (auth_revoke_add(sub->su_claims.cl_jti, sub->su_claims.cl_exp,
	    time_now()) == -1 || api_append(&ev) == -1 ||
	    audit_tx_commit() == -1)
		return api_audit_failed(req);
	return http_reply_empty(req, 204);
}

static int
change_password(struct http_req *req)
{
	const struct auth_subject	*sub = http_subject(req);
	const cJSON			*body = http_body(req);
	struct auth_user		 u;
	const char			*cur, *new;
	char				 why[96], hash[AUTH_PWHASH_HASH_MAX];
	char				 acctkey[AUTH_EMAIL_MAX + 32];
	char				 uid[24];
	struct audit_event		 ev;
	enum auth_pw_result		 pw;
	int64_t				 now = time_now();
	int				 wait;

	if (api_check_body(req, password_fields, nitems(password_fields),
	    false) == -1)
		return -1;
	cur = cJSON_GetObjectItemCaseSensitive(body,
	    "current_password")->valuestring;
	new = cJSON_GetObjectItemCaseSensitive(body,
	    "new_password")->valuestring;
	snprintf(uid, sizeof(uid), "%lld", (long long)sub->su_user_id);
	/* a stolen token must not become a password oracle */
	snprintf(acctkey, sizeof(acctkey), "account:%s", sub->su_email);
	if ((wait = auth_rl_hit(account_limit, acctkey, now)) > 0) {
		auth_rl_undo(account_limit, acctkey, now);
		return limited(req, acctkey, wait);
	}
	if (auth_user_get(sub->su_user_id, &u) != AUTH_OK) {
		auth_rl_undo(account_limit, acctkey, now);
		return api_internal(req);
	}
	pw = strlen(cur) > AUTH_PASSWORD_MAX ? AUTH_PW_MISMATCH :
	    auth_password_verify(u.us_hash, cur, NULL);
	auth_user_clear(&u);
	if (pw != AUTH_PW_MISMATCH)
		auth_rl_undo(account_limit, acctkey, now);
	if (pw == AUTH_PW_BUSY)
		return busy(req);
	if (pw != AUTH_PW_OK) {
		api_event_init(&ev, req, "user.password_change", "failure");
		ev.ae_resource_type = "user";
		ev.ae_resource_id = uid;
		api_record(&ev);
		return api_field_error(req, "current_password", "check",
		    "is not the current password");
	}
	if (!auth_password_ok(new, sub->su_email, why, sizeof(why)))
		return api_field_error(req, "new_password", "check", why);
	switch (auth_password_hash(new, hash)) {
	case AUTH_PW_OK:
		break;
	case AUTH_PW_BUSY:
		return busy(req);
	default:
		return api_internal(req);
	}
	/* the version bump kills every earlier token, this one included */
	api_event_init(&ev, req, "user.password_change", "success");
	ev.ae_resource_type = "user";
	ev.ae_resource_id = uid;
	if (db_tx_begin() == -1) {
		sodium_memzero(hash, sizeof(hash));
		return api_internal(req);
	}
	if (auth_user_set_password_hash(sub->su_user_id, hash, true) !=
	    AUTH_OK || api_append(&ev) == -1 || audit_tx_commit() == -1 ||
	    auth_user_get(sub->su_user_id, &u) != AUTH_OK) {
		sodium_memzero(hash, sizeof(hash));
		return api_audit_failed(req);
	}
	sodium_memzero(hash, sizeof(hash));
	auth_user_clear(&u);
	return reply_token(req, u.us_id, u.us_token_version);
}

/* The answer of a login and of a password change. */
#define TOKEN_SHAPE	"{access_token: string, token_type: 'bearer', " \
			"expires_in: integer}"

static const struct http_route routes[] = {
	{ .rt_methods = HTTP_POST, .rt_path = "/api/v1/auth/token",
	  .rt_flags = HTTP_ROUTE_PUBLIC, .rt_handler = login,
	  .rt_summary = "Log in: an access token for email and password",
	  HTTP_BODY(login_fields), .rt_reply = TOKEN_SHAPE },
	{ .rt_methods = HTTP_POST, .rt_path = "/api/v1/auth/logout",
	  .rt_handler = logout,
	  .rt_summary = "Log out: the token used dies", .rt_status = 204 },
	{ .rt_methods = HTTP_PUT, .rt_path = "/api/v1/users/me/password",
	  .rt_handler = change_password,
	  .rt_summary = "Change one's password; every older token dies",
	  HTTP_BODY(password_fields), .rt_reply = TOKEN_SHAPE },
};


int
api_auth_register(const struct config *cf, struct erp_err *err)
{
	ip_limit = auth_rl_new(cf->cf_login_rate, cf->cf_login_window,
	    AUTH_RL_SLOTS);
	account_limit = auth_rl_new(cf->cf_login_rate, cf->cf_login_window,
	    AUTH_RL_SLOTS);
	if (ip_limit == NULL || account_limit == NULL) {
		err_set(err, "ERP_LOGIN_RATE: cannot set up the limiter");
		return -1;
	}
	return api_routes_add(routes, nitems(routes), err);
}
