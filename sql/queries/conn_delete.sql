-- $1 id, $2 owner: deletes the connection; answers the workflows that
-- referenced it (JSON array), no row when it was not the owner's
WITH d AS (
	DELETE FROM apconn.app_connection
	WHERE id = $1 AND owner_id = $2
	RETURNING owner_id, external_id
)
SELECT (SELECT COALESCE(json_agg(DISTINCT r.workflow_id), '[]')
	FROM apconn.workflow_connection_ref r
	WHERE r.owner_id = d.owner_id
	AND r.connection_external_id = d.external_id)::text
FROM d
