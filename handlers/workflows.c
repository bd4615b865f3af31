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

static const char *
text_of(struct req *r, json_object *o)
{
	return arena_strdup(r->arena, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
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

/* GET /api/workflows */
int
h_wf_list(struct req *r, struct resp *resp)
{
	char		*json;
	enum db_rc	 rc;

	if (!r->authed)
		return resp_raw(resp, 200, "[]");
	if (!(r->who.scopes & SCOPE_WF_READ))
		return resp_error(resp, 403, "insufficient_scope",
		    "Missing scope: workflows:read");
	if ((rc = db_wf_list(r->db, r->arena, r->who.user_id, &json)) != DB_OK)
		return resp_db_error(resp, rc);
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
	int		 foreign;
	enum db_rc	 rc;

	if (name == NULL || *name == '\0' ||
	    !json_object_object_get_ex(r->json, "nodes", &nodes) ||
	    !json_object_is_type(nodes, json_type_array) ||
	    !json_object_object_get_ex(r->json, "edges", &edges) ||
	    !json_object_is_type(edges, json_type_array))
		return resp_error(resp, 400, "invalid_request",
		    "Name, nodes, and edges are required");
	memset(&w, 0, sizeof(w));
	w.owner = r->who.user_id;
	w.nodes = text_of(r, nodes);
	w.edges = text_of(r, edges);
	if ((rc = db_wf_foreign_refs(r->db, w.nodes, w.owner, &foreign)) !=
	    DB_OK)
		return resp_db_error(resp, rc);
	if (foreign)
		return forbidden_refs(resp);
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
	if (w.nodes == NULL || w.edges == NULL || w.name == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	if ((rc = db_wf_create(r->db, r->arena, &w, &json)) != DB_OK)
		return resp_db_error(resp, rc);
	return resp_raw(resp, 200, json);
}

/* The row json with isOwner (and sanitized nodes for others). */
static int
answer(struct resp *resp, const char *json, int owner)
{
	json_object	*o, *nodes;

	if ((o = json_tokener_parse(json)) == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	if (!owner && json_object_object_get_ex(o, "nodes", &nodes) &&
	    json_object_is_type(nodes, json_type_array))
		sanitize(nodes);
	json_object_object_add(o, "isOwner", json_object_new_boolean(owner));
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
	return answer(resp, json, mine);
}

/* PATCH /api/workflows/{id} */
int
h_wf_patch(struct req *r, struct resp *resp)
{
	json_object	*nodes = NULL, *edges = NULL, *v;
	struct wf_write	 w;
	char		*json, *owner, *vis;
	enum db_rc	 rc;
	int		 foreign;

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
	if (json_object_object_get_ex(r->json, "nodes", &nodes) &&
	    json_object_is_type(nodes, json_type_array)) {
		w.nodes = text_of(r, nodes);
		if ((rc = db_wf_foreign_refs(r->db, w.nodes, w.owner,
		    &foreign)) != DB_OK)
			return resp_db_error(resp, rc);
		if (foreign)
			return forbidden_refs(resp);
	}
	if (json_object_object_get_ex(r->json, "edges", &edges) &&
	    json_object_is_type(edges, json_type_array))
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
	return answer(resp, json, 1);
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
