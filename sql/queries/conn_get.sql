-- $1 id, $2 owner: the connection (JSON), its sealed value, type, piece,
-- and the workflows that reference it (JSON array of ids)
SELECT apconn.connection_json(c)::text, c.value->>'kid', c.value->>'iv',
    c.value->>'ct', c.value->>'tag', c.type, c.piece_name, c.piece_version,
    (SELECT COALESCE(json_agg(DISTINCT r.workflow_id), '[]')
	FROM apconn.workflow_connection_ref r
	WHERE r.owner_id = c.owner_id
	AND r.connection_external_id = c.external_id)::text,
    c.display_name, c.status
FROM apconn.app_connection c
WHERE c.id = $1 AND c.owner_id = $2
