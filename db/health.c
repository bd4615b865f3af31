/* Reachability check for GET /api/health. */
#include "config.h"

#include "dbi.h"

enum db_rc
db_ping(struct db *db)
{
	PGresult	*res;
	enum db_rc	 rc;

	if (db_ensure(db) == -1)
		return DB_UNAVAILABLE;
	if ((rc = db_exec(db, &res, STMT_PING, NULL)) == DB_OK)
		PQclear(res);
	return rc;
}
