/*
 * GET /api/workflows/{id}/validate-integrations: whether every node's
 * connection reference holds: the connection exists and is the owner's,
 * is neither ERROR nor MISSING, belongs to the piece of the node's action,
 * and a node's integrationId and auth template name the same connection.
 * The same problems come back as "warnings" when a workflow is saved.
 */
#include "config.h"

#include "handlers.h"

int
h_wf_validate(struct req *r, struct resp *resp)
{
	json_object	*o, *issues;
	char		*owner, *json;
	enum db_rc	 rc;
	int		 st;

	rc = db_wf_validate(r->db, r->arena, r->param[0], &owner, &json);
	if (rc == DB_NOTFOUND)
		return resp_error(resp, 404, "not_found",
		    "Workflow not found");
	if (rc != DB_OK)
		return resp_db_error(resp, rc);
	if ((st = wf_may_read(r, resp, owner)) != 0)
		return st;
	if ((issues = json_tokener_parse(json)) == NULL)
		return resp_error(resp, 500, "internal", "Internal error");
	o = json_object_new_object();
	json_object_object_add(o, "valid",
	    json_object_new_boolean(json_object_array_length(issues) == 0));
	json_object_object_add(o, "issues", issues);
	return resp_json(resp, 200, o);
}
