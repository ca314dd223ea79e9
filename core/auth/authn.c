/*
 * authn: from a bearer token to a subject. The token alone is not enough:
 * it must not be revoked, and its user must exist, be active and still be
 * on the token version the token was issued for.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"

int
auth_bearer(const struct config *cf, const char *token, int64_t now,
    struct auth_subject *sub, char *why, size_t whylen)
{
	enum auth_result	 r;
	int64_t			 version;
	bool			 active, admin, revoked;

	memset(sub, 0, sizeof(*sub));
	if (auth_jwt_verify(cf, token, now, &sub->su_claims, why,
	    whylen) == -1)
		return -1;
	r = auth_user_brief(sub->su_claims.cl_sub, sub->su_claims.cl_jti,
	    &active, &version, &admin, &revoked, sub->su_email);
	if (r == AUTH_ERR_INTERNAL)
		return -2;
	if (r != AUTH_OK) {
		snprintf(why, whylen, "unknown user");
		return -1;
	}
	if (revoked) {
		snprintf(why, whylen, "token revoked");
		return -1;
	}
	if (!active) {
		snprintf(why, whylen, "user deactivated");
		return -1;
	}
	if (version != sub->su_claims.cl_ver) {
		snprintf(why, whylen, "token version superseded");
		return -1;
	}
	sub->su_kind = AUTH_KIND_USER;
	sub->su_user_id = sub->su_claims.cl_sub;
	sub->su_is_admin = admin;
	return 0;
}
