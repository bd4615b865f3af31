/*
 * Connection events (migration 0022): publishing them, their webhook
 * deliveries, the pollers' pages and the operators' commands.  The events
 * themselves are written by triggers, in the transactions that change
 * connections; nothing here writes one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fcgi/jsonw.h"
#include "dbi.h"

/* Publishes up to limit events (apconn.events_publish); *n how many. */
enum db_rc
db_events_publish(struct db *db, int limit, long *n)
{
	char		 lim[16];
	const char	*v[1] = { lim };
	PGresult	*res;
	enum db_rc	 rc;

	*n = 0;
	snprintf(lim, sizeof(lim), "%d", limit);
	if ((rc = db_exec_one(db, &res, STMT_EVENT_PUBLISH, v)) != DB_OK)
		return rc;
	*n = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return DB_OK;
}

/*
 * The deliveries due now, at most limit, locked until the transaction the
 * caller began ends (see event_due.sql).  *rows lives in a.
 */
enum db_rc
db_deliveries_due(struct db *db, struct arena *a, int limit,
    struct delivery **rows, size_t *n)
{
	char		 lim[16];
	const char	*v[1] = { lim };
	PGresult	*res;
	enum db_rc	 rc;
	int		 i;

	*rows = NULL;
	*n = 0;
	snprintf(lim, sizeof(lim), "%d", limit);
	if ((rc = db_exec(db, &res, STMT_EVENT_DUE, v)) != DB_OK)
		return rc;
	if (PQntuples(res) > 0 && (*rows = arena_alloc(a,
	    (size_t)PQntuples(res) * sizeof(**rows))) == NULL) {
		PQclear(res);
		return DB_ERROR;
	}
	for (i = 0; i < PQntuples(res); i++) {
		struct delivery	*d = &(*rows)[i];

		d->event_id = db_copy(a, res, i, 0);
		d->endpoint_id = db_copy(a, res, i, 1);
		d->url = db_copy(a, res, i, 2);
		d->secret.kid = db_copy(a, res, i, 3);
		d->secret.iv = db_copy(a, res, i, 4);
		d->secret.ct = db_copy(a, res, i, 5);
		d->secret.tag = db_copy(a, res, i, 6);
		d->secret.beside = NULL;
		d->attempts = atoi(PQgetvalue(res, i, 7));
		d->age = atoll(PQgetvalue(res, i, 8));
		d->body = db_copy_json(a, res, i, 9);
		d->type = db_copy(a, res, i, 10);
		if (d->event_id == NULL || d->endpoint_id == NULL ||
		    d->url == NULL || d->body == NULL || d->type == NULL) {
			PQclear(res);
			return DB_ERROR;
		}
	}
	*n = (size_t)PQntuples(res);
	PQclear(res);
	return DB_OK;
}

/*
 * Records an attempt: state "delivered", "pending" (tried again after
 * delay seconds) or "failed"; status the HTTP status (0: none), why NULL
 * or what went wrong.
 */
enum db_rc
db_delivery_done(struct db *db, const struct delivery *d, const char *state,
    long status, const char *why, double delay)
{
	char		 st[16], secs[32];
	const char	*v[6] = { d->event_id, d->endpoint_id, state,
	    status > 0 ? st : NULL, why, secs };
	PGresult	*res;
	enum db_rc	 rc;

	snprintf(st, sizeof(st), "%ld", status);
	snprintf(secs, sizeof(secs), "%.3f", delay);
	if ((rc = db_exec(db, &res, STMT_EVENT_DONE, v)) != DB_OK)
		return rc;
	PQclear(res);
	return DB_OK;
}

/* How long the oldest undelivered event has waited, in seconds. */
enum db_rc
db_events_oldest(struct db *db, long long *secs)
{
	PGresult	*res;
	enum db_rc	 rc;

	*secs = 0;
	if ((rc = db_exec_one(db, &res, STMT_EVENT_OLDEST, NULL)) != DB_OK)
		return rc;
	*secs = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return DB_OK;
}

/*
 * A page of published events after seq `after`, at most limit, of owner
 * (NULL: everyone's): *json a JSON array (a), *last the seq of its last
 * event, or `after` itself when there is none.
 */
enum db_rc
db_events_list(struct db *db, struct arena *a, const char *owner,
    const char *after, const char *limit, char **json, char **last)
{
	const char	*v[3] = { owner, after, limit };
	struct jsonw	 w;
	PGresult	*res;
	enum db_rc	 rc;
	int		 i, n;

	*json = *last = NULL;
	if ((rc = db_exec(db, &res, STMT_EVENT_LIST, v)) != DB_OK)
		return rc;
	n = PQntuples(res);
	jsonw_init(&w, a, 256 + (size_t)n * 512);
	jsonw_lit(&w, "[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			jsonw_lit(&w, ",");
		jsonw_json(&w, PQgetvalue(res, i, 1));
	}
	jsonw_lit(&w, "]");
	*json = jsonw_done(&w);
	*last = n > 0 ? db_copy(a, res, n - 1, 0) : arena_strdup(a, after);
	PQclear(res);
	return *json != NULL && *last != NULL ? DB_OK : DB_ERROR;
}

/* Calls row for each result row of s with vals (operators' listings). */
static enum db_rc
each_row(struct db *db, enum stmt s, const char *const *vals,
    void (*row)(const char *const *, int))
{
	PGresult	*res;
	const char	*cols[16];
	enum db_rc	 rc;
	int		 i, j, nf;

	if ((rc = db_exec(db, &res, s, vals)) != DB_OK)
		return rc;
	nf = PQnfields(res) < 16 ? PQnfields(res) : 16;
	for (i = 0; i < PQntuples(res); i++) {
		for (j = 0; j < nf; j++)
			cols[j] = PQgetvalue(res, i, j);
		row(cols, nf);
	}
	PQclear(res);
	return DB_OK;
}

/*
 * Events after id `after`, at most limit, only those with a delivery in
 * state (NULL: all), for apconn-admin events list: row gets id, seq (or
 * "-"), time, type, connection id, external id, owner, deliveries.
 */
enum db_rc
db_events_admin_list(struct db *db, const char *after, const char *limit,
    const char *state, void (*row)(const char *const *, int))
{
	const char	*v[3] = { after, limit, state };

	return each_row(db, STMT_EVENT_ADMIN_LIST, v, row);
}

/*
 * Makes the deliveries of event id (NULL: of every event with a failed
 * delivery) pending again, to endpoint (NULL: every one that takes it);
 * *n how many are pending now.
 */
enum db_rc
db_events_replay(struct db *db, const char *id, const char *endpoint,
    long *n)
{
	const char	*v[2] = { id, endpoint };
	PGresult	*res;
	enum db_rc	 rc;

	*n = 0;
	if ((rc = db_exec_one(db, &res, STMT_EVENT_REPLAY, v)) != DB_OK)
		return rc;
	*n = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return DB_OK;
}

/* Adds a webhook endpoint; types a text array literal or NULL (all). */
enum db_rc
db_endpoint_insert(struct db *db, const char *id, const char *url,
    const char *types, const struct sealed_ref *s)
{
	const char	*v[7] = { id, url, types, s->kid, s->iv, s->ct,
	    s->tag };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec(db, &res, STMT_ENDPOINT_INSERT, v)) != DB_OK)
		return rc;
	PQclear(res);
	return DB_OK;
}

/*
 * The endpoints: row gets id, URL, types ("*": all), enabled or
 * disabled, and its pending, delivered and failed deliveries.
 */
enum db_rc
db_endpoint_list(struct db *db, void (*row)(const char *const *, int))
{
	return each_row(db, STMT_ENDPOINT_LIST, NULL, row);
}

/* Endpoint id becomes what: "enabled", "disabled" or "deleted". */
enum db_rc
db_endpoint_set(struct db *db, const char *id, const char *what)
{
	const char	*v[2] = { id, what };
	PGresult	*res;
	enum db_rc	 rc;

	if ((rc = db_exec_one(db, &res, STMT_ENDPOINT_SET, v)) != DB_OK)
		return rc;
	PQclear(res);
	return DB_OK;
}
