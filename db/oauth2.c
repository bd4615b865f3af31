/* OAuth2 authorization states: stored hashed, bound to a user, one use. */
#include "config.h"

#include "dbi.h"

enum db_rc
db_oauth2_state_insert(struct db *db, const struct oauth2_state *s)
{
	const char	*v[8] = { s->hash, s->user_id, s->piece_name,
	    s->piece_version, s->redirect_url, s->client_id,
	    s->pkce ? "t" : "f", s->props };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_OAUTH2_STATE_INSERT, v)) == DB_OK)
		PQclear(res);
	return rc;
}

/* The state's user and piece, and whether it is unexpired and unused. */
enum db_rc
db_oauth2_state_check(struct db *db, struct arena *a, const char *hash,
    char **user, char **piece, int *usable)
{
	const char	*v[1] = { hash };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_OAUTH2_STATE_CHECK, v)) != DB_OK)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return DB_NOTFOUND;
	}
	*user = db_copy(a, res, 0, 0);
	*piece = db_copy(a, res, 0, 1);
	*usable = *PQgetvalue(res, 0, 2) == 't';
	PQclear(res);
	return *user && *piece ? DB_OK : DB_ERROR;
}

/* Consumes the state for user and piece; DB_NOTFOUND when it cannot. */
enum db_rc
db_oauth2_state_use(struct db *db, const char *hash, const char *user,
    const char *piece, int *pkce)
{
	const char	*v[3] = { hash, user, piece };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_OAUTH2_STATE_USE, v)) != DB_OK)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return DB_NOTFOUND;
	}
	*pkce = *PQgetvalue(res, 0, 0) == 't';
	PQclear(res);
	return DB_OK;
}
