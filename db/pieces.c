/* The piece catalogue: summaries and full metadata, as JSON text. */
#include "config.h"

#include <string.h>

#include "dbi.h"
#include "token.h"

/* The summaries matching q, as a JSON array (arena). */
enum db_rc
db_piece_list(struct db *db, struct arena *a, const struct piece_query *q,
    char **json)
{
	const char	*v[5] = { q->words, q->categories, q->sort, q->order,
	    q->limit };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_PIECE_LIST, v)) != DB_OK)
		return rc;
	*json = db_copy_json(a, res, 0, 0);
	PQclear(res);
	return *json ? DB_OK : DB_ERROR;
}

/*
 * The newest version of piece name that equals exact (NULL: any) and lies
 * in [lo, hi) (semver key literals, NULL: unbounded); DB_NOTFOUND if none.
 */
enum db_rc
db_piece_get(struct db *db, struct arena *a, const char *name,
    const char *exact, const char *lo, const char *hi, char **json)
{
	const char	*v[4] = { name, exact, lo, hi };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_PIECE_GET, v)) != DB_OK)
		return rc;
	*json = db_copy_json(a, res, 0, 0);
	PQclear(res);
	return *json ? DB_OK : DB_ERROR;
}

/*
 * Stores the upstream piece doc (JSON text) under short name name.
 * *outcome: 1 inserted, 2 updated, 0 unchanged.  DB_ERROR for a document
 * PostgreSQL refuses (no version, a bad time).
 */
enum db_rc
db_piece_upsert(struct db *db, const char *name, const char *doc,
    int *outcome)
{
	char		 id[ID_LEN + 1];
	const char	*v[3] = { id, name, doc };
	PGresult	*res;
	enum db_rc	 rc;

	if (id_new(id) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, &res, STMT_PIECE_UPSERT, v)) != DB_OK)
		return rc;
	*outcome = PQntuples(res) == 0 ? 0 :
	    *PQgetvalue(res, 0, 0) == 't' ? 1 : 2;
	PQclear(res);
	return DB_OK;
}

/* *known = 1 when name@version is stored and as new as updated says. */
enum db_rc
db_piece_known(struct db *db, const char *name, const char *version,
    const char *updated, int *known)
{
	const char	*v[3] = { name, version, updated };
	PGresult	*res;
	enum db_rc	 rc;

	*known = 0;
	if ((rc = db_exec(db, &res, STMT_PIECE_KNOWN, v)) != DB_OK)
		return rc;
	*known = PQntuples(res) == 1 && *PQgetvalue(res, 0, 0) == 't';
	PQclear(res);
	return DB_OK;
}
