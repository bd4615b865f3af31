-- $1 anonymous user id, $2 old external id, $3 new external id: renames
-- the connection and rewrites the anonymous user's workflow templates and
-- references to it, so they keep naming the same credentials.
WITH w AS (
	UPDATE apconn.workflows
	SET nodes = apconn.rename_template_refs(nodes, $2, $3)
	WHERE user_id = $1
	RETURNING id
), r AS (
	UPDATE apconn.workflow_connection_ref SET connection_external_id = $3,
	    updated_at = now()
	WHERE owner_id = $1 AND connection_external_id = $2
	RETURNING id
)
UPDATE apconn.app_connection SET external_id = $3, updated_at = now()
WHERE owner_id = $1 AND external_id = $2
