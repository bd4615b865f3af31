/*
 * OAuth2 over HTTP: start builds the authorization URL from the piece's
 * OAUTH2 definition and records a random state (stored hashed, ten
 * minutes); the callback consumes the state once and hands the code back
 * as JSON (the original's client-held flow, whose upsert then exchanges
 * it), or finishes apconn's server-held flow (service/oauth2.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "../fcgi/cfg.h"
#include "../fcgi/log.h"
#include "../db/seal.h"
#include "../db/token.h"
#include "handlers.h"

#define URL_MAX		OAUTH2_URL_MAX

#define CALLBACK_PATH	"/api/app-connections/oauth2/callback"

/*
 * The redirect URI of the server-held flow (APCONN_PUBLIC_URL and the
 * callback path), in the request's arena: what start sends the provider,
 * and what someone registering their own OAuth app must give it.
 */
const char *
oauth2_redirect_url(struct req *r)
{
	return arena_printf(r->arena, "%s%s", r->cfg ? r->cfg->public_url :
	    "", CALLBACK_PATH);
}

/*
 * The client of the server-held flow: the caller's clientId and
 * clientSecret, else the piece's OAuth app.  Returns 0, or the status.
 */
static int
server_client(struct req *r, struct resp *resp, const char *piece,
    const char **client, const char **secret)
{
	struct core		 c;
	struct sealed_ref	 sr;
	const char		*plain;
	char			*id, aad[300];
	enum db_rc		 rc;

	*client = json_str(r->json, "clientId");
	*secret = json_str(r->json, "clientSecret");
	if (*client != NULL && **client != '\0')
		return 0;
	rc = db_oauth_app_get(r->db, r->arena, piece, &id, &sr);
	if (rc == DB_NOTFOUND)
		return resp_error(resp, 400, "no_oauth_app", "No OAuth app is "
		    "configured for this piece: give clientId and "
		    "clientSecret");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	snprintf(aad, sizeof(aad), "oauth_app:%s", piece);
	core_of(&c, r);
	if ((plain = vault_open_string(&c, aad, &sr)) == NULL) {
		log_warnx("%s the OAuth app of %s cannot be opened", r->id,
		    piece);
		return resp_error(resp, 500, "internal", "Internal error");
	}
	*client = id;
	*secret = plain;
	return 0;
}

/* Records a server-held state with the verifier and secret sealed. */
static enum db_rc
store_server_state(struct req *r, const struct oauth2_state *os,
    const char *verifier, const char *secret)
{
	struct core	 c;
	json_object	*o;
	struct sealed_ref sr;
	const char	*ext, *name;
	char		 aad[100];

	if ((o = secret_new_object(r->arena)) == NULL)
		return DB_ERROR;
	json_object_object_add(o, "verifier", json_object_new_string(verifier));
	json_object_object_add(o, "client_secret",
	    json_object_new_string(secret ? secret : ""));
	snprintf(aad, sizeof(aad), "oauth2_state:%s", os->hash);
	core_of(&c, r);
	if (vault_seal(&c, aad, o, &sr) == -1)
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
	struct core		 c;
	struct fail		 f;
	json_object		*props = NULL, *def, *scope, *extra, *o;
	const char		*pfield;
	char			 pmsg[200];
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
		redirect = oauth2_redirect_url(r);
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
	core_of(&c, r);
	if ((def = oauth2_def(&c, &f, piece, version)) == NULL)
		return resp_fail(resp, &f);
	/*
	 * The props fill the authorization URL's {placeholders}: checked
	 * against the piece (on a copy, defaults applied) before use.
	 */
	props = props != NULL ? secret_copy(r->arena, props) :
	    secret_new_object(r->arena);
	if (props == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	if (conn_props_check(props, def, &pfield, pmsg, sizeof(pmsg)) == -1)
		return resp_error_field(resp, 400, "invalid_request",
		    pfield + strlen("value."), "%s", pmsg);
	if (oauth2_subst(json_str(def, "authUrl"), props, base, sizeof(base),
	    missing, sizeof(missing)) == -1) {
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
	    oauth2_state_hash(state, hash) == -1)
		goto fail;

	snprintf(url, sizeof(url), "%s%s", base, strchr(base, '?') ?
	    (base[strlen(base) - 1] == '?' || base[strlen(base) - 1] == '&' ?
	    "" : "&") : "?");
	off = strlen(url);
	prompt = json_str(def, "prompt");
	if (oauth2_form_param(url, sizeof(url), &off, "client_id", client) == -1 ||
	    oauth2_form_param(url, sizeof(url), &off, "redirect_uri", redirect) == -1 ||
	    oauth2_form_param(url, sizeof(url), &off, "response_type", "code") == -1 ||
	    (so > 0 && oauth2_form_param(url, sizeof(url), &off, "scope", scopes) == -1) ||
	    oauth2_form_param(url, sizeof(url), &off, "state", state) == -1 ||
	    oauth2_form_param(url, sizeof(url), &off, "access_type", "offline") == -1 ||
	    (prompt != NULL && strcmp(prompt, "omit") != 0 &&
	    oauth2_form_param(url, sizeof(url), &off, "prompt", prompt) == -1) ||
	    (pkce && (oauth2_form_param(url, sizeof(url), &off, "code_challenge",
	    challenge) == -1 || oauth2_form_param(url, sizeof(url), &off,
	    "code_challenge_method", "S256") == -1)))
		goto toolong;
	if (json_object_object_get_ex(def, "extra", &extra) &&
	    json_object_is_type(extra, json_type_object)) {
		json_object_object_foreach(extra, k, v) {
			if (json_object_is_type(v, json_type_string) &&
			    oauth2_form_param(url, sizeof(url), &off, k,
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
	os.props = json_object_object_length(props) > 0 ? arena_strdup(r->arena,
	    json_object_to_json_string_ext(props, JSON_C_TO_STRING_PLAIN)) :
	    NULL;
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
	return resp_error(resp, 400, "invalid_request",
	    "The authorization URL would be too long");
fail:
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
	if (oauth2_form_param(q, sizeof(q), &off, key, value) == -1)
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
 * GET /api/app-connections/oauth2/callback?code&state (or ?error): a
 * server-held state finishes its flow and sends the browser back to
 * APCONN_APP_URL; a client-held one is consumed (once: known, unexpired,
 * not called back before, the caller's when a credential is presented)
 * and the code answered as JSON, as the original does.
 */
int
h_oauth2_callback(struct req *r, struct resp *resp)
{
	const char	*code = req_query(r, "code"), *state = req_query(r,
			    "state"), *err = req_query(r, "error"), *d, *ext;
	char		 hash[65], *user, *piece, *flow;
	struct oauth2_taken t;
	struct core	 c;
	struct fail	 f;
	enum db_rc	 rc;
	json_object	*o;

	if (state != NULL && *state != '\0' && strlen(state) <= 256 &&
	    oauth2_state_hash(state, hash) == 0 &&
	    db_oauth2_state_flow(r->db, r->arena, hash, &flow) == DB_OK &&
	    strcmp(flow, "server") == 0) {
		if (err != NULL || code == NULL || *code == '\0') {
			/* A refused or broken callback spends the state too. */
			rc = db_oauth2_state_take(r->db, r->arena, hash, &t);
			if (rc != DB_OK && rc != DB_NOTFOUND)
				return resp_db_error(resp, rc);
			return back_to_app(r, resp, "error", err != NULL ? err :
			    "invalid_request");
		}
		core_of(&c, r);
		if (!r->authed)
			c.owner = NULL;
		if (oauth2_finish_server(&c, &f, hash, code, &ext) == -1)
			return back_to_app(r, resp, "error",
			    strncmp(f.code, "database_", 9) == 0 ?
			    "internal" : f.code);
		/* A GET that wrote: the state's owner (c.owner now). */
		owner_epoch_raise(c.owner);
		return back_to_app(r, resp, "connection", ext);
	}
	if (err != NULL) {
		d = req_query(r, "error_description");
		return callback_error(resp, err, d ? d : "");
	}
	if (code == NULL || *code == '\0')
		return resp_error(resp, 400, "invalid_request",
		    "Missing OAuth2 code");
	if (state == NULL || *state == '\0' || strlen(state) > 256 ||
	    oauth2_state_hash(state, hash) == -1)
		return callback_error(resp, "invalid_state",
		    "The authorization state is missing or unknown");
	rc = db_oauth2_state_callback(r->db, r->arena, hash, r->authed ?
	    r->who.user_id : NULL, &user, &piece);
	if (rc == DB_NOTFOUND)
		return callback_error(resp, "invalid_state", "The "
		    "authorization state is unknown, expired or already used");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("success"));
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "state", json_object_new_string(state));
	return resp_json(resp, 200, o);
}
