/*
 * The original workflow builder's better-auth tables, read when apconn
 * runs beside it (APCONN_AUTH=better-auth): one more connection per
 * worker, to the original's database, opened on the first request that
 * needs it (so never in the master, never across a fork), read only,
 * and reopened with backoff when it goes away.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../fcgi/log.h"
#include "dbi.h"

#define BA_STMT		"apconn_ba_session"
#define BA_BACKOFF_MS	1000

extern const char sql_ba_session[];

static struct {
	PGconn		*conn;
	int		 down_logged;
	struct timespec	 next_try;
} ba;

static int
ba_ready(const char *conninfo)
{
	struct timespec	 now;
	PGresult	*res;
	char		 err[256];

	if (ba.conn != NULL && PQstatus(ba.conn) == CONNECTION_OK)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < ba.next_try.tv_sec || (now.tv_sec ==
	    ba.next_try.tv_sec && now.tv_nsec < ba.next_try.tv_nsec))
		return -1;
	if (ba.conn != NULL)
		PQfinish(ba.conn);
	if ((ba.conn = db_connect_raw(conninfo, err, sizeof(err))) == NULL)
		goto fail;
	res = PQexec(ba.conn, "SET SESSION CHARACTERISTICS AS TRANSACTION "
	    "READ ONLY; SET statement_timeout = '5s'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, sizeof(err), "set-up failed");
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	res = PQprepare(ba.conn, BA_STMT, sql_ba_session, 1, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, sizeof(err), "%s", PQresultErrorField(res,
		    PG_DIAG_MESSAGE_PRIMARY) ? PQresultErrorField(res,
		    PG_DIAG_MESSAGE_PRIMARY) : "prepare failed");
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	if (ba.down_logged)
		log_info("better-auth database connection restored");
	ba.down_logged = 0;
	return 0;
fail:
	if (!ba.down_logged)
		log_warnx("better-auth database unavailable: %s", err);
	ba.down_logged = 1;
	if (ba.conn != NULL) {
		PQfinish(ba.conn);
		ba.conn = NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &ba.next_try);
	ba.next_try.tv_nsec += (long)BA_BACKOFF_MS * 1000000;
	ba.next_try.tv_sec += ba.next_try.tv_nsec / 1000000000;
	ba.next_try.tv_nsec %= 1000000000;
	return -1;
}

/*
 * Looks up a better-auth session token in the original's database at
 * conninfo.  DB_OK fills s (arena copies), DB_NOTFOUND when no session
 * has that token, DB_UNAVAILABLE when the database cannot be reached.
 */
enum db_rc
db_ba_session(const char *conninfo, struct arena *a, const char *token,
    struct ba_session *s)
{
	const char	*v[1] = { token };
	PGresult	*res;
	enum db_rc	 rc = DB_OK;

	memset(s, 0, sizeof(*s));
	if (ba_ready(conninfo) == -1)
		return DB_UNAVAILABLE;
	res = PQexecPrepared(ba.conn, BA_STMT, 1, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (PQstatus(ba.conn) != CONNECTION_OK) {
			rc = DB_UNAVAILABLE;
			PQfinish(ba.conn);
			ba.conn = NULL;
		} else {
			log_warnx("better-auth session lookup: %s",
			    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) ?
			    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
			    "-");
			rc = DB_ERROR;
		}
	} else if (PQntuples(res) == 0)
		rc = DB_NOTFOUND;
	else {
		s->session_id = db_copy(a, res, 0, 0);
		s->user_id = db_copy(a, res, 0, 1);
		s->email = db_copy(a, res, 0, 2);
		s->name = db_copy(a, res, 0, 3);
		s->anonymous = *PQgetvalue(res, 0, 4) == 't';
		s->expired = *PQgetvalue(res, 0, 5) == 't';
		if (s->session_id == NULL || s->user_id == NULL)
			rc = DB_ERROR;
	}
	PQclear(res);
	return rc;
}

/* Makes the apconn user of a better-auth user on first sight (ba_user.sql). */
enum db_rc
db_ba_user(struct db *db, const struct ba_session *s)
{
	const char	*v[4] = { s->user_id, s->email, s->name,
	    s->anonymous ? "t" : "f" };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_BA_USER, v)) == DB_OK)
		PQclear(res);
	return rc;
}
