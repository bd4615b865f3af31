/*
 * GET /api/workflows/{id}/execution-payload: the requests the original
 * executor sends to the activity executor, one per action node in its
 * order (Kahn's topological sort, nodes in a cycle or behind an unknown
 * source left out, as there), so an executor built for the original reads
 * apconn's workflows unchanged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "handlers.h"

/* The legacy fields the original copies from data when config lacks them. */
static const char *const data_fields[] = {
	"prompt", "model", "outputFormat", "message", "channel", "text",
	"url", "body", "headers", NULL
};

struct idx {
	const char	*id;
	size_t		 at;	/* position in the unique id list */
};

static int
idx_cmp(const void *a, const void *b)
{
	return strcmp(((const struct idx *)a)->id, ((const struct idx *)b)->id);
}

/* By id, then by position: the first of a run of equal ids comes first. */
static int
idx_cmp_at(const void *a, const void *b)
{
	const struct idx	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->id, y->id)) != 0)
		return c;
	return x->at < y->at ? -1 : x->at > y->at;
}

static long
idx_find(const struct idx *v, size_t n, const char *id)
{
	struct idx	 key, *hit;

	if (id == NULL)
		return -1;
	key.id = id;
	hit = bsearch(&key, v, n, sizeof(*v), idx_cmp);
	return hit ? (long)hit->at : -1;
}

static int
truthy(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return 0;
	case json_type_boolean:
		return json_object_get_boolean(o);
	case json_type_int:
		return json_object_get_int64(o) != 0;
	case json_type_double:
		return json_object_get_double(o) != 0;
	case json_type_string:
		return json_object_get_string_len(o) > 0;
	default:
		return 1;
	}
}

static json_object *
member(json_object *o, const char *k)
{
	json_object	*v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

/* The node's activity id (a new reference), or NULL for none. */
static json_object *
activity_id(struct req *r, json_object *data, json_object *config)
{
	json_object	*a, *s;
	const char	*t;

	a = member(config, "actionType");
	if (json_object_is_type(a, json_type_string) && truthy(a))
		return json_object_get(a);
	a = member(data, "actionId");
	if (json_object_is_type(a, json_type_string) && truthy(a))
		return json_object_get(a);
	s = member(config, "service");
	a = member(config, "action");
	if (s == NULL || a == NULL || !truthy(s) || !truthy(a))
		return NULL;
	t = arena_printf(r->arena, "%s/%s", json_object_get_string(s),
	    json_object_get_string(a));
	return t ? json_object_new_string(t) : NULL;
}

/* The node's input: config without the reference keys, plus data's legacy fields. */
static json_object *
node_input(json_object *data, json_object *config)
{
	json_object	*in = json_object_new_object(), *v;
	size_t		 i;

	if (json_object_is_type(config, json_type_object)) {
		json_object_object_foreach(config, k, x) {
			if (strcmp(k, "actionType") == 0 ||
			    strcmp(k, "integrationId") == 0 ||
			    strcmp(k, "auth") == 0)
				continue;
			json_object_object_add(in, k, json_object_get(x));
		}
	}
	for (i = 0; data_fields[i] != NULL; i++)
		if (json_object_is_type(data, json_type_object) &&
		    json_object_object_get_ex(data, data_fields[i], &v) &&
		    !json_object_object_get_ex(in, data_fields[i], NULL))
			json_object_object_add(in, data_fields[i],
			    json_object_get(v));
	return in;
}

/* Adds connection_external_id from the auth template in o, if any. */
static int
add_external_id(json_object *p, json_object *o)
{
	json_object	*a = member(o, "auth");
	const char	*id;
	size_t		 n;

	if (!json_object_is_type(a, json_type_string) ||
	    (n = template_external_id(json_object_get_string(a), &id)) == 0)
		return 0;
	json_object_object_add(p, "connection_external_id",
	    json_object_new_string_len(id, (int)n));
	return 1;
}

/* The payload of one node, or NULL when it is no action. */
static json_object *
node_payload(struct req *r, json_object *n, const char *wf,
    const char *execution)
{
	json_object	*p, *data, *config, *act, *v;
	const char	*label;

	data = member(n, "data");
	config = member(data, "config");
	if ((act = activity_id(r, data, config)) == NULL)
		return NULL;
	p = json_object_new_object();
	json_object_object_add(p, "activity_id", act);
	if (execution != NULL)
		json_object_object_add(p, "execution_id",
		    json_object_new_string(execution));
	json_object_object_add(p, "workflow_id", json_object_new_string(wf));
	json_object_object_add(p, "node_id", json_object_get(member(n, "id")));
	v = member(data, "label");
	label = truthy(v) ? json_object_get_string(v) : NULL;
	json_object_object_add(p, "node_name", label ?
	    json_object_new_string(label) : json_object_get(member(n, "id")));
	json_object_object_add(p, "input", node_input(data, config));
	json_object_object_add(p, "node_outputs", json_object_new_object());
	if (truthy(v = member(config, "integrationId")))
		json_object_object_add(p, "integration_id", json_object_get(v));
	else if (json_object_is_type(data, json_type_object) &&
	    json_object_object_get_ex(data, "integrationId", &v))
		json_object_object_add(p, "integration_id", json_object_get(v));
	if (!add_external_id(p, config))
		(void)add_external_id(p, data);
	return p;
}

static int
is_trigger(json_object *n)
{
	json_object	*t = member(n, "type");
	const char	*s;

	if (!json_object_is_type(t, json_type_string))
		return 0;
	s = json_object_get_string(t);
	return strcmp(s, "trigger") == 0 || strcmp(s, "manual-trigger") == 0;
}

/*
 * Appends to out the payloads of nodes in execution order.  Returns 0,
 * or -1 when memory runs out.
 */
static int
build(struct req *r, json_object *nodes, json_object *edges, const char *wf,
    const char *execution, json_object *out)
{
	struct idx	*ix;
	json_object	*n, *p, **node;
	size_t		 nn, ne, nu = 0, i, j, head = 0, tail = 0;
	size_t		*deg, *queue, *first, *next;
	long		*src, *dst, k;
	const char	*id;

	nn = json_object_array_length(nodes);
	ne = json_object_array_length(edges);
	ix = arena_alloc(r->arena, (nn + 1) * sizeof(*ix));
	node = arena_alloc(r->arena, (nn + 1) * sizeof(*node));
	deg = arena_alloc(r->arena, (nn + 1) * sizeof(*deg));
	queue = arena_alloc(r->arena, (nn + 1) * sizeof(*queue));
	first = arena_alloc(r->arena, (nn + 1) * sizeof(*first));
	src = arena_alloc(r->arena, (ne + 1) * sizeof(*src));
	dst = arena_alloc(r->arena, (ne + 1) * sizeof(*dst));
	next = arena_alloc(r->arena, (ne + 1) * sizeof(*next));
	if (!ix || !node || !deg || !queue || !first || !src || !dst || !next)
		return -1;

	/*
	 * Unique ids in first-seen order, a repeated id keeping its last
	 * node (the original's maps): sort (id, position), then number the
	 * first of each run in position order.
	 */
	for (i = 0; i < nn; i++) {
		first[i] = (size_t)-1;
		n = json_object_array_get_idx(nodes, i);
		if ((id = json_str(n, "id")) == NULL)
			continue;
		ix[nu].id = id;
		ix[nu++].at = i;
	}
	qsort(ix, nu, sizeof(*ix), idx_cmp_at);
	for (i = 0; i < nu; i = j) {
		for (j = i + 1; j < nu && strcmp(ix[j].id, ix[i].id) == 0; j++)
			continue;
		first[ix[i].at] = ix[j - 1].at;	/* first position -> last */
	}
	for (i = 0, k = 0; i < nn; i++)
		if (first[i] != (size_t)-1) {
			node[k] = json_object_array_get_idx(nodes, first[i]);
			first[i] = (size_t)k++;
		}
	for (i = 0, j = 0; i < nu; i++)
		if (i == 0 || strcmp(ix[i].id, ix[i - 1].id) != 0) {
			ix[j].id = ix[i].id;
			ix[j++].at = first[ix[i].at];
		}
	nu = j;
	for (i = 0; i < nu; i++) {
		deg[i] = 0;
		first[i] = (size_t)-1;
	}

	/* Edges: in-degrees, and each source's targets in edge order. */
	for (j = ne; j-- > 0; ) {
		n = json_object_array_get_idx(edges, j);
		src[j] = idx_find(ix, nu, json_str(n, "source"));
		dst[j] = idx_find(ix, nu, json_str(n, "target"));
		if (dst[j] >= 0)
			deg[dst[j]]++;
		if (src[j] >= 0) {
			next[j] = first[src[j]];
			first[src[j]] = j;
		}
	}

	for (i = 0; i < nu; i++)
		if (deg[i] == 0)
			queue[tail++] = i;
	while (head < tail) {
		i = queue[head++];
		for (j = first[i]; j != (size_t)-1; j = next[j])
			if (dst[j] >= 0 && --deg[dst[j]] == 0)
				queue[tail++] = (size_t)dst[j];
		if (is_trigger(node[i]))
			continue;
		if ((p = node_payload(r, node[i], wf, execution)) != NULL)
			json_object_array_add(out, p);
	}
	return 0;
}

/* GET /api/workflows/{id}/execution-payload[?executionId=] */
int
h_wf_payload(struct req *r, struct resp *resp)
{
	json_object	*o, *nodes, *edges, *out;
	const char	*execution = req_query(r, "executionId");
	char		*json;
	int		 st;

	if ((st = wf_readable(r, resp, r->param[0], &json)) != 0)
		return st;
	if (execution != NULL && (*execution == '\0' ||
	    strlen(execution) > 255))
		return resp_error_field(resp, 400, "invalid_request",
		    "executionId", "executionId must be 1 to 255 characters");
	if ((o = json_tokener_parse(json)) == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	nodes = json_array(o, "nodes");
	edges = json_array(o, "edges");
	out = json_object_new_array();
	if (nodes != NULL) {
		if (edges == NULL)
			edges = json_object_new_array();
		else
			json_object_get(edges);
		st = build(r, nodes, edges, r->param[0], execution, out);
		json_object_put(edges);
		if (st == -1) {
			json_object_put(o);
			json_object_put(out);
			return resp_error(resp, 500, "internal",
			    "Internal error");
		}
	}
	json_object_put(o);
	return resp_json(resp, 200, out);
}
