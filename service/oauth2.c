/*
 * The OAuth2 token client: the authorization-code exchange (client-held
 * and server-held flows), client credentials, the refresh of a stored
 * connection (conn_fresh()) and when it is due, PKCE.  Every token
 * answer and every value built from one belongs to the core's arena;
 * what a built value keeps of another is deep-copied.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "../fcgi/cfg.h"
#include "../fcgi/egress.h"
#include "../fcgi/http.h"
#include "../fcgi/log.h"
#include "../fcgi/metrics.h"
#include "../db/seal.h"
#include "../db/token.h"
#include "service.h"

/*
 * Appends "&k=v" (or "k=v" first, or after '?' or '&') to a query or
 * form in buf; nothing when v is NULL.  Returns 0, or -1 when full.
 */
int
oauth2_form_param(char *buf, size_t cap, size_t *off, const char *k,
    const char *v)
{
	if (v == NULL)
		return 0;
	if (*off + 2 >= cap)
		return -1;
	if (*off > 0 && buf[*off - 1] != '?' && buf[*off - 1] != '&')
		buf[(*off)++] = '&';
	buf[*off] = '\0';
	if (egress_escape(buf, cap, off, k) == -1 || *off + 2 >= cap)
		return -1;
	buf[(*off)++] = '=';
	buf[*off] = '\0';
	return egress_escape(buf, cap, off, v);
}

/*
 * Replaces every {name} in tmpl with props[name] (a string of letters,
 * digits, dots and hyphens) into out.  Returns 0, or -1 with *missing
 * naming the first prop that is absent or holds anything else (empty
 * when out is too small).
 */
int
oauth2_subst(const char *tmpl, json_object *props, char *out, size_t cap,
    char *missing, size_t missz)
{
	const char	*p, *end, *v;
	char		 name[128];
	size_t		 o = 0, n, vl;

	if (missz > 0)
		missing[0] = '\0';
	for (p = tmpl; *p != '\0';) {
		if (*p == '{' && (end = strchr(p + 1, '}')) != NULL &&
		    (n = (size_t)(end - p - 1)) > 0 && n < sizeof(name)) {
			memcpy(name, p + 1, n);
			name[n] = '\0';
			/*
			 * Only host-label characters: a prop must not move
			 * the URL to another host or path, where a client
			 * secret would follow it.
			 */
			if ((v = json_str(props, name)) == NULL || *v == '\0' ||
			    strspn(v, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
			    strlen(v)) {
				snprintf(missing, missz, "%s", name);
				return -1;
			}
			vl = strlen(v);
			if (o + vl + 1 >= cap)
				return -1;
			memcpy(out + o, v, vl);
			o += vl;
			p = end + 1;
			continue;
		}
		if (o + 2 >= cap)
			return -1;
		out[o++] = *p++;
	}
	out[o] = '\0';
	return 0;
}

/* The S256 challenge of a PKCE verifier (RFC 7636), base64url, 43 chars. */
int
pkce_challenge(const char *verifier, char out[44])
{
	unsigned char	h[32];
	unsigned int	n = 0;

	if (EVP_Digest(verifier, strlen(verifier), h, &n, EVP_sha256(),
	    NULL) != 1)
		return -1;
	return b64url_encode(h, sizeof(h), out, 44) == 43 ? 0 : -1;
}

/* The hex SHA-256 of a state, as stored.  0, or -1. */
int
oauth2_state_hash(const char *state, char out[65])
{
	unsigned char	h[32];
	unsigned int	n = 0;

	if (EVP_Digest(state, strlen(state), h, &n, EVP_sha256(), NULL) != 1)
		return -1;
	hex_encode(h, sizeof(h), out);
	return 0;
}

/*
 * The OAUTH2 entry of piece's auth definition at version (NULL: the
 * newest), owned by the arena.  NULL with f filled: 404 for an unknown
 * piece, 400 no_oauth2 for one without an OAuth2 authorization URL.
 */
json_object *
oauth2_def(struct core *c, struct fail *f, const char *piece,
    const char *version)
{
	json_object	*auth, *def;
	char		*ver;
	int		 known, offers;

	known = piece_auth_lookup(c, f, piece, version, &auth, &ver);
	if (known < 0)
		return NULL;
	if (!known) {
		fail_set(f, 404, "not_found", NULL, "Piece not found");
		return NULL;
	}
	def = piece_auth_find(auth, "OAUTH2", &offers);
	if (def == NULL || json_str(def, "authUrl") == NULL) {
		fail_set(f, 400, "no_oauth2", NULL,
		    "Piece does not define OAuth2 auth URL");
		return NULL;
	}
	return def;
}

/* RFC 7636: a verifier is 43 to 128 unreserved characters. */
static int
verifier_valid(const char *v)
{
	size_t	n = strlen(v), i;

	if (n < 43 || n > 128)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' &&
		    v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
		    strchr("-._~", v[i]) != NULL))
			return 0;
	return 1;
}

/*
 * A provider's error text fit for a message, a log line and a stored
 * reason: printable ASCII (anything else becomes '?'), at most 160
 * characters.
 */
static const char *
provider_text(char *dst, size_t dstsz, const char *src)
{
	size_t	i;

	for (i = 0; src[i] != '\0' && i + 1 < dstsz && i < 160; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
	return dst;
}

/* The token request's form and headers: built, sent, wiped. */
struct token_call {
	char	form[OAUTH2_URL_MAX];
	size_t	off;
	char	pair[768];
	char	basic[1024];
	const char *h[4];
};

static void
token_call_wipe(struct token_call *t)
{
	OPENSSL_cleanse(t->form, sizeof(t->form));
	OPENSSL_cleanse(t->pair, sizeof(t->pair));
	OPENSSL_cleanse(t->basic, sizeof(t->basic));
}

/* Fills t for value's grant; 0, or -1 when something does not fit. */
static int
token_form(struct token_call *t, json_object *value, const char *grant,
    const char *method, int pkce)
{
	const char	*id = json_str(value, "client_id");
	const char	*secret = json_str(value, "client_secret");
	int		 n;

	t->off = 0;
	t->form[0] = '\0';
	if (oauth2_form_param(t->form, sizeof(t->form), &t->off, "grant_type",
	    grant) == -1)
		return -1;
	if (strcmp(grant, "authorization_code") == 0 &&
	    (oauth2_form_param(t->form, sizeof(t->form), &t->off, "code",
	    json_str(value, "code")) == -1 ||
	    oauth2_form_param(t->form, sizeof(t->form), &t->off,
	    "redirect_uri", json_str(value, "redirect_url")) == -1 ||
	    (pkce && oauth2_form_param(t->form, sizeof(t->form), &t->off,
	    "code_verifier", json_str(value, "code_challenge")) == -1)))
		return -1;
	if (strcmp(grant, "client_credentials") == 0 &&
	    oauth2_form_param(t->form, sizeof(t->form), &t->off, "scope",
	    json_str(value, "scope")) == -1)
		return -1;
	if (strcmp(grant, "refresh_token") == 0 &&
	    oauth2_form_param(t->form, sizeof(t->form), &t->off,
	    "refresh_token", json_str(value, "refresh_token")) == -1)
		return -1;
	t->h[0] = "Content-Type: application/x-www-form-urlencoded";
	t->h[1] = "Accept: application/json";
	t->h[2] = t->h[3] = NULL;
	if (strcmp(method, "HEADER") == 0) {
		n = snprintf(t->pair, sizeof(t->pair), "%s:%s", id ? id : "",
		    secret ? secret : "");
		if (n < 0 || (size_t)n >= sizeof(t->pair))
			return -1;
		memcpy(t->basic, "Authorization: Basic ", 21);
		if (b64std_encode((unsigned char *)t->pair, (size_t)n,
		    t->basic + 21, sizeof(t->basic) - 21) < 0)
			return -1;
		t->h[2] = t->basic;
		return 0;
	}
	if (oauth2_form_param(t->form, sizeof(t->form), &t->off, "client_id",
	    id) == -1 || oauth2_form_param(t->form, sizeof(t->form), &t->off,
	    "client_secret", secret) == -1)
		return -1;
	return 0;
}

/*
 * The stored value made from a token answer tok and the value that asked
 * for it (value): the tokens, when they were claimed, and the client's
 * configuration, each deep-copied.  Owned by the arena; NULL when out of
 * memory.
 */
static json_object *
token_value(struct core *c, json_object *tok, json_object *value,
    const char *tokurl, const char *method, const char *grant)
{
	static const char *const std[] = { "access_token", "token_type",
	    "refresh_token", "scope", "expires_in", NULL };
	json_object	*o, *v, *data;
	const char	*tt = json_str(tok, "token_type");
	const char	*rt = json_str(tok, "refresh_token");
	long long	 e;
	size_t		 i;
	int		 skip;

	if ((o = secret_new_object(c->arena)) == NULL)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string("OAUTH2"));
	value_copy_member(o, "access_token", tok, "access_token");
	json_object_object_add(o, "token_type",
	    json_object_new_string(tt ? tt : "bearer"));
	json_object_object_add(o, "refresh_token",
	    json_object_new_string(rt ? rt : ""));
	if (json_object_object_get_ex(tok, "scope", &v) && v != NULL)
		value_copy_member(o, "scope", tok, "scope");
	else
		value_copy_member(o, "scope", value, "scope");
	if (json_object_object_get_ex(tok, "expires_in", &v) && v != NULL) {
		/* Numbers sent as strings are coerced, as Activepieces does. */
		if ((e = json_object_get_int64(v)) > 0)
			json_object_object_add(o, "expires_in",
			    json_object_new_int64(e));
	}
	json_object_object_add(o, "claimed_at",
	    json_object_new_int64((long long)time(NULL)));
	json_object_object_add(o, "token_url", json_object_new_string(tokurl));
	value_copy_member(o, "client_id", value, "client_id");
	value_copy_member(o, "client_secret", value, "client_secret");
	value_copy_member(o, "redirect_url", value, "redirect_url");
	json_object_object_add(o, "authorization_method",
	    json_object_new_string(method));
	json_object_object_add(o, "grant_type", json_object_new_string(grant));
	value_copy_member(o, "props", value, "props");
	data = json_object_new_object();
	json_object_object_foreach(tok, k, tv) {
		(void)tv;
		for (skip = 0, i = 0; std[i] != NULL; i++)
			if (strcmp(k, std[i]) == 0)
				skip = 1;
		if (!skip)
			value_copy_member(data, k, tok, k);
	}
	json_object_object_add(o, "data", data);
	return o;
}

/*
 * Exchanges an OAUTH2 value of piece at its token URL: an authorization
 * code (value.code), a refresh token (grant_type refresh_token) or the
 * client credentials grant.  A value carrying "state" must name a state
 * this owner started for this piece, unexpired and unused (it is
 * consumed); its props are checked against the piece first (on a copy,
 * defaults applied).  value is left as it is.  Returns 0 with *out the value to
 * store (owned by the arena), or -1 with f filled: 400 invalid_grant when
 * the provider refused a refresh token or client credentials grant, 400
 * oauth2_exchange_failed when it refused a code or failed otherwise or
 * could not be reached, another status for the request or the database.
 */
int
oauth2_exchange(struct core *c, struct fail *f, const char *piece,
    const char *version, json_object *value, json_object **out)
{
	struct token_call	 t;
	struct egress_req	 q;
	struct egress_resp	 er;
	json_object		*def, *props = NULL, *tok;
	const char		*state, *method, *grant, *err, *desc, *pfield;
	char			 tokurl[OAUTH2_URL_MAX], missing[128];
	char			 hash[65], detail[256], text[161];
	enum egress_rc		 orc;
	enum db_rc		 rc;
	int			 pkce = 1, bad;

	*out = NULL;
	if ((def = oauth2_def(c, f, piece, version)) == NULL)
		return -1;
	if (json_str(def, "tokenUrl") == NULL)
		return fail_set(f, 400, "no_oauth2", NULL,
		    "Piece does not define an OAuth2 token URL");
	/*
	 * The props fill the token URL: they are checked against the piece
	 * (defaults applied, on a copy) before anything is sent anywhere.
	 */
	if ((value = secret_copy(c->arena, value)) == NULL)
		return fail_internal(f);
	if (conn_value_props_check(value, def, &pfield, detail,
	    sizeof(detail)) == -1)
		return fail_set(f, 400, "invalid_value", pfield, "%s", detail);
	json_object_object_get_ex(value, "props", &props);
	if ((state = json_str(value, "state")) != NULL) {
		if (oauth2_state_hash(state, hash) == -1)
			return fail_internal(f);
		rc = db_oauth2_state_use(c->db, hash, c->owner, piece, &pkce);
		if (rc == DB_NOTFOUND)
			return fail_set(f, 400, "invalid_state", "value.state",
			    "The authorization state is unknown, expired or "
			    "already used");
		if (rc != DB_OK)
			return fail_db(f, rc);
	}
	if (json_str(value, "code_challenge") != NULL &&
	    !verifier_valid(json_str(value, "code_challenge")))
		return fail_set(f, 400, "invalid_value", "value.code_challenge",
		    "The PKCE verifier must be 43 to 128 characters of "
		    "[A-Za-z0-9-._~]");
	if (oauth2_subst(json_str(def, "tokenUrl"), props, tokurl,
	    sizeof(tokurl), missing, sizeof(missing)) == -1)
		return fail_set(f, 400, "invalid_value",
		    arena_printf(c->arena, "value.props.%s", missing),
		    "A prop the token URL needs is missing or invalid");
	grant = json_str(value, "grant_type") ? json_str(value, "grant_type") :
	    "authorization_code";
	method = json_str(value, "authorization_method") ? json_str(value,
	    "authorization_method") : json_str(def, "authorizationMethod") ?
	    json_str(def, "authorizationMethod") : "BODY";
	if (token_form(&t, value, grant, method, pkce) == -1) {
		token_call_wipe(&t);
		return fail_set(f, 400, "invalid_value", NULL,
		    "The token request would be too long");
	}
	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.url = tokurl;
	q.headers = t.h;
	q.body = t.form;
	q.bodylen = t.off;
	q.connect_timeout_ms = 5000;
	q.timeout_ms = 15000;
	q.max_body = 256 * 1024;
	q.kind = metric_call_token;
	orc = egress_perform(&q, &er, detail, sizeof(detail));
	token_call_wipe(&t);
	if (orc != EG_OK) {
		log_warnx("%s token call for %s: %s: %s", c->reqid, piece,
		    egress_rc_str(orc), detail);
		return fail_set(f, 400, "oauth2_exchange_failed", "value.code",
		    orc == EG_TIMEOUT ? "The OAuth2 provider did not answer "
		    "in time" : "The OAuth2 provider could not be reached");
	}
	tok = secret_parse(c->arena, er.body, er.len);
	OPENSSL_cleanse(er.body, er.len);
	egress_resp_free(&er);
	bad = er.status < 200 || er.status > 299 || tok == NULL ||
	    !json_object_is_type(tok, json_type_object) ||
	    json_str(tok, "access_token") == NULL ||
	    *json_str(tok, "access_token") == '\0';
	if (bad) {
		err = json_str(tok, "error");
		desc = json_str(tok, "error_description");
		if (desc != NULL || err != NULL)
			provider_text(text, sizeof(text), desc ? desc : err);
		if (err != NULL && strcmp(err, "invalid_grant") == 0 &&
		    strcmp(grant, "authorization_code") != 0)
			return fail_set(f, 400, "invalid_grant", "value.code",
			    "%s", text);
		if (desc != NULL || err != NULL)
			return fail_set(f, 400, "oauth2_exchange_failed",
			    "value.code", "%s", text);
		return fail_set(f, 400, "oauth2_exchange_failed", "value.code",
		    "OAuth2 token exchange failed with %ld", er.status);
	}
	if ((*out = token_value(c, tok, value, tokurl, method, grant)) == NULL)
		return fail_internal(f);
	return 0;
}

static long long
num(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	return json_object_get_int64(v);	/* strings are coerced */
}

/* 1 when the access token of OAuth2 value v is due at now, else 0. */
int
oauth2_due(json_object *v, long long now)
{
	long long	at = conn_value_due_at(v);

	return at != -1 && now >= at;
}

/* 1 when v's access token has not expired at now (or says nothing). */
static int
still_valid(json_object *v, long long now)
{
	long long	exp = num(v, "expires_in"), claimed = num(v, "claimed_at");

	if (exp <= 0 || claimed <= 0)
		return 1;
	return now < claimed || now - claimed < exp;
}

/*
 * Makes the locked connection ERROR for reason (a failed refresh, as its
 * events say) and commits; -1, f 409.
 */
static int
mark_error(struct core *c, struct fail *f, const char *id, const char *why)
{
	enum db_rc	 rc;

	rc = db_conn_refresh_error(c->db, id, c->owner, why);
	if (rc != DB_OK || db_commit(c->db) != DB_OK)
		db_rollback(c->db);
	return fail_set(f, 409, "connection_expired", NULL, "%s", why);
}

/* The refresh request for stored value v: copies of its fields. */
static json_object *
refresh_request(struct core *c, json_object *v, const char *rt)
{
	json_object	*req;

	if ((req = secret_new_object(c->arena)) == NULL)
		return NULL;
	json_object_object_add(req, "grant_type", json_object_new_string(
	    rt != NULL && *rt != '\0' ? "refresh_token" :
	    "client_credentials"));
	json_object_object_foreach(v, k, x) {
		(void)x;
		if (strcmp(k, "grant_type") != 0)
			value_copy_member(req, k, v, k);
	}
	return req;
}

/*
 * Makes the owner's connection id ready to hand out (out->value, owned by
 * the arena).  An OAUTH2 token within min(15 minutes, expires_in / 2) of
 * expiry is refreshed first, under a row lock, so that concurrent readers
 * cause one token call; a refresh without a new refresh_token keeps the
 * old one.  invalid_grant makes the connection ERROR (409
 * connection_expired), and so does a token that expired with nothing to
 * renew it.  Any other failure keeps the status, records the reason
 * (status_reason, and the sweep's backoff) and hands out the stored token
 * while it is still valid (out->stale); an expired one is 503
 * refresh_failed with retry_after.  Returns 0, or -1 with f filled.
 *
 * force (conn_refresh_now()) refreshes a token that is not due yet,
 * unless another refresh finished while this one waited for the row lock
 * (single flight); a connection that is not OAUTH2 is 409 not_oauth2, one
 * with nothing to renew its token with 409 cannot_refresh.
 */
static int
fresh(struct core *c, struct fail *f, const char *id, int force,
    struct fresh *out)
{
	struct conn_row	 row;
	struct sealed_ref s;
	struct fail	 ef;
	json_object	*v, *req, *got;
	const char	*rt, *grant;
	char		*reason, why[300];
	long long	 now = (long long)time(NULL);
	enum db_rc	 rc;
	int		 interval;

	memset(out, 0, sizeof(*out));
	if ((rc = db_begin(c->db)) != DB_OK)
		return fail_db(f, rc);
	rc = db_conn_lock(c->db, c->arena, id, c->owner, &row, &reason);
	if (rc != DB_OK) {
		db_rollback(c->db);
		return fail_conn_db(f, rc);
	}
	if ((v = vault_open_row(c, id, &row)) == NULL) {
		db_rollback(c->db);
		return fail_set(f, 500, "value_unreadable", NULL,
		    "The connection's value cannot be read");
	}
	if (force && strcmp(row.type, "OAUTH2") != 0) {
		db_rollback(c->db);
		return fail_set(f, 409, "not_oauth2", NULL, "Only an OAuth2 "
		    "connection can be refreshed");
	}
	if (strcmp(row.type, "OAUTH2") != 0 || (!force && !oauth2_due(v, now)))
		goto keep;
	/* A refresh that finished while this one waited is the one. */
	if (force && num(v, "claimed_at") >= now)
		goto keep;
	if (strcmp(row.status, "ERROR") == 0 &&
	    strncmp(reason, "invalid_grant", 13) == 0) {
		db_rollback(c->db);
		return fail_set(f, 409, "connection_expired", NULL, "%s",
		    reason);
	}
	rt = json_str(v, "refresh_token");
	grant = json_str(v, "grant_type");
	if ((rt == NULL || *rt == '\0') && (grant == NULL ||
	    strcmp(grant, "client_credentials") != 0)) {
		if (force) {
			db_rollback(c->db);
			return fail_set(f, 409, "cannot_refresh", NULL, "The "
			    "connection has no refresh token; reconnect it");
		}
		if (still_valid(v, now))
			goto keep;	/* nothing to renew with, yet valid */
		metrics_count(metric_refreshes, REFRESH_EXPIRED, 1);
		return mark_error(c, f, id, "The access token has expired and "
		    "cannot be refreshed; reconnect");
	}
	if ((req = refresh_request(c, v, rt)) == NULL) {
		db_rollback(c->db);
		return fail_internal(f);
	}
	if (oauth2_exchange(c, &ef, row.piece_name, NULL, req, &got) == 0) {
		/* A refresh that answers no refresh token keeps the old. */
		if (rt != NULL && *rt != '\0' &&
		    *json_str(got, "refresh_token") == '\0')
			json_object_object_add(got, "refresh_token",
			    json_object_new_string(rt));
		if (grant != NULL)
			json_object_object_add(got, "grant_type",
			    json_object_new_string(grant));
		if (conn_value_seal(c, id, got, &s) == -1 ||
		    (rc = db_conn_refreshed(c->db, id, c->owner, &s, "ACTIVE",
		    NULL)) != DB_OK || (rc = db_commit(c->db)) != DB_OK) {
			db_rollback(c->db);
			metrics_count(metric_refreshes, REFRESH_FAILED, 1);
			return rc != DB_OK ? fail_db(f, rc) : fail_internal(f);
		}
		metrics_count(metric_refreshes, REFRESH_OK, 1);
		out->value = got;
		out->refreshed = 1;
		return 0;
	}
	if (strncmp(ef.code, "database_", 9) == 0 || ef.status == 500) {
		db_rollback(c->db);
		*f = ef;
		return -1;
	}
	if (strcmp(ef.code, "invalid_grant") == 0) {
		metrics_count(metric_refreshes, REFRESH_INVALID_GRANT, 1);
		return mark_error(c, f, id, "invalid_grant: the provider "
		    "revoked the authorization; reconnect");
	}
	/* Any other failure: the status stays, the reason is recorded. */
	metrics_count(metric_refreshes, REFRESH_FAILED, 1);
	snprintf(out->reason, sizeof(out->reason), "%s", ef.msg);
	snprintf(why, sizeof(why), "refresh failed: %s", ef.msg);
	interval = c->cfg != NULL && c->cfg->refresh_interval > 0 ?
	    c->cfg->refresh_interval : 300;
	if ((rc = db_conn_refresh_failed(c->db, id, c->owner, why,
	    interval)) != DB_OK || (rc = db_commit(c->db)) != DB_OK)
		db_rollback(c->db);
	if (!c->quiet)
		log_warnx("%s refresh of connection %s failed: %s", c->reqid,
		    id, ef.msg);
	if (still_valid(v, now)) {
		out->value = v;
		out->stale = 1;
		return 0;
	}
	fail_set(f, 503, "refresh_failed", NULL, "The access token has "
	    "expired and could not be refreshed (%s); try again later",
	    ef.msg);
	f->retry_after = 30;
	return -1;
keep:
	db_rollback(c->db);
	out->value = v;
	return 0;
}

/* Makes the owner's connection id ready to hand out: see fresh(). */
int
conn_fresh(struct core *c, struct fail *f, const char *id, struct fresh *out)
{
	return fresh(c, f, id, 0, out);
}

/*
 * Refreshes the owner's OAUTH2 connection id now, due or not, under the
 * same row lock as a use: see fresh().
 */
int
conn_refresh_now(struct core *c, struct fail *f, const char *id,
    struct fresh *out)
{
	return fresh(c, f, id, 1, out);
}
