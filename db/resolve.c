/*
 * The executor's credential resolution: one statement that finds the
 * workflow's owner, whether the workflow references the external id and
 * the owner's connection of that id, and writes the audit row when it can
 * decide the outcome; and the audit row the worker writes when it could
 * not (a value that must be opened, or refreshed, first).
 */
#include "config.h"

#include <string.h>

#include "dbi.h"

/*
 * Fills *t for workflow wf and external id ext (node: NULL for any node)
 * and, when the outcome can be decided without opening the value, writes
 * the audit row au (its execution_id and key_id are used) in the same
 * statement: t->outcome is then set and t->audited is 1.  Strings are in
 * a.  Returns DB_OK (t->owner is "" when the workflow does not exist), or
 * the failure, in which case no row was written.
 */
enum db_rc
db_cred_resolve(struct db *db, struct arena *a, const char *wf,
    const char *ext, const char *node, const struct cred_audit *au,
    struct cred_target *t)
{
	const char	*v[5] = { wf, ext, node, au->execution_id,
	    au->key_id };
	PGresult	*res;
	enum db_rc	 rc;

	memset(t, 0, sizeof(*t));
	if ((rc = db_exec(db, &res, STMT_CRED_RESOLVE, v)) != DB_OK)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return DB_ERROR;
	}
	t->owner = db_copy(a, res, 0, 0);
	t->referenced = *PQgetvalue(res, 0, 1) == 't';
	if (!PQgetisnull(res, 0, 2)) {
		t->id = db_copy(a, res, 0, 2);
		t->type = db_copy(a, res, 0, 3);
		t->piece_name = db_copy(a, res, 0, 4);
		t->status = db_copy(a, res, 0, 5);
		t->sealed.kid = db_copy(a, res, 0, 6);
		t->sealed.iv = db_copy(a, res, 0, 7);
		t->sealed.ct = db_copy(a, res, 0, 8);
		t->sealed.tag = db_copy(a, res, 0, 9);
		t->sealed.type = t->type;
		t->sealed.status = t->status;
	}
	t->outcome = db_copy(a, res, 0, 10);
	t->audited = *PQgetvalue(res, 0, 11) == 't';
	t->keys = db_copy(a, res, 0, 12);
	t->due = db_copy(a, res, 0, 13);
	PQclear(res);
	if (t->owner == NULL || (t->id != NULL && (t->type == NULL ||
	    t->status == NULL)) || (t->audited && t->outcome == NULL))
		return DB_ERROR;
	return DB_OK;
}

/* Writes the audit row of one resolution.  Returns DB_OK or the failure. */
enum db_rc
db_cred_audit(struct db *db, const struct cred_audit *au)
{
	const char	*v[12] = { au->execution_id, au->node_id,
	    au->piece_name, au->keys, au->source, au->workflow_id,
	    au->connection_id, au->external_id, au->owner, au->key_id,
	    au->outcome, au->refresh_failure };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_CRED_AUDIT, v)) == DB_OK)
		PQclear(res);
	return rc;
}
