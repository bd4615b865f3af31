-- $1 id, $2 owner: the workflows that reference the connection (JSON
-- array of ids); no row when the connection is not the owner's
SELECT (SELECT COALESCE(json_agg(DISTINCT r.workflow_id), '[]')
	FROM apconn.workflow_connection_ref r
	WHERE r.owner_id = c.owner_id
	AND r.connection_external_id = c.external_id)::text
FROM apconn.app_connection c
WHERE c.id = $1 AND c.owner_id = $2
