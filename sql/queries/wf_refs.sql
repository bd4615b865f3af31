-- $1 workflow id, $2 owner: rewrites the workflow's connection references
-- from its nodes (run in the same transaction as the save)
WITH gone AS (
	DELETE FROM apconn.workflow_connection_ref WHERE workflow_id = $1
), refs AS (
	SELECT e->>'id' AS node_id, apconn.node_external_id(e, $2) AS ext,
	    split_part(COALESCE(e #>> '{data,config,actionType}', ''), '/', 1)
		AS piece
	FROM apconn.workflows w,
	    jsonb_array_elements(CASE WHEN jsonb_typeof(w.nodes) = 'array'
		THEN w.nodes ELSE '[]' END) e
	WHERE w.id = $1 AND w.user_id = $2
)
INSERT INTO apconn.workflow_connection_ref (id, workflow_id, node_id,
    connection_external_id, piece_name, owner_id)
SELECT substr(md5(random()::text || clock_timestamp()::text || node_id), 1, 21),
    $1, COALESCE(node_id, ''), ext, piece, $2
FROM refs WHERE ext IS NOT NULL
