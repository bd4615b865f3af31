/*
 * OAuth2, the original's client-held flow: start builds the authorization
 * URL from the piece's OAUTH2 definition and records a random state
 * (stored hashed, ten minutes, one use); the callback checks the state
 * and hands the code back as JSON; the OAUTH2 upsert (or test) exchanges
 * the code at the piece's token URL.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "../fcgi/cfg.h"
#include "../fcgi/egress.h"
#include "../fcgi/log.h"
#include "../fcgi/metrics.h"
#include "../db/seal.h"
#include "../db/token.h"
#include "handlers.h"

#define URL_MAX		8192

/* Appends s percent-encoded (form style) to buf; 0, or -1 when full. */
static int
enc(char *buf, size_t cap, size_t *off, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (*off + 4 >= cap)
			return -1;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c) != NULL)
			buf[(*off)++] = (char)c;
		else {
			buf[(*off)++] = '%';
			buf[(*off)++] = hex[c >> 4];
			buf[(*off)++] = hex[c & 15];
		}
	}
	buf[*off] = '\0';
	return 0;
}

/* Appends "&k=v" (or "k=v" first, or after sep) to a query or form. */
static int
param(char *buf, size_t cap, size_t *off, const char *k, const char *v)
{
	if (v == NULL)
		return 0;
	if (*off + 2 >= cap)
		return -1;
	if (*off > 0 && buf[*off - 1] != '?' && buf[*off - 1] != '&')
		buf[(*off)++] = '&';
	buf[*off] = '\0';
	if (enc(buf, cap, off, k) == -1 || *off + 2 >= cap)
		return -1;
	buf[(*off)++] = '=';
	buf[*off] = '\0';
	return enc(buf, cap, off, v);
}

/*
 * Replaces every {name} in tmpl with props[name] (a string of letters,
 * digits, dots and hyphens) into out.  Returns 0, or -1 with *missing
 * naming the first prop that is absent or holds anything else.
 */
static int
subst(const char *tmpl, json_object *props, char *out, size_t cap,
    char *missing, size_t missz)
{
	const char	*p, *end, *v;
	char		 name[128];
	size_t		 o = 0, n;

	for (p = tmpl; *p != '\0';) {
		if (*p == '{' && (end = strchr(p + 1, '}')) != NULL &&
		    (n = (size_t)(end - p - 1)) > 0 && n < sizeof(name)) {
			memcpy(name, p + 1, n);
			name[n] = '\0';
			if ((v = json_str(props, name)) == NULL || *v == '\0' ||
			    strspn(v, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
			    strlen(v)) {
				/*
				 * Only host-label characters: a prop must not
				 * move the URL to another host or path, where a
				 * client secret would follow it.
				 */
				snprintf(missing, missz, "%s", name);
				return -1;
			}
			if (o + strlen(v) + 1 >= cap)
				return -1;
			memcpy(out + o, v, strlen(v));
			o += strlen(v);
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

static int
state_hash(const char *state, char out[65])
{
	unsigned char	h[32];
	unsigned int	n = 0;

	if (EVP_Digest(state, strlen(state), h, &n, EVP_sha256(), NULL) != 1)
		return -1;
	hex_encode(h, sizeof(h), out);
	return 0;
}

/* The OAUTH2 entry of piece's auth (borrowed from *auth, which caller puts). */
static json_object *
oauth2_def(struct req *r, struct resp *resp, const char *piece,
    const char *version, json_object **auth, int *st)
{
	char		*ver;
	int		 known, offers;
	json_object	*def;

	*st = 0;
	known = piece_auth_lookup(r, resp, piece, version, auth, &ver);
	if (known < 0) {
		*st = -known;
		return NULL;
	}
	if (!known) {
		*st = resp_error(resp, 404, "not_found", "Piece not found");
		return NULL;
	}
	def = piece_auth_find(*auth, "OAUTH2", &offers);
	if (def == NULL || json_str(def, "authUrl") == NULL) {
		*st = resp_error(resp, 400, "no_oauth2",
		    "Piece does not define OAuth2 auth URL");
		return NULL;
	}
	return def;
}

#define CALLBACK_PATH	"/api/app-connections/oauth2/callback"

/*
 * The client of the server-held flow: the caller's clientId and
 * clientSecret, else the piece's OAuth app.  Returns 0, or the status.
 */
static int
server_client(struct req *r, struct resp *resp, const char *piece,
    const char **client, const char **secret)
{
	struct sealed_ref	 s;
	unsigned char		*pt;
	size_t			 len;
	char			*id, aad[300];
	enum db_rc		 rc;

	*client = json_str(r->json, "clientId");
	*secret = json_str(r->json, "clientSecret");
	if (*client != NULL && **client != '\0')
		return 0;
	rc = db_oauth_app_get(r->db, r->arena, piece, &id, &s);
	if (rc == DB_NOTFOUND)
		return resp_error(resp, 400, "no_oauth_app", "No OAuth app is "
		    "configured for this piece: give clientId and "
		    "clientSecret");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	snprintf(aad, sizeof(aad), "oauth_app:%s", piece);
	if (r->keys == NULL || unseal(r->keys, aad, s.kid, s.iv, s.ct, s.tag,
	    &pt, &len) == -1) {
		log_warnx("%s the OAuth app of %s cannot be opened", r->id,
		    piece);
		return resp_error(resp, 500, "internal", "Internal error");
	}
	*client = id;
	*secret = arena_strndup(r->arena, (const char *)pt, len);
	plain_free(pt, len);
	return *secret ? 0 : resp_error(resp, 500, "internal",
	    "Internal error");
}

/* Records a server-held state with the verifier and secret sealed. */
static enum db_rc
store_server_state(struct req *r, const struct oauth2_state *os,
    const char *verifier, const char *secret)
{
	json_object	*o = json_object_new_object();
	struct sealed_ref sr;
	const char	*ext, *name;
	char		 aad[100];
	int		 rc;

	json_object_object_add(o, "verifier", json_object_new_string(verifier));
	json_object_object_add(o, "client_secret",
	    json_object_new_string(secret ? secret : ""));
	snprintf(aad, sizeof(aad), "oauth2_state:%s", os->hash);
	rc = vault_seal(r, aad, o, &sr);
	vault_discard(o);
	if (rc == -1)
		return DB_ERROR;
	ext = json_str(r->json, "externalId");
	name = json_str(r->json, "displayName");
	return db_oauth2_state_insert_server(r->db, os, ext && *ext ? ext :
	    NULL, name && *name ? name : NULL, &sr);
}

/*
 * POST /api/app-connections/oauth2/start {pieceName, pieceVersion?,
 * clientId, redirectUrl, props?}: the client-held flow of the original.
 */
int
h_oauth2_start(struct req *r, struct resp *resp)
{
	const char		*piece, *client, *redirect, *version, *s, *prompt;
	const char		*secret = NULL;
	int			 server = 0;
	json_object		*props = NULL, *auth = NULL, *def, *scope, *pd,
				*extra, *o, *req;
	struct oauth2_state	 os;
	unsigned char		 rnd[32];
	char			 url[URL_MAX], base[URL_MAX], missing[128];
	char			 state[49], hash[65], verifier[44], challenge[44];
	char			 scopes[2048];
	size_t			 off, i, so = 0;
	int			 st, pkce;
	enum db_rc		 rc;

	piece = json_str(r->json, "pieceName");
	client = json_str(r->json, "clientId");
	redirect = json_str(r->json, "redirectUrl");
	version = json_str(r->json, "pieceVersion");
	if (redirect == NULL || *redirect == '\0') {
		/* No redirectUrl: apconn's own server-held flow. */
		if (piece == NULL || *piece == '\0')
			return resp_error(resp, 400, "invalid_request",
			    "pieceName is required");
		server = 1;
		redirect = arena_printf(r->arena, "%s%s", r->cfg ?
		    r->cfg->public_url : "", CALLBACK_PATH);
		if ((st = server_client(r, resp, piece_short_name(piece),
		    &client, &secret)) != 0)
			return st;
	}
	if (piece == NULL || *piece == '\0' || client == NULL ||
	    *client == '\0' || redirect == NULL || *redirect == '\0')
		return resp_error(resp, 400, "invalid_request",
		    "pieceName, clientId, and redirectUrl are required");
	if (strncmp(redirect, "https://", 8) != 0 &&
	    strncmp(redirect, "http://", 7) != 0)
		return resp_error_field(resp, 400, "invalid_request",
		    "redirectUrl", "redirectUrl must be an http(s) URL");
	if (json_object_object_get_ex(r->json, "props", &props) &&
	    props != NULL && !json_object_is_type(props, json_type_object))
		return resp_error_field(resp, 400, "invalid_request", "props",
		    "props must be an object");
	piece = piece_short_name(piece);
	if ((def = oauth2_def(r, resp, piece, version, &auth, &st)) == NULL) {
		json_object_put(auth);
		return st;
	}
	/* Required props must be there: they may fill {placeholders}. */
	if (json_object_object_get_ex(def, "props", &pd) &&
	    json_object_is_type(pd, json_type_object)) {
		json_object_object_foreach(pd, k, d) {
			if (json_object_object_get_ex(d, "required", &req) &&
			    json_object_get_boolean(req) &&
			    (json_str(props, k) == NULL || *json_str(props, k) == '\0')) {
				const char *f;

				/* k lives in auth: copy it before the put. */
				f = arena_printf(r->arena, "props.%s", k);
				json_object_put(auth);
				return resp_error_field(resp, 400,
				    "invalid_request", f,
				    "A required prop is missing");
			}
		}
	}
	if (subst(json_str(def, "authUrl"), props, base, sizeof(base), missing,
	    sizeof(missing)) == -1) {
		json_object_put(auth);
		return resp_error_field(resp, 400, "invalid_request",
		    arena_printf(r->arena, "props.%s", missing),
		    "A prop the authorization URL needs is missing or invalid");
	}
	if (json_object_object_get_ex(def, "scope", &scope) &&
	    json_object_is_type(scope, json_type_array)) {
		for (i = 0; i < json_object_array_length(scope); i++) {
			s = json_object_get_string(
			    json_object_array_get_idx(scope, i));
			if (s == NULL)
				continue;
			so += (size_t)snprintf(scopes + so, sizeof(scopes) - so,
			    "%s%s", so ? " " : "", s);
			if (so >= sizeof(scopes))
				so = sizeof(scopes) - 1;
		}
	}
	scopes[so] = '\0';
	pkce = json_object_object_get_ex(def, "pkce", &o) &&
	    json_object_get_boolean(o);

	if (RAND_bytes(rnd, 24) != 1)
		goto fail;
	hex_encode(rnd, 24, state);
	if (RAND_bytes(rnd, 32) != 1 || b64url_encode(rnd, 32, verifier,
	    sizeof(verifier)) != 43 || pkce_challenge(verifier, challenge) == -1 ||
	    state_hash(state, hash) == -1)
		goto fail;

	snprintf(url, sizeof(url), "%s%s", base, strchr(base, '?') ?
	    (base[strlen(base) - 1] == '?' || base[strlen(base) - 1] == '&' ?
	    "" : "&") : "?");
	off = strlen(url);
	prompt = json_str(def, "prompt");
	if (param(url, sizeof(url), &off, "client_id", client) == -1 ||
	    param(url, sizeof(url), &off, "redirect_uri", redirect) == -1 ||
	    param(url, sizeof(url), &off, "response_type", "code") == -1 ||
	    (so > 0 && param(url, sizeof(url), &off, "scope", scopes) == -1) ||
	    param(url, sizeof(url), &off, "state", state) == -1 ||
	    param(url, sizeof(url), &off, "access_type", "offline") == -1 ||
	    (prompt != NULL && strcmp(prompt, "omit") != 0 &&
	    param(url, sizeof(url), &off, "prompt", prompt) == -1) ||
	    (pkce && (param(url, sizeof(url), &off, "code_challenge",
	    challenge) == -1 || param(url, sizeof(url), &off,
	    "code_challenge_method", "S256") == -1)))
		goto toolong;
	if (json_object_object_get_ex(def, "extra", &extra) &&
	    json_object_is_type(extra, json_type_object)) {
		json_object_object_foreach(extra, k, v) {
			if (json_object_is_type(v, json_type_string) &&
			    param(url, sizeof(url), &off, k,
			    json_object_get_string(v)) == -1)
				goto toolong;
		}
	}
	memset(&os, 0, sizeof(os));
	os.hash = hash;
	os.user_id = r->who.user_id;
	os.piece_name = piece;
	os.piece_version = version;
	os.redirect_url = redirect;
	os.client_id = client;
	os.pkce = pkce;
	os.props = props ? arena_strdup(r->arena,
	    json_object_to_json_string_ext(props, JSON_C_TO_STRING_PLAIN)) :
	    NULL;
	json_object_put(auth);
	if (server)
		rc = store_server_state(r, &os, verifier, secret);
	else
		rc = db_oauth2_state_insert(r->db, &os);
	if (rc != DB_OK) {
		OPENSSL_cleanse(verifier, sizeof(verifier));
		return resp_db_error(resp, rc);
	}
	o = json_object_new_object();
	json_object_object_add(o, "authorizationUrl",
	    json_object_new_string(url));
	json_object_object_add(o, "state", json_object_new_string(state));
	if (!server) {
		json_object_object_add(o, "codeVerifier",
		    json_object_new_string(verifier));
		json_object_object_add(o, "codeChallenge",
		    json_object_new_string(challenge));
	}
	OPENSSL_cleanse(verifier, sizeof(verifier));
	return resp_json(resp, 200, o);
toolong:
	json_object_put(auth);
	return resp_error(resp, 400, "invalid_request",
	    "The authorization URL would be too long");
fail:
	json_object_put(auth);
	return resp_error(resp, 500, "internal", "Internal error");
}

static int
callback_error(struct resp *resp, const char *error, const char *desc)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string("error"));
	json_object_object_add(o, "error", json_object_new_string(error));
	json_object_object_add(o, "errorDescription",
	    json_object_new_string(desc));
	return resp_json(resp, 400, o);
}

/* Sends the browser back to APCONN_APP_URL with key=value (303). */
static int
back_to_app(struct req *r, struct resp *resp, const char *key,
    const char *value)
{
	const char	*app = r->cfg && r->cfg->app_url && *r->cfg->app_url ?
			    r->cfg->app_url : "/";
	char		 q[600];
	size_t		 off = 0;
	json_object	*o;

	q[0] = '\0';
	if (param(q, sizeof(q), &off, key, value) == -1)
		snprintf(q, sizeof(q), "error=invalid_request");
	resp_header(resp, "Location", arena_printf(r->arena, "%s%s%s", app,
	    strchr(app, '?') ? "&" : "?", q));
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(
	    strcmp(key, "error") == 0 ? "error" : "success"));
	json_object_object_add(o, key, json_object_new_string(value));
	return resp_json(resp, 303, o);
}

/*
 * The server-held flow's callback: consumes the state, exchanges the code
 * with the sealed verifier and secret, stores the connection as the
 * state's user, and sends the browser back to APCONN_APP_URL.
 */
static int
finish_server(struct req *r, struct resp *resp, const char *hash,
    const char *code, const char *error)
{
	struct oauth2_taken	 t;
	struct conn_write	 w;
	json_object		*blob = NULL, *value = NULL, *got = NULL, *auth;
	unsigned char		*pt, rnd[8];
	char			 aad[100], msg[256], *json, *found, ext[64];
	size_t			 len, i;
	enum db_rc		 rc;
	int			 st, legacy, ig;

	rc = db_oauth2_state_take(r->db, r->arena, hash, &t);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return resp_db_error(resp, rc);
	if (error != NULL)
		return back_to_app(r, resp, "error", error);
	if (rc == DB_NOTFOUND || (r->authed &&
	    strcmp(r->who.user_id, t.user_id) != 0))
		return back_to_app(r, resp, "error", "invalid_state");
	snprintf(aad, sizeof(aad), "oauth2_state:%s", hash);
	if (r->keys == NULL || unseal(r->keys, aad, t.sealed.kid, t.sealed.iv,
	    t.sealed.ct, t.sealed.tag, &pt, &len) == -1)
		return back_to_app(r, resp, "error", "internal");
	blob = json_tokener_parse((const char *)pt);
	plain_free(pt, len);
	value = json_object_new_object();
	json_object_object_add(value, "type", json_object_new_string("OAUTH2"));
	json_object_object_add(value, "code", json_object_new_string(code));
	if (t.pkce && json_str(blob, "verifier") != NULL)
		json_object_object_add(value, "code_challenge",
		    json_object_new_string(json_str(blob, "verifier")));
	json_object_object_add(value, "client_id",
	    json_object_new_string(t.client_id));
	if (json_str(blob, "client_secret") != NULL)
		json_object_object_add(value, "client_secret",
		    json_object_new_string(json_str(blob, "client_secret")));
	json_object_object_add(value, "redirect_url",
	    json_object_new_string(t.redirect_url));
	if (t.props != NULL)
		json_object_object_add(value, "props",
		    json_tokener_parse(t.props));
	vault_discard(blob);

	r->who.user_id = t.user_id;	/* the state says whose it is */
	st = oauth2_exchange(r, resp, t.piece_name, t.piece_version, value,
	    &got, msg, sizeof(msg), &ig);
	vault_discard(value);
	if (st != 0) {
		log_warnx("%s server-held exchange for %s failed", r->id,
		    t.piece_name);
		return back_to_app(r, resp, "error", st == 400 &&
		    resp->body == NULL ? "oauth2_exchange_failed" : "internal");
	}
	auth = NULL;
	st = conn_check_value(r, resp, t.piece_name, NULL, "OAUTH2", got,
	    &auth, &legacy, &found);
	json_object_put(auth);
	if (st != 0) {
		vault_discard(got);
		return back_to_app(r, resp, "error", "invalid_value");
	}
	if (t.external_id == NULL) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			vault_discard(got);
			return back_to_app(r, resp, "error", "internal");
		}
		i = (size_t)snprintf(ext, sizeof(ext), "%.40s-", t.piece_name);
		hex_encode(rnd, 4, ext + i);
		t.external_id = arena_strdup(r->arena, ext);
	}
	memset(&w, 0, sizeof(w));
	w.owner = t.user_id;
	w.external_id = t.external_id;
	w.display_name = t.display_name ? t.display_name : t.piece_name;
	w.piece_name = t.piece_name;
	w.piece_version = t.piece_version ? t.piece_version : found ? found :
	    "0.0.0";
	w.type = "OAUTH2";
	w.status = "ACTIVE";
	st = conn_store(r, resp, &w, got, 0, &json);
	vault_discard(got);
	if (st != 0)
		return back_to_app(r, resp, "error", "internal");
	return back_to_app(r, resp, "connection", t.external_id);
}

/*
 * GET /api/app-connections/oauth2/callback?code&state (or ?error): checks
 * the state (known, unexpired, unused, the caller's when a credential is
 * presented) and answers the code as JSON, as the original does.
 */
int
h_oauth2_callback(struct req *r, struct resp *resp)
{
	const char	*code = req_query(r, "code"), *state = req_query(r,
			    "state"), *err = req_query(r, "error"), *d;
	char		 hash[65], *user, *piece, *flow;
	int		 usable;
	enum db_rc	 rc;
	json_object	*o;

	if (state != NULL && *state != '\0' && strlen(state) <= 256 &&
	    state_hash(state, hash) == 0 &&
	    db_oauth2_state_flow(r->db, r->arena, hash, &flow) == DB_OK &&
	    strcmp(flow, "server") == 0) {
		if (err == NULL && (code == NULL || *code == '\0'))
			err = "invalid_request";
		return finish_server(r, resp, hash, code, err);
	}
	if (err != NULL) {
		d = req_query(r, "error_description");
		return callback_error(resp, err, d ? d : "");
	}
	if (code == NULL || *code == '\0')
		return resp_error(resp, 400, "invalid_request",
		    "Missing OAuth2 code");
	if (state == NULL || *state == '\0' || strlen(state) > 256 ||
	    state_hash(state, hash) == -1)
		return callback_error(resp, "invalid_state",
		    "The authorization state is missing or unknown");
	rc = db_oauth2_state_check(r->db, r->arena, hash, &user, &piece,
	    &usable);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return resp_db_error(resp, rc);
	if (rc == DB_NOTFOUND || !usable || (r->authed &&
	    strcmp(user, r->who.user_id) != 0))
		return callback_error(resp, "invalid_state", "The "
		    "authorization state is unknown, expired or already used");
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("success"));
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "state", json_object_new_string(state));
	return resp_json(resp, 200, o);
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

static void
copy_if(json_object *dst, const char *k, json_object *src, const char *sk)
{
	json_object	*v;

	if (json_object_object_get_ex(src, sk, &v) && v != NULL)
		json_object_object_add(dst, k, json_object_get(v));
}

/*
 * Exchanges the code of an OAUTH2 value at the piece's token URL.  A
 * value carrying "state" must name a state this user started for this
 * piece, unexpired and unused (it is consumed).  Returns 0 with *out the
 * value to store (the caller puts it), 400 with a message when the state
 * or the provider says no (*provider set for the latter), or another
 * error status in resp.
 */
int
oauth2_exchange(struct req *r, struct resp *resp, const char *piece,
    const char *version, json_object *value, json_object **out,
    char *msg, size_t msgsz, int *invalid_grant)
{
	json_object		*auth = NULL, *def, *props = NULL, *tok = NULL,
				*v, *o;
	struct egress_req	 q;
	struct egress_resp	 er;
	const char		*state, *method, *id, *secret, *grant, *h[4];
	char			 tokurl[URL_MAX], form[URL_MAX], missing[128];
	char			 hash[65], basic[1024], pair[768], detail[256];
	size_t			 off = 0;
	enum egress_rc		 orc;
	enum db_rc		 rc;
	int			 st, pkce = 1, n;
	static const char *const std[] = { "access_token", "token_type",
	    "refresh_token", "scope", "expires_in", NULL };

	*out = NULL;
	*invalid_grant = 0;
	if ((def = oauth2_def(r, resp, piece, version, &auth, &st)) == NULL) {
		json_object_put(auth);
		return st;
	}
	if (json_str(def, "tokenUrl") == NULL) {
		json_object_put(auth);
		return resp_error(resp, 400, "no_oauth2",
		    "Piece does not define an OAuth2 token URL");
	}
	if ((state = json_str(value, "state")) != NULL) {
		if (state_hash(state, hash) == -1) {
			json_object_put(auth);
			return resp_error(resp, 500, "internal",
			    "Internal error");
		}
		rc = db_oauth2_state_use(r->db, hash, r->who.user_id, piece,
		    &pkce);
		if (rc != DB_OK) {
			json_object_put(auth);
			if (rc != DB_NOTFOUND)
				return resp_db_error(resp, rc);
			return resp_error_field(resp, 400, "invalid_state",
			    "value.state", "The authorization state is "
			    "unknown, expired or already used");
		}
	}
	if (json_str(value, "code_challenge") != NULL &&
	    !verifier_valid(json_str(value, "code_challenge"))) {
		json_object_put(auth);
		return resp_error_field(resp, 400, "invalid_value",
		    "value.code_challenge", "The PKCE verifier must be 43 to "
		    "128 characters of [A-Za-z0-9-._~]");
	}
	json_object_object_get_ex(value, "props", &props);
	if (subst(json_str(def, "tokenUrl"), props, tokurl, sizeof(tokurl),
	    missing, sizeof(missing)) == -1) {
		json_object_put(auth);
		return resp_error_field(resp, 400, "invalid_value",
		    arena_printf(r->arena, "value.props.%s", missing),
		    "A prop the token URL needs is missing or invalid");
	}
	id = json_str(value, "client_id");
	secret = json_str(value, "client_secret");
	grant = json_str(value, "grant_type") ? json_str(value, "grant_type") :
	    "authorization_code";
	method = json_str(value, "authorization_method") ? json_str(value,
	    "authorization_method") : json_str(def, "authorizationMethod") ?
	    json_str(def, "authorizationMethod") : "BODY";
	/* def goes with auth below: keep a copy of what comes from it. */
	if ((method = arena_strdup(r->arena, method)) == NULL)
		goto toolong;
	form[0] = '\0';
	if (param(form, sizeof(form), &off, "grant_type", grant) == -1 ||
	    (strcmp(grant, "authorization_code") == 0 &&
	    (param(form, sizeof(form), &off, "code", json_str(value, "code")) == -1 ||
	    param(form, sizeof(form), &off, "redirect_uri",
	    json_str(value, "redirect_url")) == -1 ||
	    (pkce && param(form, sizeof(form), &off, "code_verifier",
	    json_str(value, "code_challenge")) == -1))) ||
	    (strcmp(grant, "client_credentials") == 0 &&
	    param(form, sizeof(form), &off, "scope", json_str(value, "scope")) == -1) ||
	    (strcmp(grant, "refresh_token") == 0 &&
	    param(form, sizeof(form), &off, "refresh_token",
	    json_str(value, "refresh_token")) == -1))
		goto toolong;
	h[0] = "Content-Type: application/x-www-form-urlencoded";
	h[1] = "Accept: application/json";
	h[2] = h[3] = NULL;
	if (strcmp(method, "HEADER") == 0) {
		n = snprintf(pair, sizeof(pair), "%s:%s", id ? id : "",
		    secret ? secret : "");
		if (n < 0 || (size_t)n >= sizeof(pair))
			goto toolong;
		memcpy(basic, "Authorization: Basic ", 21);
		if (b64std_encode((unsigned char *)pair, (size_t)n, basic + 21,
		    sizeof(basic) - 21) < 0)
			goto toolong;
		h[2] = basic;
	} else if (param(form, sizeof(form), &off, "client_id", id) == -1 ||
	    param(form, sizeof(form), &off, "client_secret", secret) == -1)
		goto toolong;
	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.url = tokurl;
	q.headers = h;
	q.body = form;
	q.bodylen = off;
	q.connect_timeout_ms = 5000;
	q.timeout_ms = 15000;
	q.max_body = 256 * 1024;
	q.kind = MC_OAUTH2_TOKEN;
	orc = egress_perform(&q, &er, detail, sizeof(detail));
	OPENSSL_cleanse(form, sizeof(form));
	OPENSSL_cleanse(pair, sizeof(pair));
	OPENSSL_cleanse(basic, sizeof(basic));
	json_object_put(auth);
	if (orc != EG_OK) {
		log_warnx("%s token exchange for %s: %s: %s", r->id, piece,
		    egress_rc_str(orc), detail);
		snprintf(msg, msgsz, orc == EG_TIMEOUT ? "The OAuth2 provider "
		    "did not answer in time" : "The OAuth2 provider could not "
		    "be reached");
		return 400;
	}
	tok = json_tokener_parse(er.body);
	egress_resp_free(&er);
	if (er.status < 200 || er.status > 299 || tok == NULL ||
	    json_str(tok, "access_token") == NULL) {
		*invalid_grant = json_str(tok, "error") != NULL &&
		    strcmp(json_str(tok, "error"), "invalid_grant") == 0;
		if (json_str(tok, "error_description") != NULL)
			snprintf(msg, msgsz, "%s", json_str(tok,
			    "error_description"));
		else if (json_str(tok, "error") != NULL)
			snprintf(msg, msgsz, "%s", json_str(tok, "error"));
		else
			snprintf(msg, msgsz, "OAuth2 token exchange failed "
			    "with %ld", er.status);
		if (tok != NULL) {
			json_wipe(tok);
			json_object_put(tok);
		}
		return 400;
	}
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("OAUTH2"));
	copy_if(o, "access_token", tok, "access_token");
	json_object_object_add(o, "token_type", json_object_new_string(
	    json_str(tok, "token_type") ? json_str(tok, "token_type") : "bearer"));
	json_object_object_add(o, "refresh_token", json_object_new_string(
	    json_str(tok, "refresh_token") ? json_str(tok, "refresh_token") : ""));
	if (json_object_object_get_ex(tok, "scope", &v) && v != NULL)
		copy_if(o, "scope", tok, "scope");
	else
		copy_if(o, "scope", value, "scope");
	if (json_object_object_get_ex(tok, "expires_in", &v) && v != NULL) {
		/* Numbers sent as strings are coerced, as Activepieces does. */
		long long	e = json_object_get_int64(v);

		if (e > 0)
			json_object_object_add(o, "expires_in",
			    json_object_new_int64(e));
	}
	json_object_object_add(o, "claimed_at",
	    json_object_new_int64((long long)time(NULL)));
	json_object_object_add(o, "token_url", json_object_new_string(tokurl));
	copy_if(o, "client_id", value, "client_id");
	copy_if(o, "client_secret", value, "client_secret");
	copy_if(o, "redirect_url", value, "redirect_url");
	json_object_object_add(o, "authorization_method",
	    json_object_new_string(method));
	json_object_object_add(o, "grant_type", json_object_new_string(grant));
	copy_if(o, "props", value, "props");
	v = json_object_new_object();
	json_object_object_foreach(tok, k, tv) {
		size_t	i;
		int	skip = 0;

		for (i = 0; std[i] != NULL; i++)
			if (strcmp(k, std[i]) == 0)
				skip = 1;
		if (!skip)
			json_object_object_add(v, k, json_object_get(tv));
	}
	json_object_object_add(o, "data", v);
	json_object_put(tok);	/* its strings now live in o too */
	*out = o;
	return 0;
toolong:
	json_object_put(auth);
	OPENSSL_cleanse(form, sizeof(form));
	return resp_error(resp, 400, "invalid_value",
	    "The token request would be too long");
}

static long long
num(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	return json_object_get_int64(v);	/* strings are coerced */
}

/*
 * Returns 1 when the access token of OAuth2 value v is within
 * min(15 minutes, expires_in / 2) of its expiry at now, else 0 (also for
 * a value that says nothing of its expiry).
 */
int
oauth2_due(json_object *v, long long now)
{
	long long	exp = num(v, "expires_in"), claimed = num(v, "claimed_at");
	long long	margin;

	if (exp <= 0 || claimed <= 0)
		return 0;
	margin = exp / 2 < 900 ? exp / 2 : 900;
	/* Both from the stored value: claimed + exp may not fit. */
	return now >= claimed && now - claimed >= exp - margin;
}

/*
 * Makes owner's connection id ready to hand out.  An OAUTH2 token within
 * min(15 minutes, expires_in / 2) of expiry is refreshed first, under a
 * row lock, so that concurrent readers cause one token call; a refresh
 * without a new refresh_token keeps the old one; invalid_grant makes the
 * connection ERROR and stops further attempts until it is reconnected; a
 * token that expired with no way to renew it is ERROR too.  Other
 * failures keep the status and the old token.  Returns 0 with *value (the
 * caller vault_discards it), 409 with msg when the credential cannot be
 * used, or an error status in resp.
 */
int
oauth2_fresh(struct req *r, struct resp *resp, const char *id,
    const char *owner, json_object **value, char *msg, size_t msgsz)
{
	struct conn_row	 c;
	struct sealed_ref s;
	json_object	*v, *req, *got = NULL;
	const char	*rt, *grant, *status = NULL;
	char		*reason;
	long long	 exp, claimed, now = (long long)time(NULL);
	enum db_rc	 rc;
	int		 st, ig, renew;

	*value = NULL;
	if ((rc = db_begin(r->db)) != DB_OK)
		return resp_db_error(resp, rc);
	rc = db_conn_lock(r->db, r->arena, id, owner, &c, &reason);
	if (rc != DB_OK) {
		db_rollback(r->db);
		return rc == DB_NOTFOUND ? resp_error(resp, 404, "not_found",
		    "Connection not found") : resp_db_error(resp, rc);
	}
	if ((v = vault_open(r, id, &c)) == NULL) {
		db_rollback(r->db);
		return resp_error(resp, 500, "value_unreadable",
		    "The connection's value cannot be read");
	}
	if (strcmp(c.type, "OAUTH2") != 0)
		goto keep;
	if (strcmp(c.status, "ERROR") == 0 &&
	    strncmp(reason, "invalid_grant", 13) == 0) {
		snprintf(msg, msgsz, "%s", reason);
		db_rollback(r->db);
		vault_discard(v);
		return 409;
	}
	if (!oauth2_due(v, now))
		goto keep;
	exp = num(v, "expires_in");
	claimed = num(v, "claimed_at");

	/* Copies: the request below shares v's strings and is wiped. */
	rt = json_str(v, "refresh_token");
	grant = json_str(v, "grant_type");
	rt = rt != NULL ? arena_strdup(r->arena, rt) : NULL;
	grant = grant != NULL ? arena_strdup(r->arena, grant) : NULL;
	renew = (rt != NULL && *rt != '\0') || (grant != NULL &&
	    strcmp(grant, "client_credentials") == 0);
	if (!renew) {
		if (now - claimed < exp)	/* due: now >= claimed > 0 */
			goto keep;	/* still valid, nothing to renew with */
		status = "ERROR";
		snprintf(msg, msgsz, "The access token has expired and cannot "
		    "be refreshed; reconnect");
		metrics_refresh(MR_EXPIRED);
		goto mark;
	}
	req = json_object_new_object();
	json_object_object_add(req, "grant_type", json_object_new_string(
	    rt != NULL && *rt != '\0' ? "refresh_token" :
	    "client_credentials"));
	json_object_object_foreach(v, k, x) {
		if (strcmp(k, "grant_type") != 0)
			json_object_object_add(req, k, json_object_get(x));
	}
	st = oauth2_exchange(r, resp, c.piece_name, NULL, req, &got, msg,
	    msgsz, &ig);
	vault_discard(req);
	if (st == 0) {
		if (json_str(got, "refresh_token") != NULL &&
		    *json_str(got, "refresh_token") == '\0' && rt != NULL)
			json_object_object_add(got, "refresh_token",
			    json_object_new_string(rt));
		if (grant != NULL)
			json_object_object_add(got, "grant_type",
			    json_object_new_string(grant));
		if (vault_seal(r, id, got, &s) == -1 || db_conn_refreshed(
		    r->db, id, owner, &s, "ACTIVE", NULL) != DB_OK ||
		    db_commit(r->db) != DB_OK) {
			db_rollback(r->db);
			vault_discard(got);
			vault_discard(v);
			metrics_refresh(MR_FAILED);
			return resp_error(resp, 500, "internal",
			    "Internal error");
		}
		vault_discard(v);
		metrics_refresh(MR_OK);
		*value = got;
		return 0;
	}
	if (ig) {
		metrics_refresh(MR_INVALID_GRANT);
		status = "ERROR";
		snprintf(msg, msgsz, "invalid_grant: the provider revoked the "
		    "authorization; reconnect");
		goto mark;
	}
	/* Another failure: the old token stays, and so does the status. */
	metrics_refresh(MR_FAILED);
	log_warnx("%s refresh of connection %s failed: %s", r->id, id, msg);
	resp->body = (json_object_put(resp->body), NULL);
	goto keep;
mark:
	rc = db_conn_set_status(r->db, r->arena, id, owner, status, msg,
	    &reason);
	if (rc != DB_OK || db_commit(r->db) != DB_OK)
		db_rollback(r->db);
	vault_discard(v);
	return 409;
keep:
	db_rollback(r->db);
	*value = v;
	return 0;
}
