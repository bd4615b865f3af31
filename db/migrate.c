/*
 * The migrations runner.  Migrations are the files of sql/migrations,
 * compiled in (db/migrations.c), applied in order, each in its own
 * transaction, and recorded in apconn.schema_migrations.  An advisory lock
 * makes concurrent runs wait for each other, so running it twice, or on
 * two hosts at once, is safe.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dbi.h"

#define MIGRATE_LOCK	"7021827498203715584"	/* any constant key */

struct migration {
	const char	*version;
	const char	*sql;
};
extern const struct migration migrations[];

static int
exec_ok(PGconn *conn, const char *sql, char *err, size_t errsz)
{
	PGresult	*res;
	ExecStatusType	 st;
	const char	*msg;

	res = PQexec(conn, sql);
	st = PQresultStatus(res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(res);
		return 0;
	}
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	snprintf(err, errsz, "%s", msg ? msg : PQerrorMessage(conn));
	PQclear(res);
	return -1;
}

static int
applied(PGconn *conn, const char *version)
{
	const char	*vals[1] = { version };
	PGresult	*res;
	int		 n;

	res = PQexecParams(conn, "SELECT 1 FROM apconn.schema_migrations "
	    "WHERE version = $1", 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	PQclear(res);
	return n > 0;
}

/*
 * Applies every migration not yet recorded (or, with dry set, only
 * reports them).  say() receives one line per event.  Returns the number
 * of migrations pending after the run (0 when up to date), or -1 on error.
 */
int
db_migrate(const char *conninfo, int dry, void (*say)(const char *))
{
	PGconn		*conn;
	PGresult	*res;
	char		 err[512], line[640];
	const char	*vals[1];
	int		 i, a, pending = 0, rc = -1;

	if ((conn = db_connect_raw(conninfo, err, sizeof(err))) == NULL) {
		snprintf(line, sizeof(line), "cannot connect: %s", err);
		say(line);
		return -1;
	}
	if (exec_ok(conn, "SET client_min_messages = warning", err,
	    sizeof(err)) == -1 ||
	    exec_ok(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", err,
	    sizeof(err)) == -1 ||
	    exec_ok(conn, "CREATE SCHEMA IF NOT EXISTS apconn", err,
	    sizeof(err)) == -1 ||
	    exec_ok(conn, "CREATE TABLE IF NOT EXISTS apconn.schema_migrations "
	    "(version text PRIMARY KEY, applied_at timestamptz NOT NULL "
	    "DEFAULT now())", err, sizeof(err)) == -1)
		goto fail;
	for (i = 0; migrations[i].version != NULL; i++) {
		if ((a = applied(conn, migrations[i].version)) == -1) {
			snprintf(err, sizeof(err), "cannot read "
			    "schema_migrations");
			goto fail;
		}
		if (a)
			continue;
		if (dry) {
			snprintf(line, sizeof(line), "pending %s",
			    migrations[i].version);
			say(line);
			pending++;
			continue;
		}
		if (exec_ok(conn, "BEGIN", err, sizeof(err)) == -1)
			goto fail;
		if (exec_ok(conn, migrations[i].sql, err, sizeof(err)) == -1) {
			PQclear(PQexec(conn, "ROLLBACK"));
			snprintf(line, sizeof(line), "%s failed: %s",
			    migrations[i].version, err);
			say(line);
			goto out;
		}
		vals[0] = migrations[i].version;
		res = PQexecParams(conn, "INSERT INTO apconn.schema_migrations "
		    "(version) VALUES ($1)", 1, NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			PQclear(res);
			PQclear(PQexec(conn, "ROLLBACK"));
			snprintf(err, sizeof(err), "cannot record %s",
			    migrations[i].version);
			goto fail;
		}
		PQclear(res);
		if (exec_ok(conn, "COMMIT", err, sizeof(err)) == -1)
			goto fail;
		snprintf(line, sizeof(line), "applied %s",
		    migrations[i].version);
		say(line);
	}
	if (pending == 0)
		say("schema is up to date");
	rc = pending;
	goto out;
fail:
	snprintf(line, sizeof(line), "migrate: %s", err);
	say(line);
out:
	PQfinish(conn);
	return rc;
}
