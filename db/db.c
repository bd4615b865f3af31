/*
 * One PostgreSQL connection per worker process, opened after fork, with
 * every statement prepared at connect time.  A lost connection is
 * re-established on a later request, with backoff; until then requests
 * get DB_UNAVAILABLE (503) at once instead of waiting.
 */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../fcgi/log.h"
#include "../fcgi/metrics.h"
#include "../fcgi/jsonw.h"
#include "dbi.h"

#define BACKOFF_MIN_MS	50
#define BACKOFF_MAX_MS	1000

struct db {
	PGconn		*conn;
	char		*conninfo;
	int		 ready;		/* connected and set up */
	unsigned char	 prepared[STMT__MAX];	/* on this connection */
	int		 down_logged;
	int		 backoff_ms;
	struct timespec	 next_try;
	unsigned long	 connects;	/* successful ones */
	unsigned long	 reconnects;
	const char	*reqid;
	struct db_channel {
		const char	*name;
		db_notify_fn	 fn;
		void		*arg;
	}		 channels[DB_CHANNELS_MAX];
	size_t		 nchannels;
	int		 heard;		/* every notification since connect
					   was delivered */
	unsigned long	 delivered;	/* notifications delivered, and
					   losses; never 0 */
	int		 ending;	/* the server said it ends the
					   session (an error while idle) */
	PQnoticeReceiver notice_next;
};

static void	deliver(struct db *);
static void	unheard(struct db *);

/*
 * libpq hands an error that arrives while the connection is idle to the
 * notice receiver: the server is ending the session (terminated, shut
 * down), though the socket may not say so yet.  Noted, then shown as
 * libpq would have.
 */
static void
on_notice(void *arg, const PGresult *res)
{
	struct db	*db = arg;
	const char	*sev;

	sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (sev != NULL && (strcmp(sev, "FATAL") == 0 ||
	    strcmp(sev, "PANIC") == 0 || strcmp(sev, "ERROR") == 0))
		db->ending = 1;
	if (db->notice_next != NULL)
		db->notice_next(NULL, res);
}

/* Returns a connection handle that does not connect yet; dies on ENOMEM. */
struct db *
db_new(const char *conninfo)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->conninfo = strdup(conninfo ? conninfo : "")) == NULL)
		fatal("db_new");
	db->delivered = 1;
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	free(db);
}

void
db_set_reqid(struct db *db, const char *id)
{
	db->reqid = id;
}

/* How many times the connection was re-established after the first. */
unsigned long
db_reconnects(const struct db *db)
{
	return db->reconnects;
}

/*
 * Names the current server session: the number changes whenever the
 * connection is replaced (session state such as advisory locks is then
 * gone), and is 0 before the first connection.
 */
unsigned long
db_session(const struct db *db)
{
	return db->ready ? db->connects : 0;
}

/*
 * Opens a connection for conninfo (a URL or key=value string, "" for the
 * PG* environment) with a short connect timeout.  Returns the connection,
 * or NULL with a message in err.  libpq quotes the offending part of a
 * conninfo that does not parse, which may be a password: that case gets
 * a message of ours.  libpq's other messages name no password.
 */
PGconn *
db_connect_raw(const char *conninfo, char *err, size_t errsz)
{
	const char		*keys[] = { "connect_timeout",
				    "application_name", "dbname", NULL };
	const char		*vals[] = { "2", "apconn", conninfo, NULL };
	PQconninfoOption	*opts;
	PGconn			*conn;
	char			*perr = NULL;

	/* Expanded as libpq does: a URL, or anything with an '='. */
	if (conninfo != NULL && (strchr(conninfo, '=') != NULL ||
	    strncmp(conninfo, "postgres://", 11) == 0 ||
	    strncmp(conninfo, "postgresql://", 13) == 0)) {
		if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
			snprintf(err, errsz, "DATABASE_URL does not parse as "
			    "a libpq connection string or URL");
			PQfreemem(perr);
			return NULL;
		}
		PQconninfoFree(opts);
	}
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		snprintf(err, errsz, "%s", PQerrorMessage(conn));
		err[strcspn(err, "\n")] = '\0';
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/*
 * setup_result: reads the result of one pipelined command and the NULL
 * that ends it.  Returns 0 when its status is want, -1 otherwise (the
 * server's message logged under what).
 */
static int
setup_result(PGconn *conn, ExecStatusType want, const char *what)
{
	PGresult	*res;
	const char	*msg;
	int		 ok;

	if ((res = PQgetResult(conn)) == NULL)
		return -1;
	ok = PQresultStatus(res) == want;
	/* The commands after a failed one are only "aborted": not logged. */
	if (!ok && PQresultStatus(res) != PGRES_PIPELINE_ABORTED) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		log_warnx("%s: %s", what, msg != NULL ? msg :
		    PQresStatus(PQresultStatus(res)));
	}
	PQclear(res);
	while ((res = PQgetResult(conn)) != NULL)
		PQclear(res);
	return ok ? 0 : -1;
}

/*
 * Sets the session up in one round trip (a cold worker's first request
 * waits for it): the settings and a LISTEN per channel, sent as one
 * pipeline.  Statements are prepared on their first use (db_exec), so a
 * new backend loads the catalogue entries of what it runs, not of all
 * STMT__MAX.  Returns 0, or -1 with the connection to be dropped.
 */
static int
db_setup(struct db *db)
{
	PGresult	*res;
	char		 sql[96];
	int		 i, rc = 0;

	memset(db->prepared, 0, sizeof(db->prepared));
	if (PQenterPipelineMode(db->conn) != 1)
		return -1;
	if (PQsendQueryParams(db->conn, "SELECT pg_catalog.set_config("
	    "'search_path', '', false), pg_catalog.set_config("
	    "'statement_timeout', '10s', false), pg_catalog.set_config("
	    "'lock_timeout', '5s', false), pg_catalog.set_config("
	    "'plan_cache_mode', 'force_generic_plan', false)",
	    0, NULL, NULL, NULL, NULL, 0) != 1)
		rc = -1;
	for (i = 0; rc == 0 && i < (int)db->nchannels; i++) {
		snprintf(sql, sizeof(sql), "LISTEN %s", db->channels[i].name);
		if (PQsendQueryParams(db->conn, sql, 0, NULL, NULL, NULL,
		    NULL, 0) != 1)
			rc = -1;
	}
	if (rc == -1 || PQpipelineSync(db->conn) != 1)
		return -1;

	/* After a failed command the server skips the rest: read them all. */
	if (setup_result(db->conn, PGRES_TUPLES_OK, "session settings") == -1)
		rc = -1;
	for (i = 0; i < (int)db->nchannels; i++)
		if (setup_result(db->conn, PGRES_COMMAND_OK,
		    db->channels[i].name) == -1)
			rc = -1;
	if ((res = PQgetResult(db->conn)) == NULL ||
	    PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		rc = -1;
	PQclear(res);
	if (PQexitPipelineMode(db->conn) != 1)
		rc = -1;
	return rc;
}

/*
 * Prepares every statement not yet prepared on this connection, in one
 * round trip: what a worker would find wrong only on a route's first
 * use (a schema older or newer than this build).  *total is set to the
 * number of statements.  Returns how many failed to prepare (each logged
 * with the server's message), or -1 when the database is unreachable.
 */
int
db_prepare_all(struct db *db, int *total)
{
	PGresult	*res;
	int		 i, failed = 0, sent = 1;

	*total = STMT__MAX;
	if (db_ensure(db) == -1 || PQenterPipelineMode(db->conn) != 1)
		return -1;
	/* A sync after each: one that fails does not abort the others. */
	for (i = 0; sent && i < STMT__MAX; i++)
		if (!db->prepared[i] && (PQsendPrepare(db->conn,
		    stmts[i].name, stmts[i].sql, stmts[i].nparams,
		    NULL) != 1 || PQpipelineSync(db->conn) != 1))
			sent = 0;
	if (!sent) {
		db->ready = 0;
		return -1;
	}
	for (i = 0; db->ready && i < STMT__MAX; i++) {
		if (db->prepared[i])
			continue;
		if (setup_result(db->conn, PGRES_COMMAND_OK,
		    stmts[i].name) == 0)
			db->prepared[i] = 1;
		else
			failed++;
		if ((res = PQgetResult(db->conn)) == NULL ||
		    PQresultStatus(res) != PGRES_PIPELINE_SYNC)
			db->ready = 0;
		PQclear(res);
	}
	if (PQexitPipelineMode(db->conn) != 1)
		db->ready = 0;
	return db->ready ? failed : -1;
}

static long
ms_until(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 +
	    (t->tv_nsec - now.tv_nsec) / 1000000;
}

static void
db_backoff(struct db *db)
{
	clock_gettime(CLOCK_MONOTONIC, &db->next_try);
	db->backoff_ms = db->backoff_ms == 0 ? BACKOFF_MIN_MS :
	    db->backoff_ms * 2;
	if (db->backoff_ms > BACKOFF_MAX_MS)
		db->backoff_ms = BACKOFF_MAX_MS;
	db->next_try.tv_sec += db->backoff_ms / 1000;
	db->next_try.tv_nsec += (long)(db->backoff_ms % 1000) * 1000000;
	if (db->next_try.tv_nsec >= 1000000000) {
		db->next_try.tv_sec++;
		db->next_try.tv_nsec -= 1000000000;
	}
}

/*
 * Makes sure the connection is up and prepared.  Returns 0, or -1 while
 * the database is unreachable (no attempt is made before the backoff
 * delay has passed, so a down database costs a request nothing).
 */
int
db_ensure(struct db *db)
{
	char		err[256];

	if (db->ready && PQstatus(db->conn) == CONNECTION_OK) {
		/* Notifications collected by earlier queries. */
		deliver(db);
		return 0;
	}
	if (db->heard)
		unheard(db);
	if (db->backoff_ms != 0 && ms_until(&db->next_try) > 0)
		return -1;
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db->ready = 0;
	db->ending = 0;
	if ((db->conn = db_connect_raw(db->conninfo, err, sizeof(err))) !=
	    NULL)
		db->notice_next = PQsetNoticeReceiver(db->conn, on_notice, db);
	if (db->conn == NULL || db_setup(db) == -1) {
		metrics_db(MD_CONNECT_FAILURE);
		if (!db->down_logged)
			log_warnx("database unavailable: %s", db->conn ?
			    "set-up failed" : err);
		db->down_logged = 1;
		if (db->conn != NULL) {
			PQfinish(db->conn);
			db->conn = NULL;
		}
		db_backoff(db);
		return -1;
	}
	if (db->down_logged)
		log_info("database connection restored");
	if (db->connects++ > 0) {
		db->reconnects++;
		metrics_db(MD_RECONNECT);
	}
	db->down_logged = 0;
	db->backoff_ms = 0;
	db->ready = 1;
	unheard(db);		/* changes while away went unheard */
	db->heard = 1;
	return 0;
}

/*
 * Asks for notifications on channel (a constant name) on every connection
 * this handle makes, delivered to fn with arg; call before the first
 * db_ensure().  fn gets channel NULL when notifications may have been
 * missed (the connection was lost or replaced): whatever was kept on
 * their word must be dropped.  Dies when more than DB_CHANNELS_MAX are
 * asked for.
 */
void
db_listen(struct db *db, const char *channel, db_notify_fn fn, void *arg)
{
	if (db->nchannels == DB_CHANNELS_MAX)
		fatalx("db_listen: too many channels");
	db->channels[db->nchannels].name = channel;
	db->channels[db->nchannels].fn = fn;
	db->channels[db->nchannels].arg = arg;
	db->nchannels++;
}

/* Hands the notifications libpq holds to their channels' functions. */
static void
deliver(struct db *db)
{
	PGnotify	*n;
	size_t		 i;

	while ((n = PQnotifies(db->conn)) != NULL) {
		if (++db->delivered == 0)
			db->delivered = 1;
		for (i = 0; i < db->nchannels; i++)
			if (strcmp(n->relname, db->channels[i].name) == 0)
				db->channels[i].fn(db->channels[i].arg,
				    n->relname, n->extra);
		PQfreemem(n);
	}
}

/* Tells every channel that notifications may have been missed. */
static void
unheard(struct db *db)
{
	size_t	i;

	db->heard = 0;
	if (++db->delivered == 0)
		db->delivered = 1;
	for (i = 0; i < db->nchannels; i++)
		db->channels[i].fn(db->channels[i].arg, NULL, NULL);
}

/*
 * A mark of what has been heard: take it before a query whose answer is
 * to be kept, and keep the answer only if the mark is unchanged after it
 * (no notification was delivered in between, which could have been about
 * a change the answer does not show).  0 while notifications are not
 * heard at all: nothing may be kept.  Delivers nothing itself.
 */
unsigned long
db_heard_mark(const struct db *db)
{
	return db->ready && db->heard ? db->delivered : 0;
}

/*
 * Reads what the socket holds, without a round trip, and delivers the
 * notifications that arrived.  Returns 1 when every notification since
 * the connection was made has been delivered (what was kept on their
 * word may be trusted), 0 when the connection is down or was found lost
 * here (the channels were told; db_ensure() will reconnect).
 */
int
db_drain(struct db *db)
{
	if (db->conn == NULL || !db->ready) {
		if (db->heard)
			unheard(db);
		return 0;
	}
	if (PQconsumeInput(db->conn) == 0 ||
	    PQstatus(db->conn) != CONNECTION_OK) {
		db->ready = 0;
		unheard(db);
		return 0;
	}
	deliver(db);	/* parses what arrived: an error sets ending */
	if (db->ending) {
		db->ready = 0;
		unheard(db);
		return 0;
	}
	return db->heard;
}

static enum db_rc
db_failed(struct db *db, const char *what, PGresult *res)
{
	const char	*state, *msg;

	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	/*
	 * No SQLSTATE: libpq's own failure (the server closed the socket,
	 * out of memory), reported before PQstatus() may say so.
	 */
	if (PQstatus(db->conn) != CONNECTION_OK || state == NULL) {
		db->ready = 0;
		unheard(db);
		log_warnx("%s %s: connection lost", db->reqid ? db->reqid :
		    "-", what);
		return DB_UNAVAILABLE;
	}
	if (state != NULL && strncmp(state, "23", 2) == 0)
		return DB_CONFLICT;
	log_warnx("%s %s: %s %s", db->reqid ? db->reqid : "-", what,
	    state ? state : "-", msg ? msg : "-");
	if (state != NULL && (strcmp(state, "25006") == 0 ||
	    strcmp(state, "53100") == 0))
		return DB_READONLY;	/* read-only transaction, disk full */
	if (state != NULL && (strncmp(state, "57P", 3) == 0 ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0)) {
		/* Shutdown, connection or resource trouble. */
		return DB_UNAVAILABLE;
	}
	return DB_ERROR;
}

/*
 * Runs prepared statement s with vals (stmts[s].nparams text values; a
 * NULL is SQL NULL).  On DB_OK *out holds the result, which the caller
 * PQclear()s; on any other code *out is NULL.  Constraint violations are
 * DB_CONFLICT; a lost connection is DB_UNAVAILABLE.
 */
enum db_rc
db_exec(struct db *db, PGresult **out, enum stmt s, const char *const *vals)
{
	return db_exec_format(db, out, s, vals, 0);
}

/*
 * db_exec() with the result in binary (binary 1: each column in its
 * type's send format, PQgetvalue() still NUL-terminating it) or text
 * (binary 0) format.
 */
enum db_rc
db_exec_format(struct db *db, PGresult **out, enum stmt s,
    const char *const *vals, int binary)
{
	PGresult	*res;
	ExecStatusType	 st;
	enum db_rc	 rc;

	assert(s < STMT__MAX);
	*out = NULL;
	if (!db->ready && db_ensure(db) == -1)
		return DB_UNAVAILABLE;
	if (!db->prepared[s]) {
		res = PQprepare(db->conn, stmts[s].name, stmts[s].sql,
		    stmts[s].nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = db_failed(db, stmts[s].name, res);
			PQclear(res);
			return rc;
		}
		PQclear(res);
		db->prepared[s] = 1;
	}
	metrics_statement();
	res = PQexecPrepared(db->conn, stmts[s].name, stmts[s].nparams, vals,
	    NULL, NULL, binary);
	st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		*out = res;
		return DB_OK;
	}
	rc = db_failed(db, stmts[s].name, res);
	PQclear(res);
	return rc;
}

/*
 * db_exec() of a statement that answers one row, or a command that
 * changes rows: DB_NOTFOUND (*out NULL) when it answered or changed none.
 */
enum db_rc
db_exec_one(struct db *db, PGresult **out, enum stmt s,
    const char *const *vals)
{
	enum db_rc	rc;

	if ((rc = db_exec(db, out, s, vals)) != DB_OK)
		return rc;
	if (PQresultStatus(*out) == PGRES_TUPLES_OK ? PQntuples(*out) == 0 :
	    strcmp(PQcmdTuples(*out), "0") == 0) {
		PQclear(*out);
		*out = NULL;
		return DB_NOTFOUND;
	}
	return DB_OK;
}

/* db_exec_one(), its row's first column copied into *text (in a). */
enum db_rc
db_exec_text(struct db *db, struct arena *a, enum stmt s,
    const char *const *vals, char **text)
{
	PGresult	*res;
	enum db_rc	 rc;

	*text = NULL;
	if ((rc = db_exec_one(db, &res, s, vals)) != DB_OK)
		return rc;
	*text = db_copy(a, res, 0, 0);
	PQclear(res);
	return *text != NULL ? DB_OK : DB_ERROR;
}

/* db_exec_text() of a json or jsonb column, copied by db_copy_json(). */
enum db_rc
db_exec_json(struct db *db, struct arena *a, enum stmt s,
    const char *const *vals, char **json)
{
	PGresult	*res;
	enum db_rc	 rc;

	*json = NULL;
	if ((rc = db_exec_one(db, &res, s, vals)) != DB_OK)
		return rc;
	*json = db_copy_json(a, res, 0, 0);
	PQclear(res);
	return *json != NULL ? DB_OK : DB_ERROR;
}

static enum db_rc
db_simple(struct db *db, const char *sql)
{
	PGresult	*res;
	enum db_rc	 rc = DB_OK;

	if (!db->ready && db_ensure(db) == -1)
		return DB_UNAVAILABLE;
	metrics_statement();
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = db_failed(db, sql, res);
	PQclear(res);
	return rc;
}

enum db_rc
db_begin(struct db *db)
{
	return db_simple(db, "BEGIN");
}

enum db_rc
db_commit(struct db *db)
{
	return db_simple(db, "COMMIT");
}

/*
 * A savepoint in the open transaction, so that one failed statement
 * (rolled back to it) does not end the transaction; release it when the
 * statement went through.
 */
enum db_rc
db_savepoint(struct db *db)
{
	return db_simple(db, "SAVEPOINT apconn_step");
}

enum db_rc
db_savepoint_release(struct db *db)
{
	return db_simple(db, "RELEASE SAVEPOINT apconn_step");
}

enum db_rc
db_savepoint_rollback(struct db *db)
{
	return db_simple(db, "ROLLBACK TO SAVEPOINT apconn_step");
}

/* Ends the open transaction, if any; safe on a lost connection. */
void
db_rollback(struct db *db)
{
	PGresult	*res;

	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return;
	if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return;
	res = PQexec(db->conn, "ROLLBACK");
	PQclear(res);
}

/* Returns an arena copy of row/col of res, or NULL for SQL NULL or ENOMEM. */
char *
db_copy(struct arena *a, const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return arena_strndup(a, PQgetvalue(res, row, col),
	    (size_t)PQgetlength(res, row, col));
}

/*
 * db_copy() of a json or jsonb column, its text written as every answer is
 * (compact, jsonw_json()).  NULL for SQL NULL or out of memory.
 */
char *
db_copy_json(struct arena *a, const PGresult *res, int row, int col)
{
	struct jsonw	w;

	if (PQgetisnull(res, row, col))
		return NULL;
	jsonw_init(&w, a, (size_t)PQgetlength(res, row, col) + 1);
	jsonw_json(&w, PQgetvalue(res, row, col));
	return jsonw_done(&w);
}
