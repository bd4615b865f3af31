/*
 * Users, sessions and API keys.  Results are copied into the caller's
 * arena; no PGresult leaves this file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dbi.h"
#include "token.h"

/*
 * Creates a user (email and name may be NULL).  On DB_OK u holds the new
 * id and creation time; an email in use is DB_CONFLICT.
 */
enum db_rc
db_user_create(struct db *db, struct arena *a, const char *email,
    const char *name, int anonymous, struct user_new *u)
{
	char		 id[ID_LEN + 1];
	const char	*v[4];
	PGresult	*res;
	enum db_rc	 rc;

	if (id_new(id) == -1)
		return DB_ERROR;
	v[0] = id, v[1] = email, v[2] = name, v[3] = anonymous ? "t" : "f";
	if ((rc = db_exec_one(db, &res, STMT_USER_INSERT, v)) != DB_OK)
		return rc;
	u->id = arena_strdup(a, id);
	u->created_at = db_copy(a, res, 0, 0);
	PQclear(res);
	return u->id && u->created_at ? DB_OK : DB_ERROR;
}

/* Finds a user by id or email; *id is the user's id. */
enum db_rc
db_user_resolve(struct db *db, struct arena *a, const char *key, char **id)
{
	const char	*v[1] = { key };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_USER_RESOLVE, v)) != DB_OK)
		return rc;
	*id = db_copy(a, res, 0, 0);
	PQclear(res);
	return *id ? DB_OK : DB_ERROR;
}

static enum db_rc
each_row(struct db *db, enum stmt s, const char *const *v,
    void (*row)(const char *const *, int))
{
	PGresult	*res;
	const char	*cols[16];
	enum db_rc	 rc;
	int		 i, j, n;

	if ((rc = db_exec(db, &res, s, v)) != DB_OK)
		return rc;
	n = PQnfields(res) < 16 ? PQnfields(res) : 16;
	for (i = 0; i < PQntuples(res); i++) {
		for (j = 0; j < n; j++)
			cols[j] = PQgetvalue(res, i, j);
		row(cols, n);
	}
	PQclear(res);
	return DB_OK;
}

enum db_rc
db_user_list(struct db *db, void (*row)(const char *const *, int))
{
	return each_row(db, STMT_USER_LIST, NULL, row);
}

enum db_rc
db_apikey_list(struct db *db, const char *user_id,
    void (*row)(const char *const *, int))
{
	const char	*v[1] = { user_id };

	return each_row(db, STMT_APIKEY_LIST, v, row);
}

/*
 * Reads what authentication needs for the session (is_session) or API
 * key with this id.  DB_NOTFOUND when there is none.
 */
enum db_rc
db_cred_get(struct db *db, struct arena *a, int is_session, const char *id,
    struct cred *c)
{
	const char	*v[1] = { id };
	PGresult	*res;
	enum db_rc	 rc;

	memset(c, 0, sizeof(*c));
	if ((rc = db_exec_one(db, &res, is_session ? STMT_SESSION_AUTH :
	    STMT_APIKEY_AUTH, v)) != DB_OK)
		return rc;
	c->hashhex = db_copy(a, res, 0, 0);
	c->user_id = db_copy(a, res, 0, 1);
	c->name = db_copy(a, res, 0, 2);
	c->email = db_copy(a, res, 0, 3);
	c->anonymous = *PQgetvalue(res, 0, 4) == 't';
	c->expired = *PQgetvalue(res, 0, 5) == 't';
	c->revoked = *PQgetvalue(res, 0, 6) == 't';
	c->stale = *PQgetvalue(res, 0, 7) == 't';
	/* A plain session has NULL here; a key's session its key's scopes. */
	c->scopes = db_copy(a, res, 0, 8);
	c->expires = !PQgetisnull(res, 0, 9);
	if (c->expires)
		c->expires_ms = strtoll(PQgetvalue(res, 0, 9), NULL, 10);
	c->key_id = db_copy(a, res, 0, 10);
	PQclear(res);
	return c->hashhex && c->user_id ? DB_OK : DB_ERROR;
}

/*
 * Records uses of credentials in one statement: keys and sessions are
 * text array literals of ids ("{}" for none).  Returns DB_OK or the
 * failure.
 */
enum db_rc
db_cred_touch(struct db *db, const char *keys, const char *sessions)
{
	const char	*v[2] = { keys, sessions };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_CRED_TOUCH, v)) == DB_OK)
		PQclear(res);
	return rc;
}

/*
 * Creates a session for user_id lasting days; *token (arena) is the bearer
 * token, shown once.  The arena is wiped when the request ends.
 */
enum db_rc
db_session_create(struct db *db, struct arena *a, const char *user_id,
    int days, char **token)
{
	char		 id[ID_LEN + 1], tok[TOKEN_LEN + 1], hash[2 * HASH_LEN + 1];
	char		 d[16];
	const char	*v[4];
	PGresult	*res;
	enum db_rc	 rc;

	if (token_new(TOKEN_SESSION, id, tok, hash) == -1)
		return DB_ERROR;
	snprintf(d, sizeof(d), "%d", days);
	v[0] = id, v[1] = user_id, v[2] = hash, v[3] = d;
	if ((rc = db_exec(db, &res, STMT_SESSION_INSERT, v)) == DB_OK) {
		PQclear(res);
		if ((*token = arena_strdup(a, tok)) == NULL)
			rc = DB_ERROR;
	}
	OPENSSL_cleanse(tok, sizeof(tok));
	return rc;
}

/*
 * Creates a session for the user of API key key_id, lasting days but no
 * longer than the key, and bound to it (revoking or expiring the key ends
 * it).  On DB_OK *token (arena) is the bearer token, *expires the expiry
 * (ISO 8601, arena) and *maxage the seconds until then.  DB_NOTFOUND when
 * the key is revoked or expired.
 */
enum db_rc
db_session_create_for_key(struct db *db, struct arena *a, const char *key_id,
    int days, char **token, char **expires, long long *maxage)
{
	char		 id[ID_LEN + 1], tok[TOKEN_LEN + 1], hash[2 * HASH_LEN + 1];
	char		 d[16];
	const char	*v[4];
	PGresult	*res;
	enum db_rc	 rc;

	*token = *expires = NULL;
	*maxage = 0;
	if (token_new(TOKEN_SESSION, id, tok, hash) == -1)
		return DB_ERROR;
	snprintf(d, sizeof(d), "%d", days);
	v[0] = id, v[1] = key_id, v[2] = hash, v[3] = d;
	if ((rc = db_exec_one(db, &res, STMT_SESSION_INSERT_KEY, v)) == DB_OK) {
		*expires = db_copy(a, res, 0, 0);
		*maxage = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		PQclear(res);
		if ((*token = arena_strdup(a, tok)) == NULL || *expires == NULL)
			rc = DB_ERROR;
	}
	OPENSSL_cleanse(tok, sizeof(tok));
	return rc;
}

static enum db_rc
revoke(struct db *db, enum stmt s, const char *id)
{
	const char	*v[1] = { id };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, s, v)) == DB_OK)
		PQclear(res);
	return rc;
}

enum db_rc
db_session_revoke(struct db *db, const char *id)
{
	return revoke(db, STMT_SESSION_REVOKE, id);
}

enum db_rc
db_apikey_revoke(struct db *db, const char *id)
{
	return revoke(db, STMT_APIKEY_REVOKE, id);
}

/*
 * Creates an API key for user_id with scopes (a PostgreSQL text array
 * literal such as "{connections:read}"), expiring after days (0 = never).
 * *token (arena) is shown once.  Unknown scopes are DB_CONFLICT.
 */
enum db_rc
db_apikey_create(struct db *db, struct arena *a, const char *user_id,
    const char *name, const char *scopes, int days, char **token)
{
	char		 id[ID_LEN + 1], tok[TOKEN_LEN + 1], hash[2 * HASH_LEN + 1];
	char		 d[16];
	const char	*v[6];
	PGresult	*res;
	enum db_rc	 rc;

	if (token_new(TOKEN_APIKEY, id, tok, hash) == -1)
		return DB_ERROR;
	snprintf(d, sizeof(d), "%d", days);
	v[0] = id, v[1] = user_id, v[2] = name ? name : "", v[3] = hash;
	v[4] = scopes, v[5] = days > 0 ? d : NULL;
	if ((rc = db_exec(db, &res, STMT_APIKEY_INSERT, v)) == DB_OK) {
		PQclear(res);
		if ((*token = arena_strdup(a, tok)) == NULL)
			rc = DB_ERROR;
	}
	OPENSSL_cleanse(tok, sizeof(tok));
	return rc;
}
