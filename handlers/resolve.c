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

static int
param_ok(const char *s)
{
	return s == NULL || (*s != '\0' && strlen(s) <= 255);
}

/*
 * The names of the keys v hands out as a JSON array (arena text); "[]"
 * when out of memory.
 */
static const char *
key_names(struct req *r, json_object *v)
{
	json_object	*a;
	const char	*s = NULL;

	if ((a = conn_value_key_names(v)) != NULL) {
		s = arena_strdup(r->arena, json_object_to_json_string_ext(a,
		    JSON_C_TO_STRING_PLAIN));
		json_object_put(a);
	}
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

/*
 * The answer: {id, externalId, type, pieceName, value}, value being pub,
 * a value without what stays on the server (conn_value_without()), which
 * the answer takes.  Returns the status.
 */
static int
hand_out(struct req *r, struct resp *resp, const struct cred_target *t,
    json_object *v)
{
	json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(t->id));
	json_object_object_add(o, "externalId",
	    json_object_new_string(r->param[1]));
	json_object_object_add(o, "type", json_object_new_string(t->type));
	json_object_object_add(o, "pieceName",
	    json_object_new_string(t->piece_name ? t->piece_name : ""));
	json_object_object_add(o, "value", v);
	resp->secret = 1;
	return resp_json(resp, 200, o);
}

/* The refusal of an outcome the resolution's statement decided. */
static int
refused(struct resp *resp, const char *outcome)
{
	static const struct {
		const char	*outcome;
		int		 status;
		const char	*code, *msg;
	} why[] = {
		{ "workflow_not_found", 404, "not_found",
		    "Workflow not found" },
		{ "not_referenced", 404, "not_referenced",
		    "The workflow does not reference this connection" },
		{ "connection_not_found", 404, "not_found",
		    "Connection not found" },
		{ "connection_expired", 409, "connection_expired",
		    "The connection is in error; its owner must reconnect it" },
		{ "connection_missing", 409, "connection_missing",
		    "The connection has no credentials" },
	};
	size_t	i;

	for (i = 0; i < sizeof(why) / sizeof(why[0]); i++)
		if (strcmp(outcome, why[i].outcome) == 0)
			return resp_error(resp, why[i].status, why[i].code,
			    "%s", why[i].msg);
	return resp_error(resp, 500, "internal", "Internal error");
}

/*
 * Fills t from a resolution kept by rescache.c, its strings copied to the
 * request's arena (a lost connection would empty the cache meanwhile),
 * and *keys with the key names it hands out.  Returns 0, or -1 when out
 * of memory.
 */
static int
target_of(struct req *r, const struct resolved *hit, struct cred_target *t,
    const char **keys)
{
	memset(t, 0, sizeof(*t));
	t->owner = arena_strdup(r->arena, hit->owner);
	t->referenced = 1;
	t->id = arena_strdup(r->arena, hit->id);
	t->type = arena_strdup(r->arena, hit->type);
	t->piece_name = arena_strdup(r->arena, hit->piece_name);
	t->sealed.kid = arena_strdup(r->arena, hit->kid);
	t->sealed.iv = arena_strdup(r->arena, hit->iv);
	t->sealed.ct = arena_strdup(r->arena, hit->ct);
	t->sealed.tag = arena_strdup(r->arena, hit->tag);
	*keys = arena_strdup(r->arena, hit->keys);
	return t->owner && t->id && t->type && t->piece_name &&
	    t->sealed.kid && t->sealed.iv && t->sealed.ct && t->sealed.tag &&
	    *keys ? 0 : -1;
}

/*
 * Opens t's value and hands it out, its audit row granted already; a
 * value that cannot be opened leaves a second row, value_unreadable.
 */
static int
open_granted(struct req *r, struct resp *resp, struct core *c,
    struct cred_audit *au, const struct cred_target *t)
{
	json_object	*v;

	if ((v = vault_open_row(c, t->id, &t->sealed)) == NULL) {
		au->keys = "[]";
		au->source = "not_found";
		return refuse(r, resp, au, "value_unreadable", 500,
		    "value_unreadable", "The connection's value cannot be read");
	}
	/* v belongs to the arena, which wipes it. */
	if ((v = conn_value_without(v, conn_value_server_only)) == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	return hand_out(r, resp, t, v);
}

int
h_wf_credentials(struct req *r, struct resp *resp)
{
	struct cred_target	 t;
	struct cred_audit	 au;
	struct core		 c;
	struct fail		 f;
	struct fresh		 fr;
	struct resolved		 kept;
	const struct resolved	*hit;
	json_object		*v;
	const char		*node = req_query(r, "nodeId");
	const char		*outcome = "granted", *keys;
	char			*key;
	unsigned long		 mark = 0;
	enum db_rc		 rc;

	memset(&au, 0, sizeof(au));
	au.execution_id = req_query(r, "executionId");
	if (!param_ok(au.execution_id) || !param_ok(node))
		return resp_error(resp, 400, "invalid_request",
		    "executionId and nodeId must be 1 to 255 characters");
	if (!param_ok(r->param[1]))
		return resp_error(resp, 404, "not_found",
		    "Connection not found");
	au.key_id = r->who.credential_id;
	key = rescache_key(r->arena, r->param[0], r->param[1], node);
	if (key != NULL && (hit = rescache_find(r->db, key,
	    (long long)time(NULL))) != NULL) {
		/* Granted before, not taken back: its audit row is all. */
		if (target_of(r, hit, &t, &keys) == -1)
			return resp_error(resp, 500, "internal",
			    "Internal error");
	} else {
		hit = NULL;
		mark = db_heard_mark(r->db);
		rc = db_cred_resolve(r->db, r->arena, r->param[0], r->param[1],
		    node, &au, &t);
		if (rc == DB_CONFLICT || rc == DB_READONLY) {
			/* Only its audit row writes: nothing was recorded. */
			log_warnx("%s credential audit not written", r->id);
			return resp_error(resp, 503, "audit_unavailable",
			    "The resolution could not be recorded; try again");
		}
		if (rc != DB_OK)
			return resp_db_error(resp, rc);
	}
	au.node_id = node;
	au.piece_name = t.piece_name;
	au.keys = "[]";
	au.source = "not_found";
	au.workflow_id = r->param[0];
	au.connection_id = t.id;
	au.external_id = r->param[1];
	au.owner = t.owner;
	core_of(&c, r);
	c.owner = t.owner;

	if (hit != NULL) {
		au.keys = keys;
		au.source = "database";
		if (audit(r, &au, "granted") == -1)
			return resp_error(resp, 503, "audit_unavailable",
			    "The resolution could not be recorded; try again");
		return open_granted(r, resp, &c, &au, &t);
	}
	if (t.audited) {
		/* Decided and recorded by the statement itself. */
		if (strcmp(t.outcome, "granted") != 0)
			return refused(resp, t.outcome);
		if (key != NULL) {
			kept.owner = t.owner;
			kept.id = t.id;
			kept.type = t.type;
			kept.piece_name = t.piece_name;
			kept.kid = t.sealed.kid;
			kept.iv = t.sealed.iv;
			kept.ct = t.sealed.ct;
			kept.tag = t.sealed.tag;
			kept.keys = t.keys;
			/*
			 * The owner is known only now: a change of the
			 * owner's committed after the statement read and
			 * counted before this line is left to its
			 * notification.
			 */
			rescache_put(r->db, mark, owner_epoch(t.owner), key,
			    &kept, t.due);
		}
		return open_granted(r, resp, &c, &au, &t);
	}

	if (*t.owner == '\0' || !t.referenced || t.id == NULL ||
	    strcmp(t.status, "ERROR") == 0 || strcmp(t.status, "MISSING") == 0)
		return resp_error(resp, 500, "internal", "Internal error");
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

	/* The row first: nothing is handed out unrecorded.  v: as above. */
	if ((v = conn_value_without(v, conn_value_server_only)) == NULL)
		return refuse(r, resp, &au, "error", 500, "internal",
		    "Internal error");
	au.keys = key_names(r, v);
	au.source = "database";
	if (audit(r, &au, outcome) == -1) {
		json_object_put(v);
		return resp_error(resp, 503, "audit_unavailable",
		    "The resolution could not be recorded; try again");
	}
	return hand_out(r, resp, &t, v);
}
