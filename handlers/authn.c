/*
 * Authentication for every route, in one place: a Bearer token or the
 * session cookie, checked against its stored hash in constant time, then
 * the route's scopes and, for cookie-authenticated changes, the Origin.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "../fcgi/cfg.h"
#include "../db/token.h"
#include "handlers.h"

static int
unauthorized(struct resp *resp, const char *code, const char *msg)
{
	resp_error(resp, 401, code, "%s", msg);
	resp_header(resp, "WWW-Authenticate", "Bearer");
	return 401;
}

/*
 * Reads the credential presented (the Authorization header, else the
 * session cookie) into r->cred without checking it.  Returns 0, -1 when
 * none was presented, or 401 with the error in resp for a malformed one.
 */
static int
presented(struct req *r, struct resp *resp, enum token_kind *kind,
    unsigned char hash[HASH_LEN])
{
	const char	*tok;
	char		 id[ID_LEN + 1];
	int		 cookie = 0;

	if (r->authorization != NULL) {
		if (strncasecmp(r->authorization, "Bearer ", 7) != 0)
			return unauthorized(resp, "invalid_token",
			    "Unauthorized");
		for (tok = r->authorization + 7; *tok == ' '; tok++)
			continue;
	} else if ((tok = req_cookie(r, SESSION_COOKIE)) != NULL)
		cookie = 1;
	else
		return -1;
	if (token_parse(tok, kind, id, hash) == -1 ||
	    (cookie && *kind != TOKEN_SESSION))
		return unauthorized(resp, "invalid_token", "Unauthorized");
	memset(&r->cred, 0, sizeof(r->cred));
	r->cred.session = *kind == TOKEN_SESSION;
	r->cred.cookie = cookie;
	snprintf(r->cred.id, sizeof(r->cred.id), "%s", id);
	hex_encode(hash, HASH_LEN, r->cred.hashhex);
	return 0;
}

/*
 * Checks the credential presented (apconn's token, else, when
 * APCONN_AUTH=better-auth, the workflow builder's session cookie) and
 * fills r->who.  Returns 0 when authenticated, -1 when no credential was
 * presented, or an HTTP status with the error already in resp.
 */
static int
authenticate(struct req *r, struct resp *resp)
{
	const char	*id;
	unsigned char	 hash[HASH_LEN];
	enum token_kind	 kind;
	struct cred	 c;
	enum db_rc	 rc;
	int		 st, cookie;

	if ((st = presented(r, resp, &kind, hash)) == -1)
		return betterauth_authenticate(r, resp);	/* or -1 */
	if (st != 0)
		return st;
	id = r->cred.id;
	cookie = r->cred.cookie;
	if (db_ensure(r->db) == -1)
		return resp_db_error(resp, DB_UNAVAILABLE);
	rc = db_cred_get(r->db, r->arena, kind == TOKEN_SESSION, id, &c);
	if (rc == DB_NOTFOUND)
		return unauthorized(resp, "invalid_token", "Unauthorized");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	if (!token_hash_equal(hash, c.hashhex))
		return unauthorized(resp, "invalid_token", "Unauthorized");
	if (c.revoked)
		return unauthorized(resp, "token_revoked",
		    "Unauthorized: the token was revoked");
	if (c.expired)
		return unauthorized(resp, "token_expired",
		    "Unauthorized: the token has expired");
	if (kind == TOKEN_SESSION && c.scopes == NULL)
		r->who.scopes = SCOPE_USER;
	else if (scope_parse(c.scopes, &r->who.scopes) == -1)
		return resp_error(resp, 500, "internal", "Internal error");
	else if (kind == TOKEN_SESSION)
		r->who.scopes &= SCOPE_USER;	/* a key's browser session */
	if (c.stale)
		(void)db_cred_touch(r->db, kind == TOKEN_SESSION, id);
	r->who.user_id = c.user_id;
	r->who.name = c.name;
	r->who.email = c.email;
	r->who.anonymous = c.anonymous;
	r->who.via_cookie = cookie;
	r->who.is_session = kind == TOKEN_SESSION;
	r->who.credential_id = arena_strdup(r->arena, id);
	r->authed = 1;
	OPENSSL_cleanse(hash, sizeof(hash));
	return 0;
}

/* Copies the scheme://host[:port] part of url into buf ("" if none). */
static void
url_origin(const char *url, char *buf, size_t bufsz)
{
	const char	*p, *end;
	size_t		 len;

	buf[0] = '\0';
	if (url == NULL || (p = strstr(url, "://")) == NULL)
		return;
	end = strchr(p + 3, '/');
	len = end ? (size_t)(end - url) : strlen(url);
	if (len < bufsz)
		snprintf(buf, bufsz, "%.*s", (int)len, url);
}

/*
 * Whether the request's Origin is the origin of APCONN_PUBLIC_URL or of
 * APCONN_APP_URL.  A request without Origin is not allowed.
 */
int
origin_allowed(const struct req *r)
{
	char	o[512];

	if (r->origin == NULL || r->cfg == NULL)
		return 0;
	url_origin(r->cfg->public_url, o, sizeof(o));
	if (*o != '\0' && strcasecmp(o, r->origin) == 0)
		return 1;
	url_origin(r->cfg->app_url, o, sizeof(o));
	return *o != '\0' && strcasecmp(o, r->origin) == 0;
}

/*
 * Whether a state-changing request may act for the browser it comes
 * from: its Origin is one of apconn's; without Origin, Sec-Fetch-Site
 * says same-origin or none (typed by the user); with neither, only a
 * request that carries no cookie, which no browser's session can be
 * behind, is let through.
 */
int
browser_write_allowed(const struct req *r)
{
	if (r->origin != NULL)
		return origin_allowed(r);
	if (r->fetch_site != NULL)
		return strcasecmp(r->fetch_site, "same-origin") == 0 ||
		    strcasecmp(r->fetch_site, "none") == 0;
	return r->cookie == NULL || *r->cookie == '\0';
}

static int	admit(struct req *, struct resp *);

/*
 * Applies the route's authentication flags, scopes and the Origin rule.
 * Returns 0 to go on to the handler, or the status of the error in resp.
 */
int
authorize(struct req *r, struct resp *resp)
{
	const struct route	*rt = r->route;
	unsigned char		 hash[HASH_LEN];
	enum token_kind		 kind;
	int			 st;

	if (!(rt->flags & (ROUTE_AUTH | ROUTE_OPTAUTH)))
		return 0;
	if ((rt->flags & (ROUTE_AUTH | ROUTE_FASTAUTH)) ==
	    (ROUTE_AUTH | ROUTE_FASTAUTH)) {
		/* Checked by the handler's own query: authn_fast_done(). */
		st = presented(r, resp, &kind, hash);
		OPENSSL_cleanse(hash, sizeof(hash));
		if (st != -1)
			return st;
		/* No token: the workflow builder's cookie, checked here. */
		if ((st = betterauth_authenticate(r, resp)) == -1)
			return unauthorized(resp, "unauthorized",
			    "Unauthorized");
		return st != 0 ? st : admit(r, resp);
	}
	st = authenticate(r, resp);
	if (rt->flags & ROUTE_OPTAUTH) {
		if (st == 503 || st == 500)
			return st;
		if (st == 0 && (r->who.scopes & rt->scopes) != rt->scopes)
			st = -1;	/* without the scope: as anonymous */
		if (st == 0 && r->who.via_cookie && r->method != M_GET &&
		    r->method != M_HEAD && !origin_allowed(r))
			return resp_error(resp, 403, "origin_mismatch",
			    "Cross-origin request refused");
		if (st != 0) {
			/* A stale credential reads as none here. */
			json_object_put(resp->body);
			resp->body = NULL;
			resp->nhdr = 0;
			memset(&r->who, 0, sizeof(r->who));
			r->authed = 0;
		}
		return 0;
	}
	if (st == -1)
		return unauthorized(resp, "unauthorized", "Unauthorized");
	if (st != 0)
		return st;
	return admit(r, resp);
}

/* The route's scopes and the Origin rule, for an authenticated caller. */
static int
admit(struct req *r, struct resp *resp)
{
	const struct route	*rt = r->route;

	if ((r->who.scopes & rt->scopes) != rt->scopes)
		return resp_error(resp, 403, "insufficient_scope",
		    "Missing scope: %s",
		    scope_first_missing(r->who.scopes, rt->scopes));
	if (r->who.via_cookie && r->method != M_GET && r->method != M_HEAD &&
	    !origin_allowed(r))
		return resp_error(resp, 403, "origin_mismatch",
		    "Cross-origin request refused");
	return 0;
}

/*
 * For ROUTE_FASTAUTH handlers: the three parameters of apconn.authn()
 * (kind, id, SHA-256 hex) that the handler's query checks the caller
 * with, in v[0..2]: the presented token ('t' a session, 'f' an API key),
 * or 'u' and the user id when authorize() already authenticated the
 * caller another way.
 */
void
authn_fast_args(const struct req *r, const char *v[3])
{
	if (r->authed) {
		v[0] = "u";
		v[1] = r->who.user_id;
		v[2] = "";
		return;
	}
	v[0] = r->cred.session ? "t" : "f";
	v[1] = r->cred.id;
	v[2] = r->cred.hashhex;
}

/*
 * Completes authentication from what the handler's query answered:
 * user_id NULL when the credential did not pass (then the exact 401 is
 * found the slow way), its scopes (comma separated; NULL for a plain
 * session, a key's for a session made from an API key)
 * and whether its last use is stale.  Returns 0 with r->who filled, or
 * the error status in resp.
 */
int
authn_fast_done(struct req *r, struct resp *resp, const char *user_id,
    const char *scopes, int stale)
{
	int	st;

	if (r->authed) {
		/*
		 * Authenticated and admitted already: by authorize()
		 * (the workflow builder's cookie) or by this request's
		 * earlier query (a list page found stale).
		 */
		if (user_id == NULL)
			return resp_error(resp, 503, "retry", "Try again");
		return 0;
	}
	if (user_id == NULL) {
		if ((st = authenticate(r, resp)) != 0)
			return st == -1 ? unauthorized(resp, "unauthorized",
			    "Unauthorized") : st;
		/* Valid now, not a moment ago: let the client retry. */
		memset(&r->who, 0, sizeof(r->who));
		r->authed = 0;
		return resp_error(resp, 503, "retry", "Try again");
	}
	memset(&r->who, 0, sizeof(r->who));
	if (r->cred.session && scopes == NULL)
		r->who.scopes = SCOPE_USER;
	else if (scope_parse(scopes, &r->who.scopes) == -1)
		return resp_error(resp, 500, "internal", "Internal error");
	else if (r->cred.session)
		r->who.scopes &= SCOPE_USER;	/* a key's browser session */
	r->who.user_id = user_id;
	r->who.via_cookie = r->cred.cookie;
	r->who.is_session = r->cred.session;
	r->who.credential_id = arena_strdup(r->arena, r->cred.id);
	r->authed = 1;
	if (stale)
		(void)db_cred_touch(r->db, r->cred.session, r->cred.id);
	return admit(r, resp);
}

/*
 * For ROUTE_FASTAUTH handlers that refuse a request (status, its error in
 * resp) before their query ran: a credential that does not pass is
 * answered first, as on every other route.  Returns the status answered.
 */
int
authn_fast_refusal(struct req *r, struct resp *resp, int status)
{
	struct resp	mine;
	int		st;

	if (r->authed)
		return status;
	memset(&mine, 0, sizeof(mine));
	if ((st = authenticate(r, &mine)) == 0) {
		json_object_put(mine.body);
		return status;
	}
	json_object_put(resp->body);
	*resp = mine;
	return st == -1 ? unauthorized(resp, "unauthorized", "Unauthorized") :
	    st;
}
