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

#define EXTERNAL_ID_MAX	255
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

/*
 * Looks up the auth definition of piece (short name) at version (NULL for
 * the newest).  Returns 1 with *auth (caller puts; NULL when the piece
 * has no auth) and *ver (arena) when the piece is known, 0 when it is
 * not, or -status with the error in resp.
 */
int
piece_auth_lookup(struct req *r, struct resp *resp, const char *piece,
    const char *version, json_object **auth, char **ver)
{
	char		*text;
	enum db_rc	 rc;

	*auth = NULL;
	*ver = NULL;
	rc = db_piece_auth(r->db, r->arena, piece, version, ver, &text);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK)
		return -resp_db_error(resp, rc);
	if (text != NULL && (*auth = json_tokener_parse(text)) == NULL)
		return -resp_error(resp, 500, "internal", "Internal error");
	return 1;
}

/*
 * Stores (creates or replaces) owner's connection in->external_id with
 * value: the id of an existing connection is kept, so the value is sealed
 * against the id it will live under; an insert that loses a race becomes
 * an update.  Returns 0 with *json set, or the error status in resp.
 */
int
conn_store(struct req *r, struct resp *resp, struct conn_write *w,
    json_object *value, int placeholder, char **out)
{
	char		*id, *status, newid[ID_LEN + 1], *json = NULL;
	struct sealed_ref s;
	enum db_rc	 rc;
	int		 attempt, exists;

	for (attempt = 0; attempt < 3; attempt++) {
		rc = db_conn_find(r->db, r->arena, w->owner, w->external_id,
		    &id, &status);
		if (rc != DB_OK && rc != DB_NOTFOUND)
			return resp_db_error(resp, rc);
		exists = rc == DB_OK;
		if (exists && placeholder && strcmp(status, "MISSING") != 0) {
			/* A placeholder never replaces a real credential. */
			rc = db_conn_rename(r->db, r->arena, id, w->owner,
			    NULL, NULL, &json);
			if (rc == DB_NOTFOUND)
				continue;
			if (rc != DB_OK)
				return resp_db_error(resp, rc);
			*out = json;
			return 0;
		}
		if (!exists) {
			if (id_new(newid) == -1)
				return resp_error(resp, 500, "internal",
				    "Internal error");
			id = arena_strdup(r->arena, newid);
		}
		w->id = id;
		if (vault_seal(r, id, value, &s) == -1)
			return resp_error(resp, 500, "internal",
			    "Internal error");
		w->value = s;
		rc = exists ? db_conn_update(r->db, r->arena, w, &json) :
		    db_conn_insert(r->db, r->arena, w, &json);
		if (rc == DB_OK) {
			*out = json;
			return 0;
		}
		if (rc != DB_NOTFOUND)
			return resp_db_error(resp, rc);
	}
	return resp_error(resp, 409, "conflict",
	    "The connection changed while it was being saved; try again");
}

static int
bad_body(struct resp *resp, const char *field)
{
	return resp_error_field(resp, 400, "invalid_request", field,
	    "Invalid request body");
}

/*
 * Validates a connection value for piece/type and fills *def and
 * *legacy.  Returns 0, or the error status (400) in resp.  *auth must be
 * put by the caller.
 */
int
conn_check_value(struct req *r, struct resp *resp, const char *piece,
    const char *version, const char *type, json_object *value,
    json_object **auth, int *legacy, char **found_version)
{
	json_object	*def = NULL;
	const char	*field;
	char		 msg[200];
	int		 known, offers = 0;

	known = piece_auth_lookup(r, resp, piece, version, auth,
	    found_version);
	if (known < 0)
		return -known;
	if (!known && version != NULL) {
		known = piece_auth_lookup(r, resp, piece, NULL, auth,
		    found_version);
		if (known < 0)
			return -known;
		if (known)
			return resp_error_field(resp, 400, "unknown_version",
			    "pieceVersion", "Unknown piece version");
	}
	if (known)
		def = piece_auth_find(*auth, type, &offers);
	if (strcmp(type, "CUSTOM_AUTH") != 0) {
		if (!known)
			return resp_error_field(resp, 400, "unknown_piece",
			    "pieceName", "Piece not found");
		if (!offers)
			return resp_error_field(resp, 400,
			    "auth_type_not_offered", "type",
			    "The piece does not offer this connection type");
	}
	if (conn_value_validate(type, value, offers ? def : NULL, legacy,
	    &field, msg, sizeof(msg)) == -1)
		return resp_error_field(resp, 400, "invalid_value", field,
		    "%s", msg);
	return 0;
}

/* Parses a metadata field: absent or null -> *out NULL; else an object. */
static int
metadata_of(json_object *body, json_object **out)
{
	json_object	*m;

	*out = NULL;
	if (!json_object_object_get_ex(body, "metadata", &m) || m == NULL)
		return 0;
	if (!json_object_is_type(m, json_type_object))
		return -1;
	*out = m;
	return 0;
}

static const char *
metadata_text(struct req *r, json_object *m, int legacy)
{
	json_object	*copy = NULL;
	const char	*s;

	if (m == NULL && !legacy)
		return NULL;
	if (m != NULL && json_object_deep_copy(m, &copy, NULL) != 0)
		return NULL;
	if (copy == NULL)
		copy = json_object_new_object();
	if (legacy)
		json_object_object_add(copy, "validated",
		    json_object_new_boolean(0));
	s = arena_strdup(r->arena, json_object_to_json_string_ext(copy,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(copy);
	return s;
}

/*
 * Creates or replaces a connection from an upsert body (shared with the
 * legacy integrations API).  Returns 0 with *out = the connection JSON
 * (arena), or the error status in resp.
 */
int
conn_upsert_body(struct req *r, struct resp *resp, json_object *b,
    char **out)
{
	const char	*ext, *name, *piece, *type, *version, *vtype;
	json_object	*value, *meta, *auth = NULL, *stored = NULL;
	json_object	*exchanged = NULL;
	struct conn_write w;
	char		*found = NULL;
	int		 legacy = 0, placeholder = 0, st;

	ext = json_str(b, "externalId");
	name = json_str(b, "displayName");
	piece = json_str(b, "pieceName");
	type = json_str(b, "type");
	version = json_str(b, "pieceVersion");
	if (ext == NULL || *ext == '\0')
		return bad_body(resp, "externalId");
	if (strlen(ext) > EXTERNAL_ID_MAX)
		return resp_error_field(resp, 400, "invalid_request",
		    "externalId", "externalId is longer than 255 characters");
	if (name == NULL || *name == '\0')
		return bad_body(resp, "displayName");
	if (strlen(name) > NAME_MAX_LEN)
		return resp_error_field(resp, 400, "invalid_request",
		    "displayName", "displayName is longer than 255 characters");
	if (piece == NULL || *piece == '\0')
		return bad_body(resp, "pieceName");
	if (type == NULL || *type == '\0')
		return bad_body(resp, "type");
	if (version != NULL && *version == '\0')
		version = NULL;
	if (!json_object_object_get_ex(b, "value", &value) ||
	    !json_object_is_type(value, json_type_object))
		return bad_body(resp, "value");
	if (metadata_of(b, &meta) == -1)
		return resp_error_field(resp, 400, "invalid_request",
		    "metadata", "metadata must be an object");
	piece = piece_short_name(piece);

	if (strcmp(type, "PLACEHOLDER") == 0) {
		placeholder = 1;
		type = "NO_AUTH";
		stored = json_object_new_object();
		json_object_object_add(stored, "type",
		    json_object_new_string("NO_AUTH"));
	} else {
		if (!conn_type_valid(type))
			return resp_error_field(resp, 400, "invalid_request",
			    "type", "Unknown connection type");
		if (strcmp(type, "CLOUD_OAUTH2") == 0 ||
		    strcmp(type, "PLATFORM_OAUTH2") == 0)
			return resp_error_field(resp, 400,
			    "unsupported_connection_type", "type",
			    "Only direct OAuth2 app credentials are supported "
			    "in this deployment");
		vtype = json_str(value, "type");
		if (vtype != NULL && strcmp(vtype, type) != 0)
			return resp_error_field(resp, 400, "invalid_value",
			    "value.type", "value.type must equal type");
		if (strcmp(type, "OAUTH2") == 0 &&
		    (json_object_object_get_ex(value, "code", NULL) ||
		    (json_str(value, "grant_type") != NULL &&
		    strcmp(json_str(value, "grant_type"),
		    "client_credentials") == 0 &&
		    json_str(value, "access_token") == NULL))) {
			/* The original's client-held flow: exchange first. */
			char	msg[256];
			int	ig;

			st = oauth2_exchange(r, resp, piece, version, value,
			    &exchanged, msg, sizeof(msg), &ig);
			if (st == 400 && resp->body == NULL)
				return resp_error_field(resp, 400,
				    "oauth2_exchange_failed", "value.code",
				    "%s", msg);
			if (st != 0)
				return st;
			value = exchanged;
		}
		st = conn_check_value(r, resp, piece, version, type, value, &auth,
		    &legacy, &found);
		json_object_put(auth);
		if (st != 0) {
			vault_discard(exchanged);
			return st;
		}
		json_object_object_add(value, "type",
		    json_object_new_string(type));
		stored = json_object_get(value);
	}

	memset(&w, 0, sizeof(w));
	w.owner = r->who.user_id;
	w.external_id = ext;
	w.display_name = name;
	w.piece_name = piece;
	w.piece_version = version ? version : found ? found : "0.0.0";
	w.type = type;
	w.status = placeholder ? "MISSING" : "ACTIVE";
	w.metadata = metadata_text(r, meta, legacy);
	st = conn_store(r, resp, &w, stored, placeholder, out);
	vault_discard(stored);		/* wipes exchanged too: same object */
	json_object_put(exchanged);
	return st;
}

/* POST /api/app-connections: create or replace by externalId. */
int
h_conn_upsert(struct req *r, struct resp *resp)
{
	char	*json;
	int	 st;

	if ((st = conn_upsert_body(r, resp, r->json, &json)) != 0)
		return st;
	return resp_raw(resp, 201, json);
}

static int
valid_cursor(const char *c, char **t, char **id, const char **dir)
{
	const char	*p;

	if ((c[0] != 'n' && c[0] != 'p') || c[1] != '.')
		return 0;
	*dir = c[0] == 'n' ? "n" : "p";
	for (p = c + 2; *p >= '0' && *p <= '9'; p++)
		continue;
	if (p == c + 2 || p - (c + 2) > 18 || *p != '.' || p[1] == '\0')
		return 0;
	/* Ids are apconn's [0-9a-z], or imported ones (id_importable()). */
	if (!id_importable(p + 1))
		return 0;
	*t = (char *)(uintptr_t)(c + 2);
	*id = (char *)(uintptr_t)(p + 1);
	return 1;
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

	memset(&q, 0, sizeof(q));
	if ((v = req_query(r, "pieceName")) != NULL && *v != '\0')
		q.piece_name = piece_short_name(v);
	if ((v = req_query(r, "displayName")) != NULL && *v != '\0')
		q.display_name = v;
	if ((v = req_query(r, "scope")) != NULL && *v != '\0') {
		if (strcmp(v, "PROJECT") != 0 && strcmp(v, "PLATFORM") != 0)
			return resp_error_field(resp, 400, "invalid_request",
			    "scope", "scope must be PROJECT or PLATFORM");
		q.scope = v;
	}
	nst = req_query_all(r, "status", st, 8);
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
	if ((v = req_query(r, "limit")) != NULL && *v != '\0') {
		char	*end;

		limit = strtol(v, &end, 10);
		if (*end != '\0' || limit < 1 || limit > 1000)
			return resp_error_field(resp, 400, "invalid_request",
			    "limit", "limit must be a number from 1 to 1000");
	}
	if ((v = req_query(r, "cursor")) != NULL && *v != '\0') {
		if (!valid_cursor(v, &t, &id, &dir))
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
 * The list cache's key of q (listcache.c): the credential's kind and id
 * (authn_fast_args(), never the token's hash) and every parameter, each
 * with its length, so that no two requests share a key.  NULL when out
 * of memory.
 */
static char *
list_cache_key(struct req *r, const struct conn_query *q)
{
	const char	*f[10] = { q->auth[0], q->auth[1], q->piece_name,
	    q->display_name, q->statuses, q->scope, q->cursor_time,
	    q->cursor_id, q->direction, q->limit };
	char		*key;
	size_t		 i;

	key = arena_strdup(r->arena, "");
	for (i = 0; i < 10 && key != NULL; i++)
		key = f[i] == NULL ? arena_printf(r->arena, "%s-;", key) :
		    arena_printf(r->arena, "%s%zu:%s;", key, strlen(f[i]),
		    f[i]);
	return key;
}

/*
 * GET /api/app-connections: one page, never decrypting anything.  A page
 * this worker answered before is answered again when the caller's
 * owner's connections have not changed since (listcache.c).
 */
int
h_conn_list(struct req *r, struct resp *resp)
{
	struct conn_query q;
	struct conn_page  p;
	const char	*t, *dir, *kept, *owner;
	char		*cur, *next, *prev, *key;
	long long	 gen;
	enum db_rc	 rc;
	int		 status;

	if ((status = list_query(r, resp, &q)) != 0)
		return authn_fast_refusal(r, resp, status);
	authn_fast_args(r, q.auth);
	key = list_cache_key(r, &q);
	if (key != NULL && (kept = listcache_find(key, &owner, &gen)) != NULL) {
		/*
		 * One small query: is it the same owner, unchanged?  kept
		 * and owner stay valid: nothing is put before the answer.
		 */
		if ((rc = db_conn_list_gen(r->db, r->arena, q.auth, &p)) !=
		    DB_OK)
			return resp_db_error(resp, rc);
		if ((status = authn_fast_done(r, resp, p.user_id, p.scopes,
		    p.stale)) != 0)
			return status;
		if (strcmp(owner, p.user_id) == 0 && gen == p.gen) {
			metrics_listcache(ML_HIT);
			return resp_raw(resp, 200, kept);
		}
		metrics_listcache(ML_STALE);
		authn_fast_args(r, q.auth);	/* the caller, known now */
	} else
		metrics_listcache(ML_MISS);
	t = q.cursor_time;
	dir = q.direction;
	if ((rc = db_conn_list(r->db, r->arena, &q, &p)) != DB_OK)
		return resp_db_error(resp, rc);
	if ((status = authn_fast_done(r, resp, p.user_id, p.scopes,
	    p.stale)) != 0)
		return status;

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
	cur = arena_printf(r->arena, "{\"data\":%s,\"next\":%s,"
	    "\"previous\":%s}", p.data, next ? next : "null",
	    prev ? prev : "null");
	if (key != NULL && cur != NULL)
		listcache_put(key, p.user_id, p.gen, cur);
	return resp_raw(resp, 200, cur);
}

/*
 * Reads and opens owner's connection id.  Returns 0 with *c and *value
 * (caller puts; NULL for an unreadable value), or the error status.
 */
int
conn_open(struct req *r, struct resp *resp, const char *id,
    struct conn_row *c, json_object **value)
{
	enum db_rc	rc;

	*value = NULL;
	if ((rc = db_conn_get(r->db, r->arena, id, r->who.user_id, c)) ==
	    DB_NOTFOUND)
		return not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	*value = vault_open(r, id, c);
	return 0;
}

/* The secret-free view of value; *value is modified in place. */
int
conn_redact(struct req *r, struct resp *resp, const struct conn_row *c,
    json_object *value)
{
	json_object	*auth = NULL, *def = NULL;
	char		*ver;
	int		 known, offers = 0;

	if (strcmp(c->type, "CUSTOM_AUTH") == 0) {
		known = piece_auth_lookup(r, resp, c->piece_name,
		    c->piece_version, &auth, &ver);
		if (known < 0)
			return -known;
		if (known)
			def = piece_auth_find(auth, "CUSTOM_AUTH", &offers);
	}
	conn_value_redact(value, offers ? def : NULL);
	json_object_put(auth);
	return 0;
}

/* GET /api/app-connections/{id}: value without secrets, workflowIds. */
int
h_conn_get(struct req *r, struct resp *resp)
{
	struct conn_row	 c;
	json_object	*value, *o;
	int		 st;

	if ((st = conn_open(r, resp, r->param[0], &c, &value)) != 0)
		return st;
	if (value == NULL)
		return resp_error(resp, 500, "value_unreadable",
		    "The connection's value cannot be read");
	if ((st = conn_redact(r, resp, &c, value)) != 0) {
		vault_discard(value);
		return st;
	}
	if ((o = json_tokener_parse(c.json)) == NULL) {
		vault_discard(value);
		return resp_error(resp, 500, "internal", "Internal error");
	}
	json_object_object_add(o, "value", value);
	json_object_object_add(o, "workflowIds",
	    json_tokener_parse(c.workflows));
	return resp_json(resp, 200, o);
}

/*
 * Applies a flat config to owner's connection id and stores the result,
 * re-validated and re-sealed, as ACTIVE.  name NULL keeps the name.
 * Returns 0 with *out = the connection JSON (arena), or the error status.
 */
int
conn_apply_config(struct req *r, struct resp *resp, const char *id,
    const char *name, json_object *config, char **out)
{
	struct conn_row	 c;
	struct sealed_ref s;
	json_object	*value, *auth = NULL;
	char		*json, *found;
	int		 st, legacy = 0;
	enum db_rc	 rc;

	if ((st = conn_open(r, resp, id, &c, &value)) != 0)
		return st;
	if (value == NULL)
		return resp_error(resp, 500, "value_unreadable",
		    "The connection's value cannot be read");
	if (conn_value_apply_config(value, c.type, config) == -1) {
		vault_discard(value);
		return resp_error_field(resp, 400, "invalid_request", "config",
		    "config must be an object of plain values");
	}
	if (strcmp(c.type, "NO_AUTH") != 0 &&
	    (st = conn_check_value(r, resp, c.piece_name, NULL, c.type, value,
	    &auth, &legacy, &found)) != 0) {
		json_object_put(auth);
		vault_discard(value);
		return st;
	}
	json_object_put(auth);
	st = vault_seal(r, id, value, &s);
	vault_discard(value);
	if (st == -1)
		return resp_error(resp, 500, "internal", "Internal error");
	rc = db_conn_set_value(r->db, r->arena, id, r->who.user_id, name, &s,
	    legacy ? "{\"validated\":false}" : NULL, &json);
	if (rc == DB_NOTFOUND)
		return not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	*out = json;
	return 0;
}

/* POST /api/app-connections/{id}: rename, or replace from a flat config. */
int
h_conn_update(struct req *r, struct resp *resp)
{
	const char	*name, *meta = NULL;
	json_object	*config, *m;
	char		*json;
	enum db_rc	 rc;
	int		 st;

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
	if (metadata_of(r->json, &m) == -1)
		return resp_error_field(resp, 400, "invalid_request",
		    "metadata", "metadata must be an object");
	if (m != NULL)
		meta = arena_strdup(r->arena, json_object_to_json_string_ext(m,
		    JSON_C_TO_STRING_PLAIN));
	if (json_object_object_get_ex(r->json, "config", &config) &&
	    config != NULL) {
		if ((st = conn_apply_config(r, resp, r->param[0], name,
		    config, &json)) != 0)
			return st;
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
	const char	*v = req_query(r, "ifUnreferenced");
	char		*refs, *out;
	enum db_rc	 rc;

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
