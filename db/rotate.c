/*
 * Key rotation and imports: reading sealed values in batches, replacing
 * one only when nobody wrote it meanwhile, and inserting connections
 * under their original ids.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dbi.h"

/* The tables that hold sealed values, in the order they are rotated. */
const char *const sealed_tables[] = {
	"app_connection", "oauth_app", "oauth2_state",
	"webhook_endpoint", NULL
};

/*
 * The next batch (at most limit rows, keys after `after`) of table's
 * sealed values not sealed under kid (NULL: every value), each with the
 * AAD it was sealed with.  *rows lives in the arena.
 */
enum db_rc
db_rotate_batch(struct db *db, struct arena *a, const char *table,
    const char *kid, const char *after, int limit, struct sealed_row **rows,
    size_t *n)
{
	char		 lim[16];
	const char	*v[4] = { kid, after, lim, table };
	PGresult	*res;
	enum db_rc	 rc;
	int		 i;

	*rows = NULL;
	*n = 0;
	snprintf(lim, sizeof(lim), "%d", limit);
	if ((rc = db_exec(db, &res, STMT_ROTATE_BATCH, v)) != DB_OK)
		return rc;
	if (PQntuples(res) > 0 && (*rows = arena_alloc(a,
	    (size_t)PQntuples(res) * sizeof(**rows))) == NULL) {
		PQclear(res);
		return DB_ERROR;
	}
	for (i = 0; i < PQntuples(res); i++) {
		(*rows)[i].id = db_copy(a, res, i, 0);
		(*rows)[i].aad = db_copy(a, res, i, 1);
		(*rows)[i].kid = db_copy(a, res, i, 2);
		(*rows)[i].iv = db_copy(a, res, i, 3);
		(*rows)[i].ct = db_copy(a, res, i, 4);
		(*rows)[i].tag = db_copy(a, res, i, 5);
	}
	*n = (size_t)PQntuples(res);
	PQclear(res);
	return DB_OK;
}

/*
 * Replaces the sealed value of table's row key if its ciphertext is still
 * old_ct; else DB_NOTFOUND.
 */
enum db_rc
db_rotate_update(struct db *db, const char *table, const char *key,
    const char *old_ct, const struct sealed_ref *s)
{
	const char	*v[7] = { key, old_ct, s->kid, s->iv, s->ct, s->tag,
			    table };
	PGresult	*res;
	enum db_rc	 rc;
	int		 changed;

	if ((rc = db_exec(db, &res, STMT_ROTATE_UPDATE, v)) != DB_OK)
		return rc;
	changed = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0),
	    "1") == 0;
	PQclear(res);
	return changed ? DB_OK : DB_NOTFOUND;
}

/* Inserts w under its own id; DB_NOTFOUND when the id or external id exists. */
enum db_rc
db_conn_import(struct db *db, const struct conn_write *w,
    const char *created_at)
{
	const char	*v[14] = { w->id, w->owner, w->external_id,
	    w->display_name, w->piece_name, w->piece_version, w->type,
	    w->status, w->value.kid, w->value.iv, w->value.ct, w->value.tag,
	    w->metadata, created_at };
	PGresult	*res;
	enum db_rc	 rc;
	int		 n;

	if ((rc = db_exec(db, &res, STMT_CONN_IMPORT, v)) != DB_OK)
		return rc;
	n = PQntuples(res);
	PQclear(res);
	return n == 1 ? DB_OK : DB_NOTFOUND;
}
