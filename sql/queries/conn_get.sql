-- $1 id, $2 owner: the connection (its columns in the order of
-- conn_list.sql), its sealed value, type, piece, and the workflows that
-- reference it (JSON array of ids)
SELECT c.id, c.external_id, c.display_name, c.piece_name, c.piece_version,
    c.type, c.status, c.scope, c.project_ids, c.platform_id, c.owner_id,
    c.metadata, c.created_at, c.updated_at, c.status_reason, c.status_at,
    c.value->>'kid', c.value->>'iv',
    c.value->>'ct', c.value->>'tag', c.type, c.piece_name, c.piece_version,
    (SELECT COALESCE(json_agg(DISTINCT r.workflow_id), '[]')
	FROM apconn.workflow_connection_ref r
	WHERE r.owner_id = c.owner_id
	AND r.connection_external_id = c.external_id)::text,
    c.display_name, c.status
FROM apconn.app_connection c
WHERE c.id = $1 AND c.owner_id = $2
