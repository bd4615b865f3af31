/*
 * Linking an anonymous user to a real one: in one transaction, every
 * connection, workflow and workflow reference of the anonymous user moves
 * to the real user, and the anonymous user (with its sessions) is removed.
 * An external id both users use stays with the real user's connection; the
 * anonymous user's connection gets a new external id, and its workflows
 * are rewritten to name it, so nothing changes meaning or is lost.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dbi.h"

static enum db_rc
link_tx(struct db *db, struct arena *a, const char *anon, const char *real,
    struct link_result *out)
{
	const char	*v[3];
	PGresult	*res;
	enum db_rc	 rc;
	int		 i, n, anon_ok = 0, real_ok = 0;

	v[0] = anon, v[1] = real;
	if ((rc = db_exec(db, &res, STMT_LINK_LOCK, v)) != DB_OK)
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, 0), anon) == 0)
			anon_ok = *PQgetvalue(res, i, 1) == 't';
		else
			real_ok = *PQgetvalue(res, i, 1) == 'f';
	}
	PQclear(res);
	if (!anon_ok || !real_ok)
		return DB_NOTFOUND;

	if ((rc = db_exec(db, &res, STMT_LINK_COLLISIONS, v)) != DB_OK)
		return rc;
	n = PQntuples(res);
	out->nrenamed = (size_t)n;
	if (n > 0 && (out->renamed = arena_alloc(a,
	    (size_t)n * sizeof(*out->renamed))) == NULL) {
		PQclear(res);
		return DB_ERROR;
	}
	for (i = 0; i < n; i++) {
		out->renamed[i].connection_id = db_copy(a, res, i, 0);
		out->renamed[i].external_id = db_copy(a, res, i, 1);
		out->renamed[i].renamed_to = db_copy(a, res, i, 2);
	}
	PQclear(res);
	for (i = 0; i < n; i++) {
		v[0] = anon;
		v[1] = out->renamed[i].external_id;
		v[2] = out->renamed[i].renamed_to;
		if (v[1] == NULL || v[2] == NULL)
			return DB_ERROR;
		if ((rc = db_exec(db, &res, STMT_LINK_RENAME, v)) != DB_OK)
			return rc;
		PQclear(res);
	}

	v[0] = anon, v[1] = real;
	if ((rc = db_exec(db, &res, STMT_LINK_MOVE, v)) != DB_OK)
		return rc;
	out->connections = db_copy_json(a, res, 0, 0);
	out->workflows = db_copy_json(a, res, 0, 1);
	out->references = strtol(PQgetvalue(res, 0, 2), NULL, 10);
	PQclear(res);
	if (out->connections == NULL || out->workflows == NULL)
		return DB_ERROR;
	if ((rc = db_exec(db, &res, STMT_LINK_DELETE, v)) != DB_OK)
		return rc;
	PQclear(res);
	return DB_OK;
}

/*
 * Moves everything of the anonymous user anon to the real user real.
 * DB_NOTFOUND when anon is not an anonymous user or real is not a real
 * one; nothing is changed unless DB_OK is returned.
 */
enum db_rc
db_link_users(struct db *db, struct arena *a, const char *anon,
    const char *real, struct link_result *out)
{
	enum db_rc	rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	if ((rc = link_tx(db, a, anon, real, out)) == DB_OK)
		rc = db_commit(db);
	if (rc != DB_OK)
		db_rollback(db);
	return rc;
}
