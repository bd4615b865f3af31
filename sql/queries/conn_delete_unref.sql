-- $1 id, $2 owner: deletes the connection only when no workflow
-- references it, in one statement; one row ('[]') when deleted, no row
-- when it is not the owner's or is referenced (conn_refs tells which)
WITH d AS (
	DELETE FROM apconn.app_connection c
	WHERE c.id = $1 AND c.owner_id = $2
	AND NOT EXISTS (SELECT 1 FROM apconn.workflow_connection_ref r
	    WHERE r.owner_id = c.owner_id
	    AND r.connection_external_id = c.external_id)
	RETURNING c.id
)
SELECT '[]' FROM d
