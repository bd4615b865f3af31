/* The piece catalogue: summaries and full metadata, as JSON text. */
#include "config.h"

#include "dbi.h"

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
	*json = db_copy(a, res, 0, 0);
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

	if ((rc = db_exec(db, &res, STMT_PIECE_GET, v)) != DB_OK)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return DB_NOTFOUND;
	}
	*json = db_copy(a, res, 0, 0);
	PQclear(res);
	return *json ? DB_OK : DB_ERROR;
}
