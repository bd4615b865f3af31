/*
 * GET /api/workflows/{id}/connections/{externalId}: the executor's
 * credential resolution.  An executor key gets {id, externalId, type,
 * pieceName, value} only for a connection that a node of the workflow
 * references and that the workflow's owner owns; an OAuth2 token due is
 * refreshed first; refresh_token and client_secret never leave.  Every
 * resolution, granted or refused, leaves an audit row without the secret;
 * when that row cannot be written nothing is handed out.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "../fcgi/log.h"
#include "handlers.h"

/* Value keys that stay on the server: what renews or re-creates a token. */
static const char *const server_only[] = {
	"refresh_token", "client_secret", "code", "code_verifier",
	"code_challenge", NULL
};

static int
param_ok(const char *s)
{
	return s == NULL || (*s != '\0' && strlen(s) <= 255);
}

/* The names of v's keys as a JSON array (arena text); "[]" on failure. */
static const char *
key_names(struct req *r, json_object *v)
{
	json_object	*a = json_object_new_array();
	const char	*s;

	json_object_object_foreach(v, k, x) {
		(void)x;
		json_object_array_add(a, json_object_new_string(k));
	}
	s = arena_strdup(r->arena, json_object_to_json_string_ext(a,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(a);
	return s ? s : "[]";
}

/*
 * Writes the audit row with outcome; a refusal's status is answered
 * whether or not the row was written.  Returns 0 when written, else -1.
 */
static int
audit(struct req *r, struct cred_audit *au, const char *outcome)
{
	au->outcome = outcome;
	if (db_cred_audit(r->db, au) != DB_OK) {
		log_warnx("%s credential audit not written (%s)", r->id,
		    outcome);
		return -1;
	}
	return 0;
}

static int
refuse(struct req *r, struct resp *resp, struct cred_audit *au,
    const char *outcome, int status, const char *code, const char *msg)
{
	(void)audit(r, au, outcome);
	return resp_error(resp, status, code, "%s", msg);
}

int
h_wf_credentials(struct req *r, struct resp *resp)
{
	struct cred_target	 t;
	struct cred_audit	 au;
	json_object		*v, *o;
	const char		*node = req_query(r, "nodeId");
	const char		*outcome = "granted", *auth[3];
	char			 msg[256];
	long long		 claimed;
	size_t			 i;
	enum db_rc		 rc;
	int			 st;

	memset(&au, 0, sizeof(au));
	au.execution_id = req_query(r, "executionId");
	if (!param_ok(au.execution_id) || !param_ok(node))
		return authn_fast_refusal(r, resp, resp_error(resp, 400,
		    "invalid_request",
		    "executionId and nodeId must be 1 to 255 characters"));
	if (!param_ok(r->param[1]))
		return authn_fast_refusal(r, resp, resp_error(resp, 404,
		    "not_found", "Connection not found"));
	authn_fast_args(r, auth);
	rc = db_cred_resolve(r->db, r->arena, r->param[0], r->param[1], node,
	    auth, &t);
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	if ((st = authn_fast_done(r, resp, t.caller, t.scopes, t.stale)) != 0)
		return st;
	au.node_id = node;
	au.piece_name = t.piece_name;
	au.keys = "[]";
	au.source = "not_found";
	au.workflow_id = r->param[0];
	au.connection_id = t.id;
	au.external_id = r->param[1];
	au.owner = t.owner;
	au.key_id = r->who.credential_id;

	if (*t.owner == '\0')
		return refuse(r, resp, &au, "workflow_not_found", 404,
		    "not_found", "Workflow not found");
	if (!t.referenced)
		return refuse(r, resp, &au, "not_referenced", 404,
		    "not_referenced", "The workflow does not reference this "
		    "connection");
	if (t.id == NULL)
		return refuse(r, resp, &au, "connection_not_found", 404,
		    "not_found", "Connection not found");
	if (strcmp(t.status, "ERROR") == 0)
		return refuse(r, resp, &au, "connection_expired", 409,
		    "connection_expired", "The connection is in error; its "
		    "owner must reconnect it");
	if (strcmp(t.status, "MISSING") == 0)
		return refuse(r, resp, &au, "connection_missing", 409,
		    "connection_missing", "The connection has no credentials");
	if ((v = vault_open(r, t.id, &t.sealed)) == NULL)
		return refuse(r, resp, &au, "value_unreadable", 500,
		    "value_unreadable", "The connection's value cannot be read");

	if (strcmp(t.type, "OAUTH2") == 0 &&
	    oauth2_due(v, (long long)time(NULL))) {
		claimed = json_object_get_int64(json_object_object_get(v,
		    "claimed_at"));
		vault_discard(v);
		st = oauth2_fresh(r, resp, t.id, t.owner, &v, msg,
		    sizeof(msg));
		if (st == 409) {
			json_object_put(resp->body);
			resp->body = NULL;
			return refuse(r, resp, &au, "connection_expired", 409,
			    "connection_expired", msg);
		}
		if (st != 0) {
			(void)audit(r, &au, "error");
			return st;
		}
		if (json_object_get_int64(json_object_object_get(v,
		    "claimed_at")) != claimed)
			outcome = "refreshed";
	}

	for (i = 0; server_only[i] != NULL; i++) {
		if (json_object_object_get_ex(v, server_only[i], &o)) {
			json_wipe(o);
			json_object_object_del(v, server_only[i]);
		}
	}
	au.keys = key_names(r, v);
	au.source = "database";
	if (audit(r, &au, outcome) == -1) {
		vault_discard(v);
		return resp_error(resp, 503, "audit_unavailable",
		    "The resolution could not be recorded; try again");
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(t.id));
	json_object_object_add(o, "externalId",
	    json_object_new_string(r->param[1]));
	json_object_object_add(o, "type", json_object_new_string(t.type));
	json_object_object_add(o, "pieceName",
	    json_object_new_string(t.piece_name ? t.piece_name : ""));
	json_object_object_add(o, "value", v);
	resp->secret = 1;
	return resp_json(resp, 200, o);
}
