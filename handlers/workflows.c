/*
 * /api/workflows in the original workflow builder's shapes: the list (200
 * [] without a credential), create (200, a default trigger node, "Untitled
 * N"), get (public ones sanitized for others, isOwner), patch and delete.
 * A legacy integrationId that is another user's connection is refused
 * with the original's 403; every save rewrites the workflow's connection
 * references in the same transaction.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "../db/token.h"
#include "handlers.h"

static int	answer(struct req *, struct resp *, const char *, int,
		    const char *);

static int
wf_not_found(struct resp *resp)
{
	return resp_error(resp, 404, "not_found", "Workflow not found");
}

static int
forbidden_refs(struct resp *resp)
{
	return resp_error(resp, 403, "invalid_integration_references",
	    "Invalid integration references in workflow");
}

/* A 21-character id of nanoid's default alphabet (node and edge ids). */
static void
nanoid(char out[22])
{
	static const char	abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno"
	    "pqrstuvwxyz0123456789_-";
	unsigned char		rnd[21];
	size_t			i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	for (i = 0; i < 21; i++)
		out[i] = abc[rnd[i] & 63];
	out[21] = '\0';
}

/*
 * The original's rule for a save: a legacy integrationId naming another
 * user's connection is refused.  Returns 0, or the status in resp.
 */
static int
check_refs(struct req *r, struct resp *resp, const char *nodes)
{
	enum db_rc	rc;
	int		foreign;

	if ((rc = db_wf_foreign_refs(r->db, nodes, r->who.user_id,
	    &foreign)) != DB_OK)
		return resp_db_error(resp, rc);
	return foreign ? forbidden_refs(resp) : 0;
}

/*
 * Who may read a workflow's definition outside the UI routes (its
 * validation, its execution payload): its owner with workflows:read, or
 * an executor key, whichever user the workflow belongs to.  Returns 0, or
 * the error status in resp.
 */
int
wf_may_read(struct req *r, struct resp *resp, const char *owner)
{
	if (r->who.scopes & SCOPE_EXECUTOR)
		return 0;
	if (!(r->who.scopes & SCOPE_WF_READ))
		return resp_error(resp, 403, "insufficient_scope",
		    "Missing scope: workflows:read");
	if (strcmp(owner, r->who.user_id) != 0)
		return wf_not_found(resp);
	return 0;
}

/* Reads workflow id (JSON text) for wf_may_read()'s callers. */
int
wf_readable(struct req *r, struct resp *resp, const char *id, char **json)
{
	char		*owner, *vis;
	enum db_rc	 rc;

	rc = db_wf_get(r->db, r->arena, id, json, &owner, &vis);
	if (rc == DB_NOTFOUND)
		return wf_not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return wf_may_read(r, resp, owner);
}

/*
 * Adds "warnings", the connection problems of the saved nodes, to the
 * answer o when there are any.  Returns 0, or the error status in resp.
 */
static int
add_warnings(struct req *r, struct resp *resp, json_object *o,
    const char *nodes)
{
	json_object	*w;
	char		*json;
	enum db_rc	 rc;

	if (nodes == NULL)
		return 0;
	if ((rc = db_wf_issues(r->db, r->arena, nodes, r->who.user_id,
	    &json)) != DB_OK)
		return resp_db_error(resp, rc);
	if ((w = json_tokener_parse(json)) == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	if (json_object_array_length(w) == 0)
		json_object_put(w);
	else
		json_object_object_add(o, "warnings", w);
	return 0;
}

static const char *
text_of(struct req *r, json_object *o)
{
	return arena_strdup(r->arena, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
}

/*
 * A node whose integrationId was cleared (null or "") loses its auth
 * template too, in data and in data.config: the reference goes as a whole.
 */
static void
drop_cleared(json_object *nodes)
{
	json_object	*n, *d, *o, *v;
	size_t		 i;
	int		 k;

	for (i = 0; i < json_object_array_length(nodes); i++) {
		n = json_object_array_get_idx(nodes, i);
		if (!json_object_object_get_ex(n, "data", &d) ||
		    !json_object_is_type(d, json_type_object))
			continue;
		for (k = 0; k < 2; k++) {
			o = d;
			if (k == 1 && (!json_object_object_get_ex(d, "config",
			    &o) || !json_object_is_type(o, json_type_object)))
				continue;
			if (!json_object_object_get_ex(o, "integrationId", &v) ||
			    (v != NULL && (!json_object_is_type(v,
			    json_type_string) || json_object_get_string_len(v)
			    > 0)))
				continue;
			json_object_object_del(o, "integrationId");
			json_object_object_del(o, "auth");
		}
	}
}

/* Removes integrationId and auth from every node (data and data.config). */
static void
sanitize(json_object *nodes)
{
	json_object	*n, *d, *c;
	size_t		 i;

	for (i = 0; i < json_object_array_length(nodes); i++) {
		n = json_object_array_get_idx(nodes, i);
		if (!json_object_object_get_ex(n, "data", &d) ||
		    !json_object_is_type(d, json_type_object))
			continue;
		json_object_object_del(d, "integrationId");
		json_object_object_del(d, "auth");
		if (json_object_object_get_ex(d, "config", &c) &&
		    json_object_is_type(c, json_type_object)) {
			json_object_object_del(c, "integrationId");
			json_object_object_del(c, "auth");
		}
	}
}

#define WF_NAME_MAX	255		/* characters of a workflow's name */
#define WF_DESC_MAX	4096		/* characters of its description */

/* 0, or the 400 answered when name or description is too long. */
static int
wf_text_sizes(struct resp *resp, const char *name, const char *desc)
{
	if (name != NULL && strlen(name) > WF_NAME_MAX)
		return resp_error_field(resp, 400, "invalid_request", "name",
		    "name is longer than %d characters", WF_NAME_MAX);
	if (desc != NULL && strlen(desc) > WF_DESC_MAX)
		return resp_error_field(resp, 400, "invalid_request",
		    "description", "description is longer than %d characters",
		    WF_DESC_MAX);
	return 0;
}

#define WF_PAGE_MAX	1000		/* rows of a page (and the default) */
#define WF_PAGE_BYTES	(8L << 20)	/* bytes of a page, but its first row */

/*
 * GET /api/workflows[?limit=N&cursor=C]: the original's bare array, most
 * recently updated first, a page at a time; X-Next-Cursor names the next.
 */
int
h_wf_list(struct req *r, struct resp *resp)
{
	struct wf_page	 q;
	const char	*v, *dir;
	char		*json, *nt, *nid, *next, *t, *id;
	enum db_rc	 rc;
	int		 st;

	if (!r->authed)
		return resp_raw(resp, 200, "[]");
	if (!(r->who.scopes & SCOPE_WF_READ))
		return resp_error(resp, 403, "insufficient_scope",
		    "Missing scope: workflows:read");
	memset(&q, 0, sizeof(q));
	q.owner = r->who.user_id;
	q.limit = WF_PAGE_MAX;
	q.budget = WF_PAGE_BYTES;
	if ((st = query_number(r, resp, "limit", 1, WF_PAGE_MAX,
	    &q.limit)) != 0 || (st = query_one(r, resp, "cursor", &v)) != 0)
		return st;
	if (v != NULL) {
		if (!cursor_parse(v, &t, &id, &dir) || *dir != 'n')
			return resp_error_field(resp, 400, "invalid_request",
			    "cursor", "Invalid cursor");
		q.cursor_time = arena_strndup(r->arena, t,
		    (size_t)(strchr(t, '.') - t));
		q.cursor_id = id;
	}
	if ((rc = db_wf_list(r->db, r->arena, &q, &json, &nt, &nid)) !=
	    DB_OK)
		return resp_db_error(resp, rc);
	if (nt != NULL && nid != NULL) {
		/* The body stays the original's bare array. */
		next = arena_printf(r->arena, "n.%s.%s", nt, nid);
		if (next != NULL && cursor_parse(next, &t, &id, &dir))
			resp_header(resp, "X-Next-Cursor", next);
	}
	return resp_raw(resp, 200, json);
}

/* POST /api/workflows/create (and POST /api/workflows) */
int
h_wf_create(struct req *r, struct resp *resp)
{
	json_object	*nodes, *edges, *n, *d, *cfg, *pos;
	struct wf_write	 w;
	const char	*name = json_str(r->json, "name");
	char		 id[ID_LEN + 1], nid[22], *json;
	long		 count;
	int		 st;
	enum db_rc	 rc;

	nodes = json_array(r->json, "nodes");
	edges = json_array(r->json, "edges");
	if (name == NULL || *name == '\0' || nodes == NULL || edges == NULL)
		return resp_error(resp, 400, "invalid_request",
		    "Name, nodes, and edges are required");
	memset(&w, 0, sizeof(w));
	w.owner = r->who.user_id;
	drop_cleared(nodes);
	w.nodes = text_of(r, nodes);
	w.edges = text_of(r, edges);
	if ((st = check_refs(r, resp, w.nodes)) != 0)
		return st;
	if (json_object_array_length(nodes) == 0) {
		/* As the original: a new workflow starts with its trigger. */
		nanoid(nid);
		n = json_object_new_object();
		json_object_object_add(n, "id", json_object_new_string(nid));
		json_object_object_add(n, "type",
		    json_object_new_string("trigger"));
		pos = json_object_new_object();
		json_object_object_add(pos, "x", json_object_new_int(0));
		json_object_object_add(pos, "y", json_object_new_int(0));
		json_object_object_add(n, "position", pos);
		d = json_object_new_object();
		json_object_object_add(d, "label", json_object_new_string(""));
		json_object_object_add(d, "description",
		    json_object_new_string(""));
		json_object_object_add(d, "type",
		    json_object_new_string("trigger"));
		cfg = json_object_new_object();
		json_object_object_add(cfg, "triggerType",
		    json_object_new_string("Manual"));
		json_object_object_add(d, "config", cfg);
		json_object_object_add(d, "status",
		    json_object_new_string("idle"));
		json_object_object_add(n, "data", d);
		json_object_array_add(nodes, n);
		w.nodes = text_of(r, nodes);
	}
	if (strcmp(name, "Untitled Workflow") == 0) {
		if ((rc = db_wf_count(r->db, r->arena, w.owner, &count)) !=
		    DB_OK)
			return resp_db_error(resp, rc);
		name = arena_printf(r->arena, "Untitled %ld", count + 1);
	}
	if (id_new(id) == -1)
		return resp_error(resp, 500, "internal", "Internal error");
	w.id = id;
	w.name = name;
	w.description = json_str(r->json, "description");
	if ((st = wf_text_sizes(resp, w.name, w.description)) != 0)
		return st;
	if (w.nodes == NULL || w.edges == NULL || w.name == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	if ((rc = db_wf_create(r->db, r->arena, &w, &json)) != DB_OK)
		return resp_db_error(resp, rc);
	return answer(r, resp, json, -1, w.nodes);
}

/*
 * Answers the row json: with isOwner unless owner is -1 (create), nodes
 * sanitized when 0, and the warnings of the saved nodes when given.
 */
static int
answer(struct req *r, struct resp *resp, const char *json, int owner,
    const char *saved)
{
	json_object	*o, *nodes;
	int		 st;

	if ((o = json_tokener_parse(json)) == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	if (owner == 0 && (nodes = json_array(o, "nodes")) != NULL)
		sanitize(nodes);
	if (owner != -1)
		json_object_object_add(o, "isOwner",
		    json_object_new_boolean(owner));
	if ((st = add_warnings(r, resp, o, saved)) != 0) {
		json_object_put(o);
		return st;
	}
	return resp_json(resp, 200, o);
}

/* GET /api/workflows/{id}: the owner's, or a public one (sanitized). */
int
h_wf_get(struct req *r, struct resp *resp)
{
	char		*json, *owner, *vis;
	enum db_rc	 rc;
	int		 mine;

	rc = db_wf_get(r->db, r->arena, r->param[0], &json, &owner, &vis);
	if (rc == DB_NOTFOUND)
		return wf_not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	mine = r->authed && strcmp(owner, r->who.user_id) == 0;
	if (!mine && strcmp(vis, "public") != 0)
		return wf_not_found(resp);
	return answer(r, resp, json, mine, NULL);
}

/* PATCH /api/workflows/{id} */
int
h_wf_patch(struct req *r, struct resp *resp)
{
	json_object	*nodes = NULL, *edges = NULL, *v;
	struct wf_write	 w;
	char		*json, *owner, *vis;
	enum db_rc	 rc;
	int		 st;

	rc = db_wf_get(r->db, r->arena, r->param[0], &json, &owner, &vis);
	if (rc == DB_NOTFOUND || (rc == DB_OK &&
	    strcmp(owner, r->who.user_id) != 0))
		return wf_not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	memset(&w, 0, sizeof(w));
	w.id = r->param[0];
	w.owner = r->who.user_id;
	w.name = json_str(r->json, "name");
	w.description = json_str(r->json, "description");
	if ((st = wf_text_sizes(resp, w.name, w.description)) != 0)
		return st;
	if ((nodes = json_array(r->json, "nodes")) != NULL) {
		drop_cleared(nodes);
		w.nodes = text_of(r, nodes);
		if ((st = check_refs(r, resp, w.nodes)) != 0)
			return st;
	}
	if ((edges = json_array(r->json, "edges")) != NULL)
		w.edges = text_of(r, edges);
	if (json_object_object_get_ex(r->json, "visibility", &v) && v != NULL) {
		w.visibility = json_str(r->json, "visibility");
		if (w.visibility == NULL || (strcmp(w.visibility, "private") !=
		    0 && strcmp(w.visibility, "public") != 0))
			return resp_error_field(resp, 400, "invalid_request",
			    "visibility", "Invalid visibility value. Must be "
			    "'private' or 'public'");
	}
	rc = db_wf_update(r->db, r->arena, &w, &json);
	if (rc == DB_NOTFOUND)
		return wf_not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return answer(r, resp, json, 1, w.nodes);
}

/* DELETE /api/workflows/{id} */
int
h_wf_delete(struct req *r, struct resp *resp)
{
	enum db_rc	rc;

	rc = db_wf_delete(r->db, r->param[0], r->who.user_id);
	if (rc == DB_NOTFOUND)
		return wf_not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return resp_success(resp);
}

static const char *
id_map(char **from, char **to, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < n; i++)
		if (strcmp(from[i], id) == 0)
			return to[i];
	return id;
}

/*
 * POST /api/workflows/{id}/duplicate: a private copy of the caller's or a
 * public workflow, as the original makes it: new node and edge ids (edges
 * remapped), every node idle, "X (Copy)" then "X (Copy) 2"...; the
 * references are kept in the owner's own copy and stripped in anyone
 * else's.
 */
int
h_wf_duplicate(struct req *r, struct resp *resp)
{
	json_object	*o, *nodes, *edges, *n, *d, *e;
	struct wf_write	 w;
	char		*json, *owner, *vis, id[ID_LEN + 1], **from, **to;
	const char	*name, *old;
	size_t		 i, nn = 0, ne;
	enum db_rc	 rc;
	int		 mine;

	rc = db_wf_get(r->db, r->arena, r->param[0], &json, &owner, &vis);
	if (rc == DB_NOTFOUND)
		return wf_not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	mine = strcmp(owner, r->who.user_id) == 0;
	if (!mine && strcmp(vis, "public") != 0)
		return wf_not_found(resp);
	if ((o = json_tokener_parse(json)) == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	nodes = json_array(o, "nodes");
	edges = json_array(o, "edges");
	nn = nodes ? json_object_array_length(nodes) : 0;
	from = arena_alloc(r->arena, (nn + 1) * sizeof(char *));
	to = arena_alloc(r->arena, (nn + 1) * sizeof(char *));
	if (from == NULL || to == NULL) {
		json_object_put(o);
		return resp_error(resp, 500, "internal", "Internal error");
	}
	for (i = 0; i < nn; i++) {
		n = json_object_array_get_idx(nodes, i);
		old = json_str(n, "id");
		from[i] = arena_strdup(r->arena, old ? old : "");
		to[i] = arena_alloc(r->arena, 22);
		nanoid(to[i]);
		json_object_object_add(n, "id", json_object_new_string(to[i]));
		if (json_object_object_get_ex(n, "data", &d) &&
		    json_object_is_type(d, json_type_object))
			json_object_object_add(d, "status",
			    json_object_new_string("idle"));
	}
	if (!mine && nodes != NULL)
		sanitize(nodes);
	ne = edges ? json_object_array_length(edges) : 0;
	for (i = 0; i < ne; i++) {
		char	eid[22];

		e = json_object_array_get_idx(edges, i);
		if (!json_object_is_type(e, json_type_object))
			continue;
		nanoid(eid);
		json_object_object_add(e, "id", json_object_new_string(eid));
		if ((old = id_map(from, to, nn, json_str(e, "source"))) != NULL)
			json_object_object_add(e, "source",
			    json_object_new_string(old));
		if ((old = id_map(from, to, nn, json_str(e, "target"))) != NULL)
			json_object_object_add(e, "target",
			    json_object_new_string(old));
	}
	name = json_str(o, "name");
	memset(&w, 0, sizeof(w));
	w.owner = r->who.user_id;
	w.nodes = nodes ? text_of(r, nodes) : "[]";
	w.edges = edges ? text_of(r, edges) : "[]";
	w.description = json_str(o, "description") ? arena_strdup(r->arena,
	    json_str(o, "description")) : NULL;
	rc = db_wf_copy_name(r->db, r->arena, w.owner, arena_printf(r->arena,
	    "%s (Copy)", name ? name : "Untitled"), &json);
	json_object_put(o);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	w.name = json;
	if (id_new(id) == -1 || w.nodes == NULL || w.edges == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	w.id = id;
	if ((rc = db_wf_create(r->db, r->arena, &w, &json)) != DB_OK)
		return resp_db_error(resp, rc);
	return answer(r, resp, json, 1, mine ? w.nodes : NULL);
}

/* GET /api/workflows/current: the autosave {id, nodes, edges}. */
int
h_wf_current_get(struct req *r, struct resp *resp)
{
	char		*json, *id;
	enum db_rc	 rc;

	rc = db_wf_current(r->db, r->arena, r->who.user_id, &json, &id);
	if (rc == DB_NOTFOUND)
		return resp_raw(resp, 200, "{\"nodes\":[],\"edges\":[]}");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return resp_raw(resp, 200, json);
}

/* POST /api/workflows/current {nodes, edges}: saves the autosave row. */
int
h_wf_current_save(struct req *r, struct resp *resp)
{
	json_object	*nodes, *edges;
	struct wf_write	 w;
	char		*json, *id, newid[ID_LEN + 1];
	enum db_rc	 rc;
	int		 st;

	nodes = json_array(r->json, "nodes");
	edges = json_array(r->json, "edges");
	if (nodes == NULL || edges == NULL)
		return resp_error(resp, 400, "invalid_request",
		    "Nodes and edges are required");
	memset(&w, 0, sizeof(w));
	w.owner = r->who.user_id;
	drop_cleared(nodes);
	w.nodes = text_of(r, nodes);
	w.edges = text_of(r, edges);
	/* apconn checks the references here too (the original did not). */
	if ((st = check_refs(r, resp, w.nodes)) != 0)
		return st;
	rc = db_wf_current(r->db, r->arena, w.owner, &json, &id);
	if (rc == DB_OK) {
		w.id = id;
		rc = db_wf_update(r->db, r->arena, &w, &json);
	} else if (rc == DB_NOTFOUND) {
		if (id_new(newid) == -1)
			return resp_error(resp, 500, "internal",
			    "Internal error");
		w.id = newid;
		w.name = "~~__CURRENT__~~";
		w.description = "Auto-saved current workflow";
		rc = db_wf_create(r->db, r->arena, &w, &json);
	}
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return h_wf_current_get(r, resp);
}
