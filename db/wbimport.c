/*
 * Importing an original workflow builder's database (apconn-admin
 * import-workflow-builder): reading its tables over a second, read-only
 * connection, and writing users, connections and workflows into apconn
 * under their original ids.  Rows cross as JSON text; the source is read
 * one row at a time, so a large table never sits in memory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbi.h"

extern const char sql_wb_src_has[];
extern const char sql_wb_src_users[];
extern const char sql_wb_src_integrations[];
extern const char sql_wb_src_connections[];
extern const char sql_wb_src_workflows[];

struct wbsrc {
	PGconn	*conn;
};

/*
 * Opens the original's database (a libpq conninfo or URL) in one
 * read-only, repeatable-read transaction, so that every table is read
 * from the same snapshot and nothing can be written there, with times
 * rendered in UTC.  Returns the handle, or NULL with a message in err
 * (libpq's, which names no password).
 */
struct wbsrc *
wbsrc_open(const char *conninfo, char *err, size_t errsz)
{
	struct wbsrc	*s;
	PGresult	*res;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if ((s->conn = db_connect_raw(conninfo, err, errsz)) == NULL) {
		free(s);
		return NULL;
	}
	res = PQexec(s->conn, "SET TIME ZONE 'UTC'; BEGIN ISOLATION LEVEL "
	    "REPEATABLE READ READ ONLY");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errsz, "%s", PQerrorMessage(s->conn));
		err[strcspn(err, "\n")] = '\0';
		PQclear(res);
		wbsrc_close(s);
		return NULL;
	}
	PQclear(res);
	return s;
}

void
wbsrc_close(struct wbsrc *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL)
		PQfinish(s->conn);
	free(s);
}

/* Whether public.<table> exists there: 1 or 0, or -1 on an error. */
int
wbsrc_has(struct wbsrc *s, const char *table)
{
	const char	*v[1] = { table };
	PGresult	*res;
	int		 rc = -1;

	res = PQexecParams(s->conn, sql_wb_src_has, 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		rc = *PQgetvalue(res, 0, 0) == 't';
	PQclear(res);
	return rc;
}

/*
 * Calls fn(row, arg) for each row of one of the original's tables
 * (WB_USERS, ...) as JSON text, in id order.  Returns 0 once every row
 * was handed over, or -1 with a message in err when the read failed
 * (rows before the failure were handed over).
 */
int
wbsrc_rows(struct wbsrc *s, enum wb_table t, void (*fn)(const char *,
    void *), void *arg, char *err, size_t errsz)
{
	static const char *const sql[] = {
		[WB_USERS] = sql_wb_src_users,
		[WB_INTEGRATIONS] = sql_wb_src_integrations,
		[WB_CONNECTIONS] = sql_wb_src_connections,
		[WB_WORKFLOWS] = sql_wb_src_workflows,
	};
	PGresult	*res;
	int		 rc = 0;

	if (!PQsendQuery(s->conn, sql[t]) || !PQsetSingleRowMode(s->conn)) {
		snprintf(err, errsz, "%s", PQerrorMessage(s->conn));
		err[strcspn(err, "\n")] = '\0';
		return -1;
	}
	while ((res = PQgetResult(s->conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
			if (!PQgetisnull(res, 0, 0))
				fn(PQgetvalue(res, 0, 0), arg);
			break;
		case PGRES_TUPLES_OK:
			break;
		default:
			if (rc == 0) {
				snprintf(err, errsz, "%s",
				    PQresultErrorMessage(res));
				err[strcspn(err, "\n")] = '\0';
			}
			rc = -1;
			break;
		}
		PQclear(res);
	}
	return rc;
}

/* Runs s and copies its one text answer into out (outsz bytes). */
static enum db_rc
outcome(struct db *db, enum stmt s, const char *const *v, char *out,
    size_t outsz)
{
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, s, v)) != DB_OK)
		return rc;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		rc = DB_ERROR;
	else
		snprintf(out, outsz, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/*
 * Whether the original's table row id is in apconn already ("present",
 * now recorded as taken), was taken by an import and deleted in apconn
 * since ("deleted"), or neither ("new"), in *out (wb_seen.sql).
 */
enum db_rc
db_wb_seen(struct db *db, const char *table, const char *id, char *out,
    size_t outsz)
{
	const char	*v[2] = { table, id };

	return outcome(db, STMT_WB_SEEN, v, out, outsz);
}

/* Records that the original's table row id was imported. */
enum db_rc
db_wb_took(struct db *db, const char *table, const char *id)
{
	const char	*v[2] = { table, id };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_WB_TOOK, v)) == DB_OK)
		PQclear(res);
	return rc;
}

/* Inserts u unless its id is there; *out says what happened (wb_user.sql). */
enum db_rc
db_wb_user(struct db *db, const struct wb_user *u, char *out, size_t outsz)
{
	const char	*v[7] = { u->id, u->email, u->name, u->image,
	    u->anonymous, u->created_at, u->updated_at };

	return outcome(db, STMT_WB_USER, v, out, outsz);
}

/* Inserts w unless its id is there; *out says what happened (wb_conn.sql). */
enum db_rc
db_wb_conn(struct db *db, const struct conn_write *w,
    const struct wb_conn_extra *x, char *out, size_t outsz)
{
	const char	*v[18] = { w->id, w->owner, w->external_id,
	    w->display_name, w->piece_name, w->piece_version, w->type,
	    w->status, w->value.kid, w->value.iv, w->value.ct, w->value.tag,
	    w->metadata, x->scope, x->project_ids, x->platform_id,
	    x->created_at, x->updated_at };

	return outcome(db, STMT_WB_CONN, v, out, outsz);
}

/*
 * Inserts w unless its id is there, then rebuilds its connection
 * references if they differ from its nodes'; *out says what happened to
 * the row (wb_workflow.sql), *nrefs how many references were written.
 */
enum db_rc
db_wb_workflow(struct db *db, const struct wb_workflow *w, char *out,
    size_t outsz, long *nrefs)
{
	const char	*v[12] = { w->id, w->owner, w->name, w->description,
	    w->nodes, w->edges, w->visibility, w->engine_type,
	    w->dapr_workflow_name, w->dapr_orchestrator_url, w->created_at,
	    w->updated_at };
	const char	*r[1] = { w->id };
	PGresult	*res;
	enum db_rc	 rc;

	*nrefs = 0;
	if ((rc = outcome(db, STMT_WB_WORKFLOW, v, out, outsz)) != DB_OK ||
	    strcmp(out, "no_owner") == 0)
		return rc;
	if ((rc = db_exec(db, &res, STMT_WB_REFS, r)) != DB_OK)
		return rc;
	if (PQntuples(res) == 1)
		*nrefs = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return DB_OK;
}
