/*
 * The original workflow builder's browser session, accepted beside
 * apconn's own when APCONN_AUTH=better-auth, so that one nginx can send
 * the connection routes to apconn and the rest to the original app.
 *
 * better-auth's session cookie is "better-auth.session_token" (with the
 * "__Secure-" prefix on https); its value is the URL-encoded
 * "<token>.<signature>", the signature being the standard base64 of
 * HMAC-SHA256(BETTER_AUTH_SECRET, token): 44 characters ending in "=".
 * The signature is checked first, in constant time; then the token and
 * its expiry in the original's sessions table and the user in its users
 * table (read only); the user is then apconn's user of the same id,
 * made on first sight.
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../fcgi/cfg.h"
#include "../db/algs.h"
#include "../db/seal.h"
#include "handlers.h"

#define BA_COOKIE		"better-auth.session_token"
#define BA_COOKIE_SECURE	"__Secure-better-auth.session_token"
#define BA_COOKIE_MAX		1024
#define BA_SIG_LEN		44

static int
ba_refuse(struct resp *resp, const char *code, const char *msg)
{
	resp_error(resp, 401, code, "%s", msg);
	resp_header(resp, "WWW-Authenticate", "Bearer");
	return 401;
}

/*
 * Splits a decoded cookie value at its last '.' into the token (in
 * place) and checks the signature against secret.  Returns the token, or
 * NULL when the shape or the signature is wrong.
 */
static const char *
ba_verify(char *value, const char *secret)
{
	unsigned char	 want[EVP_MAX_MD_SIZE], got[40];
	unsigned int	 wantlen = 0;
	size_t		 gotlen = 0;
	char		*dot;
	int		 ok;

	if ((dot = strrchr(value, '.')) == NULL || dot == value ||
	    strlen(dot + 1) != BA_SIG_LEN || dot[BA_SIG_LEN] != '=')
		return NULL;
	*dot = '\0';
	if (b64_decode(dot + 1, got, sizeof(got), &gotlen) == -1 ||
	    gotlen != 32)
		return NULL;
	if (HMAC(algs_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)value, strlen(value), want,
	    &wantlen) == NULL || wantlen != 32)
		return NULL;
	ok = CRYPTO_memcmp(want, got, 32) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok ? value : NULL;
}

/*
 * Authenticates r by the original's session cookie.  Returns 0 with
 * r->who filled, -1 when the mode is off or the request carries no such
 * cookie, or the HTTP status of the error written to resp (401, 503).
 */
int
betterauth_authenticate(struct req *r, struct resp *resp)
{
	struct ba_session	 s;
	const char		*raw, *token;
	char			*value;
	enum db_rc		 rc;

	if (r->cfg == NULL || r->cfg->auth == NULL ||
	    strcmp(r->cfg->auth, "better-auth") != 0)
		return -1;
	if ((raw = req_cookie(r, BA_COOKIE_SECURE)) == NULL &&
	    (raw = req_cookie(r, BA_COOKIE)) == NULL)
		return -1;
	if (strlen(raw) > BA_COOKIE_MAX ||
	    (value = arena_strdup(r->arena, raw)) == NULL ||
	    url_decode(value, 0) == -1 ||
	    (token = ba_verify(value, r->cfg->better_auth_secret)) == NULL)
		return ba_refuse(resp, "invalid_token", "Unauthorized");
	rc = db_ba_session(r->cfg->better_auth_db, r->arena, token, &s);
	if (rc == DB_NOTFOUND)
		return ba_refuse(resp, "invalid_token", "Unauthorized");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	if (s.expired)
		return ba_refuse(resp, "token_expired",
		    "Unauthorized: the session has expired");
	if (db_ensure(r->db) == -1)
		return resp_db_error(resp, DB_UNAVAILABLE);
	if ((rc = db_ba_user(r->db, &s)) != DB_OK)
		return resp_db_error(resp, rc);
	r->who.user_id = s.user_id;
	r->who.name = s.name;
	r->who.email = s.email;
	r->who.anonymous = s.anonymous;
	r->who.scopes = SCOPE_USER;
	r->who.via_cookie = 1;		/* changes need the Origin check */
	r->who.is_session = 0;		/* signing out is the original's job */
	r->who.credential_id = s.session_id;
	r->authed = 1;
	return 0;
}
