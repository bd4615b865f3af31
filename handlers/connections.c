/*
 * /api/app-connections: list, upsert, get, update, delete, in the
 * original workflow builder's wire shapes.  Every database call passes
 * r->who.user_id as the owner, so another user's id is a 404.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "../db/token.h"
#include "../fcgi/metrics.h"
#include "handlers.h"

#define NAME_MAX_LEN	255

static int
not_found(struct resp *resp)
{
	return resp_error(resp, 404, "not_found", "Connection not found");
}

/* Answers status with the JSON text json (arena), passed through. */
int
resp_raw(struct resp *resp, int status, const char *json)
{
	json_object_put(resp->body);
	resp->body = NULL;
	resp->raw = json;
	resp->rawlen = json ? strlen(json) : 0;
	return json ? status : resp_error(resp, 500, "internal",
	    "Internal error");
}

/* POST /api/app-connections: create or replace by externalId. */
int
h_conn_upsert(struct req *r, struct resp *resp)
{
	struct core	 c;
	struct fail	 f;
	char		*json;

	core_of(&c, r);
	if (conn_upsert(&c, &f, r->json, &json) == -1)
		return resp_fail(resp, &f);
	return resp_raw(resp, 201, json);
}

/*
 * Reads the list's query string into q.  Returns 0, or 400 with the error
 * in resp.
 */
static int
list_query(struct req *r, struct resp *resp, struct conn_query *qp)
{
	struct conn_query q;
	const char	*st[8], *v, *dir = "n";
	char		*lit, *t = NULL, *id = NULL;
	size_t		 nst, i, off;
	long		 limit = 100;
	int		 status;

	memset(&q, 0, sizeof(q));
	if ((status = query_one(r, resp, "pieceName", &v)) != 0)
		return status;
	if (v != NULL)
		q.piece_name = piece_short_name(v);
	if ((status = query_one(r, resp, "displayName", &v)) != 0)
		return status;
	q.display_name = v;
	if ((status = query_one(r, resp, "scope", &v)) != 0)
		return status;
	if (v != NULL) {
		if (strcmp(v, "PROJECT") != 0 && strcmp(v, "PLATFORM") != 0)
			return resp_error_field(resp, 400, "invalid_request",
			    "scope", "scope must be PROJECT or PLATFORM");
		q.scope = v;
	}
	if ((status = query_many(r, resp, "status", st, 8, &nst)) != 0)
		return status;
	if (nst > 0) {
		lit = arena_alloc(r->arena, 8 * 10 + 3);
		if (lit == NULL)
			return resp_error(resp, 500, "internal",
			    "Internal error");
		off = 0;
		lit[off++] = '{';
		for (i = 0; i < nst; i++) {
			if (strcmp(st[i], "ACTIVE") != 0 &&
			    strcmp(st[i], "MISSING") != 0 &&
			    strcmp(st[i], "ERROR") != 0)
				return resp_error_field(resp, 400,
				    "invalid_request", "status", "status must "
				    "be ACTIVE, MISSING or ERROR");
			off += (size_t)sprintf(lit + off, "%s%s",
			    i ? "," : "", st[i]);
		}
		lit[off++] = '}';
		lit[off] = '\0';
		q.statuses = lit;
	}
	if ((status = query_number(r, resp, "limit", 1, 1000, &limit)) != 0)
		return status;
	if ((status = query_one(r, resp, "cursor", &v)) != 0)
		return status;
	if (v != NULL) {
		if (!cursor_parse(v, &t, &id, &dir))
			return resp_error_field(resp, 400, "invalid_request",
			    "cursor", "Invalid cursor");
		t = arena_strndup(r->arena, t, (size_t)(strchr(t, '.') - t));
	}
	q.cursor_time = t;
	q.cursor_id = id;
	q.direction = dir;
	q.limit = arena_printf(r->arena, "%ld", limit);
	*qp = q;
	return 0;
}

/*
 * The list cache's key of q (listcache.c): the owner and every parameter,
 * each with its length, so that no two requests share a key.  NULL when
 * out of memory.
 */
static char *
list_cache_key(struct req *r, const struct conn_query *q)
{
	const char	*f[9] = { q->owner, q->piece_name, q->display_name,
	    q->statuses, q->scope, q->cursor_time, q->cursor_id, q->direction,
	    q->limit };
	char		 len[24];
	char		*key, *p;
	size_t		 i, n = 1;

	for (i = 0; i < 9; i++)
		n += (f[i] ? strlen(f[i]) : 0) + sizeof(len);
	if ((key = arena_alloc(r->arena, n)) == NULL)
		return NULL;
	p = key;
	for (i = 0; i < 9; i++) {
		if (f[i] == NULL) {
			p = stpcpy(p, "-;");
			continue;
		}
		snprintf(len, sizeof(len), "%zu:", strlen(f[i]));
		p = stpcpy(stpcpy(stpcpy(p, len), f[i]), ";");
	}
	return key;
}

/*
 * GET /api/app-connections: one page, never decrypting anything.  A page
 * this worker answered before is answered again, with no query, until
 * the database says the owner's connections changed (listcache.c).
 */
int
h_conn_list(struct req *r, struct resp *resp)
{
	struct conn_query q;
	struct conn_page  p;
	const char	*t, *dir, *kept;
	char		*cur, *next, *prev, *key;
	unsigned long	 mark;
	uint64_t	 epoch;
	enum db_rc	 rc;
	int		 status;

	if ((status = list_query(r, resp, &q)) != 0)
		return status;
	q.owner = r->who.user_id;
	key = list_cache_key(r, &q);
	if (key != NULL && (kept = listcache_find(r->db, key)) != NULL) {
		metrics_count(metric_listcache, LISTCACHE_HIT, 1);
		return resp_raw(resp, 200, kept);
	}
	metrics_count(metric_listcache, LISTCACHE_MISS, 1);
	mark = db_heard_mark(r->db);
	epoch = owner_epoch(q.owner);
	t = q.cursor_time;
	dir = q.direction;
	if ((rc = db_conn_list(r->db, r->arena, &q, &p)) != DB_OK)
		return resp_db_error(resp, rc);

	next = prev = NULL;
	if (*dir == 'n') {
		if (p.more && p.oldest)
			next = arena_printf(r->arena, "\"n.%s\"", p.oldest);
		if (t != NULL && p.newest)
			prev = arena_printf(r->arena, "\"p.%s\"", p.newest);
	} else {
		if (p.more && p.newest)
			prev = arena_printf(r->arena, "\"p.%s\"", p.newest);
		if (p.oldest)
			next = arena_printf(r->arena, "\"n.%s\"", p.oldest);
	}
	cur = arena_concat(r->arena, "{\"data\":", p.data, ",\"next\":",
	    next ? next : "null", ",\"previous\":", prev ? prev : "null", "}",
	    (char *)NULL);
	if (key != NULL && cur != NULL)
		listcache_put(r->db, mark, epoch, key, q.owner, cur);
	return resp_raw(resp, 200, cur);
}

/* GET /api/app-connections/{id}: value without secrets, workflowIds. */
int
h_conn_get(struct req *r, struct resp *resp)
{
	struct core	 c;
	struct fail	 f;
	struct conn_row	 row;
	json_object	*value, *pub, *o;

	core_of(&c, r);
	if (conn_open(&c, &f, r->param[0], &row, &value) == -1)
		return resp_fail(resp, &f);
	if (value == NULL)
		return resp_error(resp, 500, "value_unreadable",
		    "The connection's value cannot be read");
	if (conn_redact(&c, &f, &row, value, &pub) == -1)
		return resp_fail(resp, &f);
	if ((o = json_tokener_parse(row.json)) == NULL) {
		json_object_put(pub);
		return resp_error(resp, 500, "internal", "Internal error");
	}
	json_object_object_add(o, "value", pub);
	json_object_object_add(o, "workflowIds",
	    json_tokener_parse(row.workflows));
	return resp_json(resp, 200, o);
}

/* POST /api/app-connections/{id}: rename, or replace from a flat config. */
int
h_conn_update(struct req *r, struct resp *resp)
{
	struct core	 c;
	struct fail	 f;
	const char	*name, *meta = NULL;
	json_object	*config, *m;
	char		*json;
	enum db_rc	 rc;

	name = json_str(r->json, "displayName");
	if (json_object_object_get_ex(r->json, "displayName", &m) && m != NULL &&
	    name == NULL)
		return resp_error_field(resp, 400, "invalid_request",
		    "displayName", "displayName must be a string");
	if (name != NULL && *name == '\0')
		name = NULL;
	if (name != NULL && strlen(name) > NAME_MAX_LEN)
		return resp_error_field(resp, 400, "invalid_request",
		    "displayName", "displayName is longer than 255 characters");
	if (json_object_object_get_ex(r->json, "metadata", &m) && m != NULL &&
	    !json_object_is_type(m, json_type_object))
		return resp_error_field(resp, 400, "invalid_request",
		    "metadata", "metadata must be an object");
	if (!json_size_ok(m, CONN_METADATA_MAX))
		return resp_error_field(resp, 400, "invalid_request",
		    "metadata", "metadata is larger than %d bytes of JSON",
		    CONN_METADATA_MAX);
	if (m != NULL)
		meta = arena_strdup(r->arena, json_object_to_json_string_ext(m,
		    JSON_C_TO_STRING_PLAIN));
	if (json_object_object_get_ex(r->json, "config", &config) &&
	    config != NULL) {
		core_of(&c, r);
		if (conn_apply_config(&c, &f, r->param[0], name, config,
		    &json) == -1)
			return resp_fail(resp, &f);
		return resp_raw(resp, 200, json);
	}
	rc = db_conn_rename(r->db, r->arena, r->param[0], r->who.user_id,
	    name, meta, &json);
	if (rc == DB_NOTFOUND)
		return not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return resp_raw(resp, 200, json);
}

/* DELETE /api/app-connections/{id}[?ifUnreferenced=true] */
int
h_conn_delete(struct req *r, struct resp *resp)
{
	const char	*v;
	char		*refs, *out;
	enum db_rc	 rc;
	int		 st;

	if ((st = query_one(r, resp, "ifUnreferenced", &v)) != 0)
		return st;
	if (v != NULL && strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
		return resp_error_field(resp, 400, "invalid_request",
		    "ifUnreferenced", "ifUnreferenced must be true or false");
	if (v != NULL && strcmp(v, "true") == 0) {
		/* The check and the delete are one statement. */
		rc = db_conn_delete_unreferenced(r->db, r->arena, r->param[0],
		    r->who.user_id);
		if (rc == DB_OK)
			return resp_raw(resp, 200,
			    "{\"success\":true,\"detachedWorkflows\":[]}");
		if (rc != DB_NOTFOUND)
			return resp_db_error(resp, rc);
		rc = db_conn_refs(r->db, r->arena, r->param[0], r->who.user_id,
		    &refs);
		if (rc == DB_NOTFOUND)
			return not_found(resp);
		if (rc != DB_OK)
			return resp_db_error(resp, rc);
		out = arena_printf(r->arena, "{\"error\":\"The connection is "
		    "used by workflows\",\"code\":\"connection_in_use\","
		    "\"workflowIds\":%s}", refs);
		return resp_raw(resp, 409, out);
	}
	rc = db_conn_delete(r->db, r->arena, r->param[0], r->who.user_id,
	    &refs);
	if (rc == DB_NOTFOUND)
		return not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	out = arena_printf(r->arena, "{\"success\":true,\"detachedWorkflows\""
	    ":%s}", refs);
	return resp_raw(resp, 200, out);
}

/*
 * POST /api/app-connections/{id}/refresh: refreshes an OAuth2 connection
 * now, due or not, with the row lock and single flight of a refresh on
 * use (conn_refresh_now()), and answers the connection as it is then:
 * ACTIVE without statusReason when the provider renewed the token, ERROR
 * when it revoked the grant (or had before), statusReason "refresh
 * failed: ..." when it failed otherwise.  Not OAUTH2: 409 not_oauth2; no
 * refresh token: 409 cannot_refresh.
 */
int
h_conn_refresh(struct req *r, struct resp *resp)
{
	struct core	 c;
	struct fail	 f;
	struct fresh	 fr;
	struct conn_row	 row;
	enum db_rc	 rc;

	core_of(&c, r);
	if (conn_refresh_now(&c, &f, r->param[0], &fr) == -1 &&
	    strcmp(f.code, "connection_expired") != 0 &&
	    strcmp(f.code, "refresh_failed") != 0)
		return resp_fail(resp, &f);
	rc = db_conn_get(r->db, r->arena, r->param[0], r->who.user_id, &row);
	if (rc == DB_NOTFOUND)
		return not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return resp_raw(resp, 200, row.json);
}
