/*
 * GET /api/events?after=CURSOR&limit=N: connection events for callers that
 * poll rather than take webhooks.  A caller sees its own events (the
 * connections:read scope); an executor key sees everyone's.  The cursor
 * is the publication order (migration 0022), so a poller that passes back
 * "next" never misses an event, whatever order transactions committed in.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../fcgi/jsonw.h"
#include "handlers.h"

#define EVENTS_LIMIT_DEFAULT	100
#define EVENTS_LIMIT_MAX	1000

int
h_events_list(struct req *r, struct resp *resp)
{
	struct jsonw	 w;
	const char	*owner;
	char		*data, *last, after[24], limit[16];
	long		 a = 0, n = EVENTS_LIMIT_DEFAULT;
	enum db_rc	 rc;
	int		 st;

	if (r->who.scopes & SCOPE_EXECUTOR)
		owner = NULL;
	else if (r->who.scopes & SCOPE_CONN_READ)
		owner = r->who.user_id;
	else
		return resp_error(resp, 403, "insufficient_scope",
		    "Missing scope: connections:read");
	if ((st = query_number(r, resp, "after", 0, 9999999999L, &a)) != 0 ||
	    (st = query_number(r, resp, "limit", 1, EVENTS_LIMIT_MAX, &n)) != 0)
		return st;
	snprintf(after, sizeof(after), "%ld", a);
	snprintf(limit, sizeof(limit), "%ld", n);
	if ((rc = db_events_list(r->db, r->arena, owner, after, limit, &data,
	    &last)) != DB_OK)
		return resp_db_error(resp, rc);
	jsonw_init(&w, r->arena, strlen(data) + 64);
	jsonw_lit(&w, "{\"data\":");
	jsonw_json(&w, data);
	jsonw_lit(&w, ",\"next\":");
	jsonw_str(&w, last);
	jsonw_lit(&w, "}");
	return resp_raw(resp, 200, jsonw_done(&w));
}
