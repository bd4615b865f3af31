/*
 * Anonymous sessions and their link to real users:
 * POST /api/auth/anonymous, POST /api/auth/link, POST /api/auth/logout,
 * POST /api/auth/session (an API key becomes a browser session), and
 * GET /api/user (who the caller is).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../fcgi/cfg.h"
#include "../db/token.h"
#include "handlers.h"

static json_object *
str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static void
set_session_cookie(struct req *r, struct resp *resp, const char *token,
    long maxage)
{
	char	*c;

	c = arena_printf(r->arena, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; "
	    "Secure; SameSite=Lax", SESSION_COOKIE, token, maxage);
	if (c != NULL)
		resp_header(resp, "Set-Cookie", c);
}

/* POST /api/auth/anonymous: a new anonymous user and its session. */
int
h_auth_anonymous(struct req *r, struct resp *resp)
{
	struct user_new	 u;
	char		*token;
	json_object	*o, *user;
	enum db_rc	 rc;
	int		 days = r->cfg ? r->cfg->session_days : 30;

	/* A browser on another site must not swap its visitor's session. */
	if (!browser_write_allowed(r))
		return resp_error(resp, 403, "origin_mismatch",
		    "Cross-origin request refused");
	if ((rc = db_begin(r->db)) != DB_OK)
		return resp_db_error(resp, rc);
	if ((rc = db_user_create(r->db, r->arena, NULL, NULL, 1, &u)) !=
	    DB_OK || (rc = db_session_create(r->db, r->arena, u.id, days,
	    &token)) != DB_OK || (rc = db_commit(r->db)) != DB_OK) {
		db_rollback(r->db);
		return resp_db_error(resp, rc);
	}
	user = json_object_new_object();
	json_object_object_add(user, "id", json_object_new_string(u.id));
	json_object_object_add(user, "name", NULL);
	json_object_object_add(user, "email", NULL);
	json_object_object_add(user, "isAnonymous",
	    json_object_new_boolean(1));
	json_object_object_add(user, "createdAt",
	    json_object_new_string(u.created_at));
	o = json_object_new_object();
	json_object_object_add(o, "user", user);
	json_object_object_add(o, "token", json_object_new_string(token));
	set_session_cookie(r, resp, token, (long)days * 86400);
	return resp_json(resp, 201, o);
}

/*
 * POST /api/auth/session with "Authorization: Bearer apk_...": a browser
 * session (the HttpOnly cookie) for the key's user, with the key's scopes,
 * ending no later than the key and with it when it is revoked.  The token
 * is only in the cookie, never in the body.  Executor and admin keys stay
 * out of browsers; a request from a browser must come from apconn's own
 * origins.
 */
int
h_auth_session(struct req *r, struct resp *resp)
{
	json_object	*o, *user;
	char		*token, *expires;
	long long	 maxage;
	enum db_rc	 rc;
	int		 days = r->cfg ? r->cfg->session_days : 30;

	if (r->who.is_session)
		return resp_error(resp, 400, "not_an_api_key",
		    "Only an API key can be exchanged for a session");
	if (r->who.scopes & (SCOPE_EXECUTOR | SCOPE_ADMIN))
		return resp_error(resp, 403, "key_not_exchangeable",
		    "Executor and admin keys cannot become browser sessions");
	if (!browser_write_allowed(r))
		return resp_error(resp, 403, "origin_mismatch",
		    "Cross-origin request refused");
	rc = db_session_create_for_key(r->db, r->arena, r->who.credential_id,
	    days, &token, &expires, &maxage);
	if (rc == DB_NOTFOUND)
		return resp_error(resp, 401, "invalid_token", "Unauthorized");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	set_session_cookie(r, resp, token, (long)maxage);
	OPENSSL_cleanse(token, strlen(token));
	user = json_object_new_object();
	json_object_object_add(user, "id", json_object_new_string(r->who.user_id));
	json_object_object_add(user, "name", str_or_null(r->who.name));
	json_object_object_add(user, "email", str_or_null(r->who.email));
	json_object_object_add(user, "isAnonymous",
	    json_object_new_boolean(r->who.anonymous));
	o = json_object_new_object();
	json_object_object_add(o, "user", user);
	json_object_object_add(o, "scopes", scope_json(r->who.scopes));
	json_object_object_add(o, "expiresAt", json_object_new_string(expires));
	return resp_json(resp, 201, o);
}

/*
 * GET /api/user: the caller, in the original's user shape, plus the
 * redirect URI to register for one's own OAuth app (oauth2RedirectUrl),
 * which only the server knows for sure.
 */
int
h_user_get(struct req *r, struct resp *resp)
{
	json_object	*o = json_object_new_object();
	const char	*cb = oauth2_redirect_url(r);

	json_object_object_add(o, "id", json_object_new_string(r->who.user_id));
	json_object_object_add(o, "name", str_or_null(r->who.name));
	json_object_object_add(o, "email", str_or_null(r->who.email));
	json_object_object_add(o, "image", NULL);
	json_object_object_add(o, "isAnonymous",
	    json_object_new_boolean(r->who.anonymous));
	json_object_object_add(o, "providerId", NULL);
	json_object_object_add(o, "authenticatedBy", json_object_new_string(
	    r->who.is_session ? "session" : r->who.via_cookie ?
	    "better-auth" : "api_key"));
	json_object_object_add(o, "scopes", scope_json(r->who.scopes));
	json_object_object_add(o, "oauth2RedirectUrl",
	    cb != NULL ? json_object_new_string(cb) : NULL);
	return resp_json(resp, 200, o);
}

/* POST /api/auth/logout: revokes the caller's session. */
int
h_auth_logout(struct req *r, struct resp *resp)
{
	enum db_rc	rc;

	if (!r->who.is_session)
		return resp_error(resp, 400, "not_a_session",
		    "Only a session can be signed out; revoke API keys with "
		    "apconn-admin token revoke");
	rc = db_session_revoke(r->db, r->who.credential_id);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return resp_db_error(resp, rc);
	set_session_cookie(r, resp, "", 0);
	return resp_success(resp);
}

static json_object *
parse_array(const char *text)
{
	json_object	*a = json_tokener_parse(text);

	if (a == NULL || !json_object_is_type(a, json_type_array)) {
		json_object_put(a);
		return json_object_new_array();
	}
	return a;
}

/*
 * POST /api/auth/link {"anonymousToken": "..."}: the caller, a real
 * user, proves possession of an anonymous session and takes over its
 * connections, workflows and references in one transaction.
 */
int
h_auth_link(struct req *r, struct resp *resp)
{
	json_object		*t, *o, *moved, *coll, *c;
	const char		*tok;
	char			 id[ID_LEN + 1];
	unsigned char		 hash[HASH_LEN];
	enum token_kind		 kind;
	struct cred		 cred;
	struct link_result	 lr;
	enum db_rc		 rc;
	size_t			 i;
	int			 valid;

	if (r->who.anonymous)
		return resp_error(resp, 403, "anonymous_caller",
		    "Sign in as a real user to link an anonymous session");
	if (!json_object_object_get_ex(r->json, "anonymousToken", &t) ||
	    !json_object_is_type(t, json_type_string))
		return resp_error_field(resp, 400, "invalid_request",
		    "anonymousToken", "anonymousToken must be a string");
	tok = json_object_get_string(t);
	valid = token_parse(tok, &kind, id, hash) == 0 &&
	    kind == TOKEN_SESSION;
	/* json-c frees without wiping: wipe the token in place. */
	OPENSSL_cleanse((char *)(uintptr_t)tok,
	    (size_t)json_object_get_string_len(t));
	if (!valid)
		return resp_error_field(resp, 400, "invalid_anonymous_token",
		    "anonymousToken", "anonymousToken is not a valid "
		    "anonymous session");
	rc = db_cred_get(r->db, r->arena, 1, id, &cred);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return resp_db_error(resp, rc);
	if (rc == DB_NOTFOUND || !token_hash_equal(hash, cred.hashhex) ||
	    cred.revoked || cred.expired || !cred.anonymous ||
	    strcmp(cred.user_id, r->who.user_id) == 0)
		return resp_error_field(resp, 400, "invalid_anonymous_token",
		    "anonymousToken", "anonymousToken is not a valid "
		    "anonymous session");

	rc = db_link_users(r->db, r->arena, cred.user_id, r->who.user_id, &lr);
	if (rc == DB_NOTFOUND)
		return resp_error_field(resp, 400, "invalid_anonymous_token",
		    "anonymousToken", "anonymousToken is not a valid "
		    "anonymous session");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);

	moved = json_object_new_object();
	json_object_object_add(moved, "connections",
	    parse_array(lr.connections));
	json_object_object_add(moved, "workflows", parse_array(lr.workflows));
	json_object_object_add(moved, "references",
	    json_object_new_int64(lr.references));
	coll = json_object_new_array();
	for (i = 0; i < lr.nrenamed; i++) {
		c = json_object_new_object();
		json_object_object_add(c, "connectionId",
		    json_object_new_string(lr.renamed[i].connection_id));
		json_object_object_add(c, "externalId",
		    json_object_new_string(lr.renamed[i].external_id));
		json_object_object_add(c, "renamedTo",
		    json_object_new_string(lr.renamed[i].renamed_to));
		json_object_array_add(coll, c);
	}
	o = json_object_new_object();
	json_object_object_add(o, "success", json_object_new_boolean(1));
	json_object_object_add(o, "userId",
	    json_object_new_string(r->who.user_id));
	json_object_object_add(o, "anonymousUserId",
	    json_object_new_string(cred.user_id));
	json_object_object_add(o, "moved", moved);
	json_object_object_add(o, "collisions", coll);
	return resp_json(resp, 200, o);
}
