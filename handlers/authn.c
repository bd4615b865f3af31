/*
 * Authentication for every route, in one place: a Bearer token or the
 * session cookie, checked against its stored hash in constant time, then
 * the route's scopes and, for cookie-authenticated changes, the Origin.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../fcgi/cfg.h"
#include "../db/token.h"
#include "handlers.h"

static const struct {
	unsigned int	 bit;
	const char	*name;
} scope_names[] = {
	{ SCOPE_CONN_READ,	"connections:read" },
	{ SCOPE_CONN_WRITE,	"connections:write" },
	{ SCOPE_CRED_READ,	"credentials:read" },
	{ SCOPE_WF_READ,	"workflows:read" },
	{ SCOPE_WF_WRITE,	"workflows:write" },
	{ SCOPE_EXECUTOR,	"executor" },
	{ SCOPE_ADMIN,		"admin" },
};
#define NSCOPES	(sizeof(scope_names) / sizeof(scope_names[0]))

/*
 * Parses a comma-separated scope list ("workflows:*" and
 * "connections:*" expand to read and write).  Returns 0 with the bits in
 * *out, or -1 naming nothing: an unknown scope fails the whole list.
 */
int
scope_parse(const char *list, unsigned int *out)
{
	const char	*p, *end;
	size_t		 len, i;
	int		 found;

	*out = 0;
	for (p = list; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0)
			continue;
		if (len == 11 && strncmp(p, "workflows:*", len) == 0) {
			*out |= SCOPE_WF_READ | SCOPE_WF_WRITE;
			continue;
		}
		if (len == 13 && strncmp(p, "connections:*", len) == 0) {
			*out |= SCOPE_CONN_READ | SCOPE_CONN_WRITE;
			continue;
		}
		for (i = 0, found = 0; i < NSCOPES; i++)
			if (strlen(scope_names[i].name) == len &&
			    strncmp(scope_names[i].name, p, len) == 0) {
				*out |= scope_names[i].bit;
				found = 1;
			}
		if (!found)
			return -1;
	}
	return 0;
}

/* Writes the names of the scopes in mask as a PostgreSQL array literal. */
void
scope_array_literal(unsigned int mask, char *buf, size_t bufsz)
{
	size_t	i, off;
	int	n;

	off = (size_t)snprintf(buf, bufsz, "{");
	for (i = 0; i < NSCOPES && off < bufsz; i++) {
		if (!(mask & scope_names[i].bit))
			continue;
		n = snprintf(buf + off, bufsz - off, "%s%s",
		    off > 1 ? "," : "", scope_names[i].name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off < bufsz)
		snprintf(buf + off, bufsz - off, "}");
}

/* Returns a new JSON array of the scope names in mask. */
json_object *
scope_json(unsigned int mask)
{
	json_object	*a = json_object_new_array();
	size_t		 i;

	for (i = 0; i < NSCOPES; i++)
		if (mask & scope_names[i].bit)
			json_object_array_add(a,
			    json_object_new_string(scope_names[i].name));
	return a;
}

static const char *
scope_first_missing(unsigned int have, unsigned int want)
{
	size_t	i;

	for (i = 0; i < NSCOPES; i++)
		if ((want & scope_names[i].bit) && !(have & scope_names[i].bit))
			return scope_names[i].name;
	return "?";
}

static int
unauthorized(struct resp *resp, const char *code, const char *msg)
{
	resp_error(resp, 401, code, "%s", msg);
	resp_header(resp, "WWW-Authenticate", "Bearer");
	return 401;
}

/*
 * Checks a token (from the Authorization header or the cookie) and fills
 * r->who.  Returns 0 when authenticated, -1 when no credential was
 * presented, or an HTTP status with the error already in resp.
 */
static int
authenticate(struct req *r, struct resp *resp)
{
	const char	*tok;
	char		 id[ID_LEN + 1];
	unsigned char	 hash[HASH_LEN];
	enum token_kind	 kind;
	struct cred	 c;
	enum db_rc	 rc;
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
		return betterauth_authenticate(r, resp);	/* or -1 */
	if (token_parse(tok, &kind, id, hash) == -1 ||
	    (cookie && kind != TOKEN_SESSION))
		return unauthorized(resp, "invalid_token", "Unauthorized");
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
	if (kind == TOKEN_SESSION)
		r->who.scopes = SCOPE_USER;
	else if (scope_parse(c.scopes, &r->who.scopes) == -1)
		return resp_error(resp, 500, "internal", "Internal error");
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

static int
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
