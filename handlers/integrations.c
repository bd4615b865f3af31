/*
 * The original workflow builder's legacy server API, /api/integrations,
 * served from app_connection so that both APIs see the same rows: an
 * integration is a CUSTOM_AUTH connection whose pieceName is the
 * integration type and whose props are its flat config.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "handlers.h"

static int
integ_not_found(struct resp *resp)
{
	return resp_error(resp, 404, "not_found", "Integration not found");
}

/* {id, name, type[, config], createdAt, updatedAt} from a connection. */
static json_object *
integ_object(const char *connjson, json_object *config)
{
	json_object	*c, *o;

	if ((c = json_tokener_parse(connjson)) == NULL) {
		json_object_put(config);
		return NULL;
	}
	o = json_object_new_object();
	value_copy_member(o, "id", c, "id");
	value_copy_member(o, "name", c, "displayName");
	value_copy_member(o, "type", c, "pieceName");
	if (config != NULL)
		json_object_object_add(o, "config", config);
	value_copy_member(o, "createdAt", c, "createdAt");
	value_copy_member(o, "updatedAt", c, "updatedAt");
	json_object_put(c);
	return o;
}

/*
 * The flat config of a secret-free value, as the original client maps it:
 * a new object of copies.
 */
static json_object *
flat_config(const char *type, json_object *value)
{
	json_object	*cfg = json_object_new_object(), *props;

	if (strcmp(type, "CUSTOM_AUTH") == 0) {
		if (json_object_object_get_ex(value, "props", &props) &&
		    json_object_is_type(props, json_type_object)) {
			json_object_object_foreach(props, k, v) {
				(void)v;
				value_copy_member(cfg, k, props, k);
			}
		}
	} else if (strcmp(type, "BASIC_AUTH") == 0)
		value_copy_member(cfg, "username", value, "username");
	else if (strcmp(type, "OAUTH2") == 0) {
		value_copy_member(cfg, "client_id", value, "client_id");
		value_copy_member(cfg, "redirect_url", value, "redirect_url");
		value_copy_member(cfg, "scope", value, "scope");
	}
	return cfg;
}

/* GET /api/integrations[?type=]: a bare array, no config. */
int
h_integ_list(struct req *r, struct resp *resp)
{
	const char	*type = req_query(r, "type");
	char		*json;
	enum db_rc	 rc;

	if (type != NULL && *type == '\0')
		type = NULL;
	rc = db_integ_list(r->db, r->arena, r->who.user_id,
	    type ? piece_short_name(type) : NULL, &json);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return resp_raw(resp, 200, json);
}

/* POST /api/integrations {name?, type, config}: 200 as the original. */
int
h_integ_create(struct req *r, struct resp *resp)
{
	struct core	 c;
	struct fail	 f;
	json_object	*type, *config, *name, *b, *value;
	unsigned char	 rnd[8];
	char		 ext[160], suffix[9];
	const char	*t, *n;
	char		*json;
	size_t		 i;
	int		 st;

	if (!json_object_object_get_ex(r->json, "type", &type) ||
	    !json_object_is_type(type, json_type_string) ||
	    json_object_get_string_len(type) == 0 ||
	    !json_object_object_get_ex(r->json, "config", &config) ||
	    !json_object_is_type(config, json_type_object))
		return resp_error(resp, 400, "invalid_request",
		    "Type and config are required");
	t = json_object_get_string(type);
	n = t;
	if (json_object_object_get_ex(r->json, "name", &name) &&
	    json_object_is_type(name, json_type_string) &&
	    json_object_get_string_len(name) > 0)
		n = json_object_get_string(name);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return resp_error(resp, 500, "internal", "Internal error");
	for (i = 0; i < 8; i++)
		suffix[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[rnd[i] % 36];
	suffix[8] = '\0';
	snprintf(ext, sizeof(ext), "%.100s-%lld000-%s", t,
	    (long long)time(NULL), suffix);

	b = json_object_new_object();
	json_object_object_add(b, "externalId", json_object_new_string(ext));
	json_object_object_add(b, "displayName", json_object_new_string(n));
	json_object_object_add(b, "pieceName", json_object_new_string(t));
	json_object_object_add(b, "type",
	    json_object_new_string("CUSTOM_AUTH"));
	value = json_object_new_object();
	json_object_object_add(value, "type",
	    json_object_new_string("CUSTOM_AUTH"));
	json_object_object_add(value, "props", json_object_get(config));
	json_object_object_add(b, "value", value);
	/* b shares config with the body, whose arena wipes it. */
	core_of(&c, r);
	st = conn_upsert(&c, &f, b, &json);
	json_object_put(b);
	if (st == -1)
		return resp_fail(resp, &f);
	return resp_json(resp, 200, integ_object(json, NULL));
}

static int
integ_answer(struct req *r, struct resp *resp, const char *id)
{
	struct core	 c;
	struct fail	 f;
	struct conn_row	 row;
	json_object	*value, *pub, *o;

	core_of(&c, r);
	if (conn_open(&c, &f, id, &row, &value) == -1)
		return f.status == 404 ? integ_not_found(resp) :
		    resp_fail(resp, &f);
	if (value == NULL)
		return resp_error(resp, 500, "value_unreadable",
		    "The integration's value cannot be read");
	if (conn_redact(&c, &f, &row, value, &pub) == -1)
		return resp_fail(resp, &f);
	o = integ_object(row.json, flat_config(row.type, pub));
	json_object_put(pub);
	return resp_json(resp, 200, o);
}

/* GET /api/integrations/{id}: with config, secrets left out. */
int
h_integ_get(struct req *r, struct resp *resp)
{
	return integ_answer(r, resp, r->param[0]);
}

/* PUT /api/integrations/{id} {name?, config?} */
int
h_integ_update(struct req *r, struct resp *resp)
{
	struct core	 c;
	struct fail	 f;
	json_object	*name, *config;
	const char	*n = NULL;
	char		*json;
	enum db_rc	 rc;

	if (json_object_object_get_ex(r->json, "name", &name) &&
	    json_object_is_type(name, json_type_string) &&
	    json_object_get_string_len(name) > 0)
		n = json_object_get_string(name);
	if (json_object_object_get_ex(r->json, "config", &config) &&
	    config != NULL) {
		core_of(&c, r);
		if (conn_apply_config(&c, &f, r->param[0], n, config,
		    &json) == -1)
			return f.status == 404 ? integ_not_found(resp) :
			    resp_fail(resp, &f);
	} else {
		rc = db_conn_rename(r->db, r->arena, r->param[0],
		    r->who.user_id, n, NULL, &json);
		if (rc == DB_NOTFOUND)
			return integ_not_found(resp);
		if (rc != DB_OK)
			return resp_db_error(resp, rc);
	}
	return integ_answer(r, resp, r->param[0]);
}

/* DELETE /api/integrations/{id} */
int
h_integ_delete(struct req *r, struct resp *resp)
{
	char		*refs;
	enum db_rc	 rc;

	rc = db_conn_delete(r->db, r->arena, r->param[0], r->who.user_id,
	    &refs);
	if (rc == DB_NOTFOUND)
		return integ_not_found(resp);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	return resp_success(resp);
}
