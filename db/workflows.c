/*
 * Workflows.  A save and the rewrite of the workflow's connection
 * references happen in one transaction, so "which workflows use this
 * connection" is always one indexed query and never stale.
 */
#include "config.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "dbi.h"

/*
 * A page of the owner's workflows as a JSON array (*json), after the
 * cursor (time in microseconds and id; NULL for the first page), of at
 * most limit rows and, but for its first row, budget bytes.  When more
 * rows follow, *next_t and *next_id (arena) are the next cursor's, else
 * NULL.
 */
enum db_rc
db_wf_list(struct db *db, struct arena *a, const struct wf_page *q,
    char **json, char **next_t, char **next_id)
{
	char		 lim[16], bud[24];
	const char	*v[5] = { q->owner, q->cursor_time, q->cursor_id, lim,
			    bud };
	PGresult	*res;
	enum db_rc	 rc;

	*json = *next_t = *next_id = NULL;
	snprintf(lim, sizeof(lim), "%ld", q->limit);
	snprintf(bud, sizeof(bud), "%ld", q->budget);
	if ((rc = db_exec(db, &res, STMT_WF_LIST, v)) != DB_OK)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return DB_ERROR;
	}
	*json = db_copy_json(a, res, 0, 0);
	*next_t = db_copy(a, res, 0, 1);
	*next_id = db_copy(a, res, 0, 2);
	PQclear(res);
	return *json != NULL ? DB_OK : DB_ERROR;
}

/* *foreign = 1 when a node's integrationId is another user's connection. */
enum db_rc
db_wf_foreign_refs(struct db *db, const char *nodes, const char *owner,
    int *foreign)
{
	const char	*v[2] = { nodes, owner };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_WF_FOREIGN_REFS, v)) != DB_OK)
		return rc;
	*foreign = PQntuples(res) == 1 && *PQgetvalue(res, 0, 0) == 't';
	PQclear(res);
	return DB_OK;
}

enum db_rc
db_wf_count(struct db *db, struct arena *a, const char *owner, long *n)
{
	const char	*v[1] = { owner };
	char		*t;
	enum db_rc	 rc;

	if ((rc = db_exec_text(db, a, STMT_WF_COUNT, v, &t)) == DB_OK)
		*n = strtol(t, NULL, 10);
	return rc;
}

/*
 * Takes the owner's references lock for the rest of the transaction
 * (refs_lock.sql): a save and a delete-if-unreferenced of one owner's
 * rows never interleave.
 */
enum db_rc
db_refs_lock(struct db *db, const char *owner)
{
	const char	*v[1] = { owner };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_REFS_LOCK, v)) == DB_OK)
		PQclear(res);
	return rc;
}

static enum db_rc
refs(struct db *db, const char *id, const char *owner)
{
	const char	*v[2] = { id, owner };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_WF_REFS, v)) == DB_OK)
		PQclear(res);
	return rc;
}

/* Creates w with its references; *json is the row. */
enum db_rc
db_wf_create(struct db *db, struct arena *a, const struct wf_write *w,
    char **json)
{
	const char	*v[6] = { w->id, w->owner, w->name, w->description,
	    w->nodes, w->edges };
	enum db_rc	 rc;

	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	if ((rc = db_refs_lock(db, w->owner)) == DB_OK &&
	    (rc = db_exec_json(db, a, STMT_WF_INSERT, v, json)) == DB_OK &&
	    (rc = refs(db, w->id, w->owner)) == DB_OK)
		rc = db_commit(db);
	if (rc != DB_OK)
		db_rollback(db);
	return rc;
}

/* The workflow id (JSON), its owner and its visibility. */
enum db_rc
db_wf_get(struct db *db, struct arena *a, const char *id, char **json,
    char **owner, char **visibility)
{
	const char	*v[1] = { id };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_WF_GET, v)) != DB_OK)
		return rc;
	*json = db_copy_json(a, res, 0, 0);
	*owner = db_copy(a, res, 0, 1);
	*visibility = db_copy(a, res, 0, 2);
	PQclear(res);
	return *json && *owner ? DB_OK : DB_ERROR;
}

/* Updates the owner's workflow w->id and rewrites its references. */
enum db_rc
db_wf_update(struct db *db, struct arena *a, const struct wf_write *w,
    char **json)
{
	const char	*v[7] = { w->id, w->owner, w->name, w->description,
	    w->nodes, w->edges, w->visibility };
	enum db_rc	 rc;

	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	if ((rc = db_refs_lock(db, w->owner)) == DB_OK &&
	    (rc = db_exec_json(db, a, STMT_WF_UPDATE, v, json)) == DB_OK &&
	    (rc = refs(db, w->id, w->owner)) == DB_OK)
		rc = db_commit(db);
	if (rc != DB_OK)
		db_rollback(db);
	return rc;
}

/* Deletes the owner's workflow; its references go with it (cascade). */
enum db_rc
db_wf_delete(struct db *db, const char *id, const char *owner)
{
	const char	*v[2] = { id, owner };
	PGresult	*res;
	enum db_rc	 rc;
	int		 n;

	if ((rc = db_exec(db, &res, STMT_WF_DELETE, v)) != DB_OK)
		return rc;
	n = atoi(PQcmdTuples(res));
	PQclear(res);
	return n > 0 ? DB_OK : DB_NOTFOUND;
}

/* The name a copy takes: base, or "base N" for the first N >= 2 free. */
enum db_rc
db_wf_copy_name(struct db *db, struct arena *a, const char *owner,
    const char *base, char **name)
{
	const char	*v[2] = { owner, base };

	return db_exec_text(db, a, STMT_WF_COPY_NAME, v, name);
}

/* The owner's autosave row ({id, nodes, edges}) and its id; DB_NOTFOUND. */
enum db_rc
db_wf_current(struct db *db, struct arena *a, const char *owner, char **json,
    char **id)
{
	const char	*v[1] = { owner };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_WF_CURRENT, v)) != DB_OK)
		return rc;
	*json = db_copy_json(a, res, 0, 0);
	*id = db_copy(a, res, 0, 1);
	PQclear(res);
	return *json && *id ? DB_OK : DB_ERROR;
}

/* *json: the connection problems of owner's nodes (JSON array text). */
enum db_rc
db_wf_issues(struct db *db, struct arena *a, const char *nodes,
    const char *owner, char **json)
{
	const char	*v[2] = { nodes, owner };

	return db_exec_json(db, a, STMT_WF_ISSUES, v, json);
}

/* The owner of workflow id and its nodes' connection problems. */
enum db_rc
db_wf_validate(struct db *db, struct arena *a, const char *id, char **owner,
    char **json)
{
	const char	*v[1] = { id };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_WF_VALIDATE, v)) != DB_OK)
		return rc;
	*owner = db_copy(a, res, 0, 0);
	*json = db_copy_json(a, res, 0, 1);
	PQclear(res);
	return *owner && *json ? DB_OK : DB_ERROR;
}
