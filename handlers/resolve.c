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

/* Refuses with a service's failure; outcome is recorded. */
static int
refuse_fail(struct req *r, struct resp *resp, struct cred_audit *au,
    const char *outcome, const struct fail *f)
{
	(void)audit(r, au, outcome);
	return resp_fail(resp, f);
}

int
h_wf_credentials(struct req *r, struct resp *resp)
{
	struct cred_target	 t;
	struct cred_audit	 au;
	struct core		 c;
	struct fail		 f;
	struct fresh		 fr;
	json_object		*v, *o;
	const char		*node = req_query(r, "nodeId");
	const char		*outcome = "granted", *auth[3];
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
	core_of(&c, r);
	c.owner = t.owner;
	if ((v = vault_open_row(&c, t.id, &t.sealed)) == NULL)
		return refuse(r, resp, &au, "value_unreadable", 500,
		    "value_unreadable", "The connection's value cannot be read");

	if (strcmp(t.type, "OAUTH2") == 0 &&
	    oauth2_due(v, (long long)time(NULL))) {
		if (conn_fresh(&c, &f, t.id, &fr) == -1) {
			if (f.status == 409)
				return refuse_fail(r, resp, &au,
				    "connection_expired", &f);
			if (strcmp(f.code, "refresh_failed") == 0)
				return refuse_fail(r, resp, &au,
				    "refresh_failed", &f);
			(void)audit(r, &au, "error");
			return resp_fail(resp, &f);
		}
		v = fr.value;
		if (fr.refreshed)
			outcome = "refreshed";
		if (fr.stale)
			au.refresh_failure = arena_printf(r->arena,
			    "refresh_failed: %s", fr.reason);
	}

	/*
	 * The answer is a copy of v without what stays on the server: v
	 * itself belongs to the arena, which wipes it.
	 */
	if ((v = conn_value_without(v, server_only)) == NULL)
		return refuse(r, resp, &au, "error", 500, "internal",
		    "Internal error");
	au.keys = key_names(r, v);
	au.source = "database";
	if (audit(r, &au, outcome) == -1) {
		json_object_put(v);
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
