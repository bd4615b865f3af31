/*
 * Authentication for every route, in one place: a Bearer token or the
 * session cookie, checked against its stored hash in constant time, then
 * the route's scopes and, for cookie-authenticated changes, the Origin.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
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
	struct credmemo_asked asked;
	int		 st, cookie;

	if ((st = presented(r, resp, &kind, hash)) == -1)
		return betterauth_authenticate(r, resp);	/* or -1 */
	if (st != 0)
		return st;
	if (credmemo_find(r)) {
		OPENSSL_cleanse(hash, sizeof(hash));
		r->authed = 1;
		return 0;
	}
	id = r->cred.id;
	cookie = r->cred.cookie;
	if (db_ensure(r->db) == -1) {
		OPENSSL_cleanse(hash, sizeof(hash));
		return resp_db_error(resp, DB_UNAVAILABLE);
	}
	credmemo_ask(r->db, &asked);
	rc = db_cred_get(r->db, r->arena, kind == TOKEN_SESSION, id, &c);
	if (rc != DB_OK) {
		OPENSSL_cleanse(hash, sizeof(hash));
		return rc == DB_NOTFOUND ? unauthorized(resp, "invalid_token",
		    "Unauthorized") : resp_db_error(resp, rc);
	}
	st = token_hash_equal(hash, c.hashhex);
	OPENSSL_cleanse(hash, sizeof(hash));
	if (!st)
		return unauthorized(resp, "invalid_token", "Unauthorized");
	if (c.revoked)
		return unauthorized(resp, "token_revoked",
		    "Unauthorized: the token was revoked");
	if (c.expired || (c.expires && c.expires_ms <= 0))
		return unauthorized(resp, "token_expired",
		    "Unauthorized: the token has expired");
	if (kind == TOKEN_SESSION && c.scopes == NULL)
		r->who.scopes = SCOPE_USER;
	else if (scope_parse(c.scopes, &r->who.scopes) == -1)
		return resp_error(resp, 500, "internal", "Internal error");
	else if (kind == TOKEN_SESSION)
		r->who.scopes &= SCOPE_USER;	/* a key's browser session */
	credmemo_keep(r, &c, &asked);	/* c.stale: its use is written */
	r->who.user_id = c.user_id;
	r->who.name = c.name;
	r->who.email = c.email;
	r->who.anonymous = c.anonymous;
	r->who.via_cookie = cookie;
	r->who.is_session = kind == TOKEN_SESSION;
	r->who.credential_id = arena_strdup(r->arena, id);
	r->authed = 1;
	return 0;
}

/*
 * The origin of url (scheme, host and port, the scheme's default port
 * when none is written) in o, lower case where case does not matter.
 * Returns 0, or -1 when url is not an absolute http(s) URL.
 */
static int
url_origin(const char *url, char *o, size_t osz)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL, *port = NULL;
	int	 n, rc = -1;

	if (url == NULL || (u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK && (strcmp(scheme, "http") == 0 ||
	    strcmp(scheme, "https") == 0)) {
		n = snprintf(o, osz, "%s://%s:%s", scheme, host, port);
		if (n > 0 && (size_t)n < osz) {
			for (; *o != '\0'; o++)
				*o = (char)tolower((unsigned char)*o);
			rc = 0;
		}
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/*
 * Whether the request's Origin is the origin of APCONN_PUBLIC_URL or of
 * APCONN_APP_URL: the same scheme, host and port, a default port written
 * or not (https://host and https://host:443 are one origin).  A request
 * without Origin, or with "null", is not allowed.
 */
int
origin_allowed(const struct req *r)
{
	char	o[512], want[512];

	if (r->origin == NULL || r->cfg == NULL ||
	    url_origin(r->origin, o, sizeof(o)) == -1)
		return 0;
	if (url_origin(r->cfg->public_url, want, sizeof(want)) == 0 &&
	    strcmp(o, want) == 0)
		return 1;
	return url_origin(r->cfg->app_url, want, sizeof(want)) == 0 &&
	    strcmp(o, want) == 0;
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
	int			 st;

	if (!(rt->flags & (ROUTE_AUTH | ROUTE_OPTAUTH)))
		return 0;
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

