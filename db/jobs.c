/*
 * Background job bookkeeping: a session advisory lock per job, so one
 * run at a time per database whatever the number of hosts, and a row per
 * run for operators.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "dbi.h"

static int
one_bool(struct db *db, enum stmt s, long long key)
{
	char		 k[32];
	const char	*v[1] = { k };
	PGresult	*res;
	int		 t;

	snprintf(k, sizeof(k), "%lld", key);
	if (db_exec(db, &res, s, v) != DB_OK)
		return 0;
	t = PQntuples(res) == 1 && *PQgetvalue(res, 0, 0) == 't';
	PQclear(res);
	return t;
}

/* Returns 1 when this session took the job's lock, 0 when another holds it. */
int
db_job_lock(struct db *db, long long key)
{
	return one_bool(db, STMT_JOB_LOCK, key);
}

void
db_job_unlock(struct db *db, long long key)
{
	(void)one_bool(db, STMT_JOB_UNLOCK, key);
}

/* Records one run of job on host, started at epoch seconds started. */
enum db_rc
db_job_record(struct db *db, const char *job, const char *host,
    double started, int ok, const char *summary)
{
	char		 t[64];
	const char	*v[5] = { job, host, t, ok ? "t" : "f", summary };
	PGresult	*res;
	enum db_rc	 rc;

	snprintf(t, sizeof(t), "%.3f", started);
	if ((rc = db_exec(db, &res, STMT_JOB_RECORD, v)) == DB_OK)
		PQclear(res);
	return rc;
}

/* When job's last run on any host finished (epoch seconds, 0: never). */
enum db_rc
db_job_last_at(struct db *db, const char *job, long long *when)
{
	const char	*v[1] = { job };
	PGresult	*res;
	enum db_rc	 rc;

	*when = 0;
	if ((rc = db_exec(db, &res, STMT_JOB_LAST_AT, v)) != DB_OK)
		return rc;
	if (PQntuples(res) == 1)
		*when = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return DB_OK;
}

/*
 * How long ago job's last run on any host started, in seconds by the
 * database's clock (so that no two hosts' clocks are compared), and
 * whether it succeeded: DB_OK, or DB_NOTFOUND when it never ran.
 */
enum db_rc
db_job_since(struct db *db, const char *job, double *since, int *ok)
{
	const char	*v[1] = { job };
	PGresult	*res;
	enum db_rc	 rc;

	*since = 0;
	*ok = 0;
	if ((rc = db_exec(db, &res, STMT_JOB_SINCE, v)) != DB_OK)
		return rc;
	if (PQntuples(res) == 1) {
		*since = strtod(PQgetvalue(res, 0, 0), NULL);
		*ok = *PQgetvalue(res, 0, 1) == 't';
	} else
		rc = DB_NOTFOUND;
	PQclear(res);
	return rc;
}

/* The last run of every job, as a JSON object (arena). */
enum db_rc
db_job_last(struct db *db, struct arena *a, char **json)
{
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_JOB_LAST, NULL)) != DB_OK)
		return rc;
	*json = db_copy(a, res, 0, 0);
	PQclear(res);
	return *json ? DB_OK : DB_ERROR;
}
