/* OAuth2 authorization states: stored hashed, bound to a user, one use. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

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

/*
 * Consumes the callback of client-held state hash (unexpired, not called
 * back or used before, caller's when caller is not NULL): *user, *piece.
 * DB_NOTFOUND when it cannot.
 */
enum db_rc
db_oauth2_state_callback(struct db *db, struct arena *a, const char *hash,
    const char *caller, char **user, char **piece)
{
	const char	*v[2] = { hash, caller };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_OAUTH2_STATE_CHECK, v)) != DB_OK)
		return rc;
	*user = db_copy(a, res, 0, 0);
	*piece = db_copy(a, res, 0, 1);
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

	if ((rc = db_exec_one(db, &res, STMT_OAUTH2_STATE_USE, v)) != DB_OK)
		return rc;
	*pkce = *PQgetvalue(res, 0, 0) == 't';
	PQclear(res);
	return DB_OK;
}

/* Records a server-held state with its sealed secrets. */
enum db_rc
db_oauth2_state_insert_server(struct db *db, const struct oauth2_state *s,
    const char *external_id, const char *display_name,
    const struct sealed_ref *sealed)
{
	const char	*v[14] = { s->hash, s->user_id, s->piece_name,
	    s->piece_version, s->redirect_url, s->client_id,
	    s->pkce ? "t" : "f", s->props, external_id, display_name,
	    sealed->kid, sealed->iv, sealed->ct, sealed->tag };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_OAUTH2_STATE_INSERT_SERVER, v)) ==
	    DB_OK)
		PQclear(res);
	return rc;
}

/* Consumes a server-held state; DB_NOTFOUND if unknown, used or expired. */
enum db_rc
db_oauth2_state_take(struct db *db, struct arena *a, const char *hash,
    struct oauth2_taken *t)
{
	const char	*v[1] = { hash };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_OAUTH2_STATE_TAKE, v)) != DB_OK)
		return rc;
	t->user_id = db_copy(a, res, 0, 0);
	t->piece_name = db_copy(a, res, 0, 1);
	t->piece_version = db_copy(a, res, 0, 2);
	t->redirect_url = db_copy(a, res, 0, 3);
	t->client_id = db_copy(a, res, 0, 4);
	t->pkce = *PQgetvalue(res, 0, 5) == 't';
	t->props = db_copy(a, res, 0, 6);
	t->external_id = db_copy(a, res, 0, 7);
	t->display_name = db_copy(a, res, 0, 8);
	t->sealed.kid = db_copy(a, res, 0, 9);
	t->sealed.iv = db_copy(a, res, 0, 10);
	t->sealed.ct = db_copy(a, res, 0, 11);
	t->sealed.tag = db_copy(a, res, 0, 12);
	PQclear(res);
	return t->user_id && t->piece_name ? DB_OK : DB_ERROR;
}

/* The flow ("client" or "server") that created a state. */
enum db_rc
db_oauth2_state_flow(struct db *db, struct arena *a, const char *hash,
    char **flow)
{
	const char	*v[1] = { hash };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_OAUTH2_STATE_FLOW, v)) != DB_OK)
		return rc;
	*flow = db_copy(a, res, 0, 0);
	PQclear(res);
	return *flow ? DB_OK : DB_ERROR;
}

enum db_rc
db_oauth_app_set(struct db *db, const char *piece, const char *client_id,
    const struct sealed_ref *s)
{
	const char	*v[6] = { piece, client_id, s->kid, s->iv, s->ct,
	    s->tag };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_OAUTH_APP_SET, v)) == DB_OK)
		PQclear(res);
	return rc;
}

/* The OAuth app of piece: client id and sealed secret (arena). */
enum db_rc
db_oauth_app_get(struct db *db, struct arena *a, const char *piece,
    char **client_id, struct sealed_ref *s)
{
	const char	*v[1] = { piece };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_OAUTH_APP_GET, v)) != DB_OK)
		return rc;
	*client_id = db_copy(a, res, 0, 0);
	s->kid = db_copy(a, res, 0, 1);
	s->iv = db_copy(a, res, 0, 2);
	s->ct = db_copy(a, res, 0, 3);
	s->tag = db_copy(a, res, 0, 4);
	PQclear(res);
	return *client_id ? DB_OK : DB_ERROR;
}

enum db_rc
db_oauth_app_list(struct db *db, void (*row)(const char *const *, int))
{
	PGresult	*res;
	const char	*cols[3];
	enum db_rc	 rc;
	int		 i;

	if ((rc = db_exec(db, &res, STMT_OAUTH_APP_LIST, NULL)) != DB_OK)
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		cols[0] = PQgetvalue(res, i, 0);
		cols[1] = PQgetvalue(res, i, 1);
		cols[2] = PQgetvalue(res, i, 2);
		row(cols, 3);
	}
	PQclear(res);
	return DB_OK;
}

/* Deletes piece's OAuth app; DB_NOTFOUND when there is none. */
enum db_rc
db_oauth_app_delete(struct db *db, const char *piece)
{
	const char	*v[1] = { piece };
	PGresult	*res;
	enum db_rc	 rc;
	int		 n;

	if ((rc = db_exec(db, &res, STMT_OAUTH_APP_DELETE, v)) != DB_OK)
		return rc;
	n = atoi(PQcmdTuples(res));
	PQclear(res);
	return n > 0 ? DB_OK : DB_NOTFOUND;
}

/* The next batch of ACTIVE OAuth2 connections after id `after`. */
enum db_rc
db_oauth2_batch(struct db *db, struct arena *a, const char *after, int limit,
    struct oauth2_due **rows, size_t *n)
{
	char		 lim[16];
	const char	*v[2] = { after, lim };
	PGresult	*res;
	enum db_rc	 rc;
	int		 i;

	*n = 0;
	snprintf(lim, sizeof(lim), "%d", limit);
	if ((rc = db_exec(db, &res, STMT_OAUTH2_DUE_BATCH, v)) != DB_OK)
		return rc;
	*rows = arena_alloc(a, (size_t)(PQntuples(res) + 1) * sizeof(**rows));
	if (*rows == NULL) {
		PQclear(res);
		return DB_ERROR;
	}
	for (i = 0; i < PQntuples(res); i++) {
		(*rows)[i].id = db_copy(a, res, i, 0);
		(*rows)[i].owner = db_copy(a, res, i, 1);
		(*rows)[i].known = *PQgetvalue(res, i, 2) == 't';
		(*rows)[i].waiting = *PQgetvalue(res, i, 3) == 't';
		if ((*rows)[i].id == NULL || (*rows)[i].owner == NULL) {
			PQclear(res);
			return DB_ERROR;
		}
	}
	*n = (size_t)PQntuples(res);
	PQclear(res);
	return DB_OK;
}
