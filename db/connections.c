/*
 * App connections.  Every statement takes the owner's id and matches on
 * it, so a connection of another user is DB_NOTFOUND, never a row: the
 * owner always comes from the authenticated principal.  A connection is
 * written as JSON by one function, db_conn_json(), from the columns every
 * statement that answers connections returns first, in binary format.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fcgi/jsonw.h"
#include "dbi.h"

/* Microseconds between the Unix epoch and PostgreSQL's, 2000-01-01. */
#define PG_EPOCH_MICROS	946684800000000LL

/* A bigint or timestamptz column in binary format (8 bytes, big end). */
static long long
bin_int8(const PGresult *res, int row, int col)
{
	const unsigned char	*p;
	uint64_t		 v = 0;
	int			 i;

	if (PQgetlength(res, row, col) != 8)
		return 0;
	p = (const unsigned char *)PQgetvalue(res, row, col);
	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (long long)v;
}

/* A timestamptz column in binary format, in microseconds since 1970. */
static long long
bin_micros(const PGresult *res, int row, int col)
{
	return bin_int8(res, row, col) + PG_EPOCH_MICROS;
}

/*
 * A jsonb column in binary format: a version byte (1), then the text.
 * Returns the text, or "null" for another version.
 */
static const char *
bin_jsonb(const PGresult *res, int row, int col)
{
	const char	*p = PQgetvalue(res, row, col);

	return PQgetlength(res, row, col) >= 1 && *p == 1 ? p + 1 : "null";
}

/* The columns of a connection that start each answering statement's row. */
#define CONN_COLS	16

/*
 * Writes the connection in row i of res (its first CONN_COLS columns, in
 * binary format, in conn_list.sql's order) as a JSON object.  Returns its
 * creation time in microseconds since 1970.
 */
static long long
db_conn_json(struct jsonw *w, const PGresult *res, int i)
{
	static const char *const keys[] = { "{\"id\":", ",\"externalId\":",
	    ",\"displayName\":", ",\"pieceName\":", ",\"pieceVersion\":",
	    ",\"type\":", ",\"status\":", ",\"scope\":" };
	long long	 t;
	int		 k;

	for (k = 0; k < 8; k++) {
		if (k == 7) {	/* after status */
			jsonw_lit(w, ",\"statusReason\":");
			jsonw_str_or_null(w, PQgetisnull(res, i, 14) ?
			    NULL : PQgetvalue(res, i, 14));
			jsonw_lit(w, ",\"statusAt\":");
			if (PQgetisnull(res, i, 15))
				jsonw_lit(w, "null");
			else
				jsonw_iso_micros(w, bin_micros(res, i, 15));
		}
		jsonw_lit(w, keys[k]);
		jsonw_str(w, PQgetvalue(res, i, k));
	}
	jsonw_lit(w, ",\"projectIds\":");
	jsonw_json(w, bin_jsonb(res, i, 8));
	jsonw_lit(w, ",\"platformId\":");
	jsonw_str_or_null(w, PQgetisnull(res, i, 9) ? NULL :
	    PQgetvalue(res, i, 9));
	jsonw_lit(w, ",\"ownerId\":");
	jsonw_str(w, PQgetvalue(res, i, 10));
	jsonw_lit(w, ",\"metadata\":");
	jsonw_json(w, PQgetisnull(res, i, 11) ? "null" :
	    bin_jsonb(res, i, 11));
	jsonw_lit(w, ",\"createdAt\":");
	t = bin_micros(res, i, 12);
	jsonw_iso_micros(w, t);
	jsonw_lit(w, ",\"updatedAt\":");
	jsonw_iso_micros(w, bin_micros(res, i, 13));
	jsonw_lit(w, "}");
	return t;
}

/*
 * Runs statement s, which answers at most one connection, and writes it
 * into *json (a).  DB_NOTFOUND when it answered none.
 */
static enum db_rc
db_conn_one(struct db *db, struct arena *a, enum stmt s,
    const char *const *v, char **json)
{
	struct jsonw	 w;
	PGresult	*res;
	enum db_rc	 rc;

	*json = NULL;
	if ((rc = db_exec_format(db, &res, s, v, 1)) != DB_OK)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return DB_NOTFOUND;
	}
	if (PQnfields(res) < CONN_COLS) {
		PQclear(res);
		return DB_ERROR;
	}
	jsonw_init(&w, a, 1024);
	db_conn_json(&w, res, 0);
	*json = jsonw_done(&w);
	PQclear(res);
	return *json != NULL ? DB_OK : DB_ERROR;
}

/* The id and status of owner's connection with external id ext. */
enum db_rc
db_conn_find(struct db *db, struct arena *a, const char *owner,
    const char *ext, char **id, char **status)
{
	const char	*v[2] = { owner, ext };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_CONN_FIND, v)) != DB_OK)
		return rc;
	*id = db_copy(a, res, 0, 0);
	*status = db_copy(a, res, 0, 1);
	PQclear(res);
	return *id && *status ? DB_OK : DB_ERROR;
}

/* Inserts w; DB_NOTFOUND when its external id was taken meanwhile. */
enum db_rc
db_conn_insert(struct db *db, struct arena *a, const struct conn_write *w,
    char **json)
{
	const char	*v[14] = { w->id, w->owner, w->external_id,
	    w->display_name, w->piece_name, w->piece_version, w->type,
	    w->status, w->value.kid, w->value.iv, w->value.ct, w->value.tag,
	    w->metadata, w->value.beside };

	return db_conn_one(db, a, STMT_CONN_INSERT, v, json);
}

/* Rewrites the connection w->id of w->owner; DB_NOTFOUND if it is gone. */
enum db_rc
db_conn_update(struct db *db, struct arena *a, const struct conn_write *w,
    char **json)
{
	const char	*v[13] = { w->id, w->owner, w->display_name,
	    w->piece_name, w->piece_version, w->type, w->status, w->value.kid,
	    w->value.iv, w->value.ct, w->value.tag, w->metadata,
	    w->value.beside };

	return db_conn_one(db, a, STMT_CONN_UPDATE, v, json);
}

/* Reads owner's connection id with its sealed value and references. */
enum db_rc
db_conn_get(struct db *db, struct arena *a, const char *id,
    const char *owner, struct conn_row *c)
{
	const char	*v[2] = { id, owner };
	struct jsonw	 w;
	PGresult	*res;
	enum db_rc	 rc;

	memset(c, 0, sizeof(*c));
	if ((rc = db_exec_format(db, &res, STMT_CONN_GET, v, 1)) != DB_OK)
		return rc;
	if (PQntuples(res) == 0 || PQnfields(res) != CONN_COLS + 10) {
		rc = PQntuples(res) == 0 ? DB_NOTFOUND : DB_ERROR;
		PQclear(res);
		return rc;
	}
	jsonw_init(&w, a, 1024);
	db_conn_json(&w, res, 0);
	c->json = jsonw_done(&w);
	c->kid = db_copy(a, res, 0, CONN_COLS);
	c->iv = db_copy(a, res, 0, CONN_COLS + 1);
	c->ct = db_copy(a, res, 0, CONN_COLS + 2);
	c->tag = db_copy(a, res, 0, CONN_COLS + 3);
	c->type = db_copy(a, res, 0, CONN_COLS + 4);
	c->piece_name = db_copy(a, res, 0, CONN_COLS + 5);
	c->piece_version = db_copy(a, res, 0, CONN_COLS + 6);
	c->workflows = db_copy_json(a, res, 0, CONN_COLS + 7);
	c->display_name = db_copy(a, res, 0, CONN_COLS + 8);
	c->status = db_copy(a, res, 0, CONN_COLS + 9);
	PQclear(res);
	return c->json && c->type && c->workflows ? DB_OK : DB_ERROR;
}

/* Renames (name NULL keeps it) and sets metadata (NULL keeps it). */
enum db_rc
db_conn_rename(struct db *db, struct arena *a, const char *id,
    const char *owner, const char *name, const char *metadata, char **json)
{
	const char	*v[4] = { id, owner, name, metadata };

	return db_conn_one(db, a, STMT_CONN_RENAME, v, json);
}

/* Replaces the sealed value; the connection becomes ACTIVE. */
enum db_rc
db_conn_set_value(struct db *db, struct arena *a, const char *id,
    const char *owner, const char *name, const struct sealed_ref *s,
    const char *metadata, char **json)
{
	const char	*v[9] = { id, owner, name, s->kid, s->iv, s->ct, s->tag,
	    metadata, s->beside };

	return db_conn_one(db, a, STMT_CONN_SET_VALUE, v, json);
}

/* Records a test's outcome: status and (for ERROR) why. */
enum db_rc
db_conn_set_status(struct db *db, struct arena *a, const char *id,
    const char *owner, const char *status, const char *reason, char **json)
{
	const char	*v[4] = { id, owner, status, reason };

	return db_conn_one(db, a, STMT_CONN_SET_STATUS, v, json);
}

/* The ids of the workflows that reference owner's connection id. */
enum db_rc
db_conn_refs(struct db *db, struct arena *a, const char *id,
    const char *owner, char **json)
{
	const char	*v[2] = { id, owner };

	return db_exec_json(db, a, STMT_CONN_REFS, v, json);
}

/* Deletes owner's connection id; *json = the workflows that used it. */
enum db_rc
db_conn_delete(struct db *db, struct arena *a, const char *id,
    const char *owner, char **json)
{
	const char	*v[2] = { id, owner };

	return db_exec_json(db, a, STMT_CONN_DELETE, v, json);
}

/*
 * Deletes owner's connection id only if no workflow references it, in
 * one statement.  DB_OK when deleted; DB_NOTFOUND when it is not the
 * owner's or is referenced (db_conn_refs() tells which).
 */
enum db_rc
db_conn_delete_unreferenced(struct db *db, struct arena *a, const char *id,
    const char *owner)
{
	const char	*v[2] = { id, owner };
	char		*json;
	enum db_rc	 rc;

	/*
	 * The references lock first, in a statement of its own: the delete
	 * that follows reads the references with a snapshot taken after any
	 * save holding the lock has committed.
	 */
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	if ((rc = db_refs_lock(db, owner)) == DB_OK &&
	    (rc = db_exec_text(db, a, STMT_CONN_DELETE_UNREF, v, &json)) ==
	    DB_OK)
		rc = db_commit(db);
	if (rc != DB_OK)
		db_rollback(db);
	return rc;
}

/*
 * One page of owner's connections, newest first.  The result is read in
 * binary format: text columns are their bytes (NUL-terminated by libpq),
 * timestamps need no conversion on either side.
 */
enum db_rc
db_conn_list(struct db *db, struct arena *a, const struct conn_query *q,
    struct conn_page *p)
{
	const char	*v[9] = { q->owner, q->piece_name, q->display_name,
	    q->statuses, q->scope, q->cursor_time, q->cursor_id, q->direction,
	    q->limit };
	const char	*plain[2] = { q->owner, q->limit };
	struct jsonw	 w;
	PGresult	*res;
	enum db_rc	 rc;
	int		 i, n, first;
	long long	 t;

	memset(p, 0, sizeof(*p));
	/* The connections page's usual request has its own statement. */
	if (q->piece_name == NULL && q->display_name == NULL &&
	    q->statuses == NULL && q->scope == NULL && q->cursor_time == NULL &&
	    *q->direction == 'n')
		rc = db_exec_format(db, &res, STMT_CONN_LIST_FIRST, plain, 1);
	else
		rc = db_exec_format(db, &res, STMT_CONN_LIST, v, 1);
	if (rc != DB_OK)
		return rc;
	if (PQnfields(res) != CONN_COLS) {
		PQclear(res);
		return DB_ERROR;
	}
	n = PQntuples(res);
	first = 0;
	if (n > atoi(q->limit)) {
		/* The row beyond the page: the newest going back. */
		p->more = 1;
		if (*q->direction == 'p')
			first = 1;
		else
			n--;
	}
	jsonw_init(&w, a, 512 * (size_t)(n + 1));
	jsonw_lit(&w, "[");
	for (i = first; i < n; i++) {
		if (i > first)
			jsonw_lit(&w, ",");
		t = db_conn_json(&w, res, i);
		/* Cursors: "<micros>.<id>" of the newest and oldest rows. */
		if (i == first)
			p->newest = arena_printf(a, "%lld.%s", t,
			    PQgetvalue(res, i, 0));
		if (i == n - 1)
			p->oldest = arena_printf(a, "%lld.%s", t,
			    PQgetvalue(res, i, 0));
	}
	jsonw_lit(&w, "]");
	p->data = jsonw_done(&w);
	PQclear(res);
	return p->data != NULL ? DB_OK : DB_ERROR;
}

/*
 * The auth definition (JSON text, or NULL for a piece without auth) of
 * piece name at version (NULL for the newest); *ver is the version found.
 */
enum db_rc
db_piece_auth(struct db *db, struct arena *a, const char *name,
    const char *version, char **ver, char **auth)
{
	const char	*v[2] = { name, version };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_PIECE_AUTH, v)) != DB_OK)
		return rc;
	*ver = db_copy(a, res, 0, 0);
	*auth = db_copy(a, res, 0, 1);
	PQclear(res);
	return *ver != NULL ? DB_OK : DB_ERROR;
}

/* The credential probe of piece for auth type, if one is configured. */
enum db_rc
db_probe_get(struct db *db, struct arena *a, const char *piece,
    const char *type, struct probe *p)
{
	const char	*v[2] = { piece, type };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_PROBE_GET, v)) != DB_OK)
		return rc;
	p->method = db_copy(a, res, 0, 0);
	p->url = db_copy(a, res, 0, 1);
	p->headers = db_copy(a, res, 0, 2);
	p->expected_status = atoi(PQgetvalue(res, 0, 3));
	PQclear(res);
	return p->method && p->url && p->headers ? DB_OK : DB_ERROR;
}

/* The legacy integration list of owner, optionally of one type. */
enum db_rc
db_integ_list(struct db *db, struct arena *a, const char *owner,
    const char *type, char **json)
{
	const char	*v[2] = { owner, type };

	return db_exec_json(db, a, STMT_INTEG_LIST, v, json);
}

/*
 * Reads and locks (FOR UPDATE, inside the caller's transaction) owner's
 * connection id: sealed value, type, piece, status and *reason.
 */
enum db_rc
db_conn_lock(struct db *db, struct arena *a, const char *id,
    const char *owner, struct conn_row *c, char **reason)
{
	const char	*v[2] = { id, owner };
	PGresult	*res;
	enum db_rc	 rc;

	memset(c, 0, sizeof(*c));
	if ((rc = db_exec_one(db, &res, STMT_CONN_LOCK, v)) != DB_OK)
		return rc;
	c->kid = db_copy(a, res, 0, 0);
	c->iv = db_copy(a, res, 0, 1);
	c->ct = db_copy(a, res, 0, 2);
	c->tag = db_copy(a, res, 0, 3);
	c->type = db_copy(a, res, 0, 4);
	c->piece_name = db_copy(a, res, 0, 5);
	c->piece_version = db_copy(a, res, 0, 6);
	c->status = db_copy(a, res, 0, 7);
	*reason = db_copy(a, res, 0, 8);
	PQclear(res);
	return c->type && c->status ? DB_OK : DB_ERROR;
}

/* Stores a refreshed (or failed) value with its status and reason. */
enum db_rc
db_conn_refreshed(struct db *db, const char *id, const char *owner,
    const struct sealed_ref *s, const char *status, const char *reason)
{
	const char	*v[9] = { id, owner, s->kid, s->iv, s->ct, s->tag,
	    status, reason, s->beside };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_CONN_REFRESHED, v)) == DB_OK)
		PQclear(res);
	return rc;
}

/*
 * Records a failed refresh of owner's connection id (the provider did not
 * revoke anything): the status stays, reason is recorded, and the sweep
 * backs off from interval seconds, doubling (conn_refresh_failed.sql).
 */
enum db_rc
db_conn_refresh_failed(struct db *db, const char *id, const char *owner,
    const char *reason, int interval)
{
	char		 secs[16];
	const char	*v[4] = { id, owner, reason, secs };
	PGresult	*res;
	enum db_rc	 rc;

	snprintf(secs, sizeof(secs), "%d", interval > 0 ? interval : 60);
	if ((rc = db_exec(db, &res, STMT_CONN_REFRESH_FAILED, v)) == DB_OK)
		PQclear(res);
	return rc;
}

/*
 * A refresh ended the locked connection: ERROR for reason, recorded as a
 * failed refresh (its event) as well as a change of status.
 */
enum db_rc
db_conn_refresh_error(struct db *db, const char *id, const char *owner,
    const char *reason)
{
	const char	*v[3] = { id, owner, reason };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_CONN_REFRESH_ERROR, v)) == DB_OK)
		PQclear(res);
	return rc;
}
