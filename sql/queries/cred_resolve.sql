-- The executor's resolution in one statement: $1 workflow id, $2 external
-- id, $3 node id (NULL for any node), $4 execution id (or NULL), $5 the
-- caller's key id.  Answers the workflow's owner (''
-- when there is no such workflow), whether a node of it references the
-- external id, the owner's connection of that id (id, type, piece,
-- status, sealed value; NULLs when none), the outcome and whether its
-- audit row was written, and what is stored beside the value (the key
-- names handed out, when it is due; NULLs when not stored).  The outcome is decided here, and its row
-- written in the same statement, whenever the value need not be opened
-- to decide it: every refusal, and a grant of a value whose handed-out
-- key names were stored beside it (value->'keys') and that is not an
-- OAuth2 token due for refresh (value->'due', seconds since the epoch;
-- absent: never due).  Otherwise the outcome is NULL and no row was
-- written: the worker opens the value, decides and writes the row.
WITH t AS (
	SELECT w.user_id AS owner,
	    EXISTS (SELECT 1 FROM apconn.workflow_connection_ref r
		WHERE r.workflow_id = w.id AND r.owner_id = w.user_id
		AND r.connection_external_id = $2
		AND ($3::text IS NULL OR r.node_id = $3)) AS referenced,
	    c.id, c.type, c.piece_name, c.status, c.value
	FROM (SELECT 1) one
	LEFT JOIN apconn.workflows w ON w.id = $1
	LEFT JOIN apconn.app_connection c
	    ON c.owner_id = w.user_id AND c.external_id = $2
), d AS (
	SELECT t.*, CASE
	    WHEN t.owner IS NULL THEN 'workflow_not_found'
	    WHEN NOT t.referenced THEN 'not_referenced'
	    WHEN t.id IS NULL THEN 'connection_not_found'
	    WHEN t.status = 'ERROR' THEN 'connection_expired'
	    WHEN t.status = 'MISSING' THEN 'connection_missing'
	    WHEN jsonb_typeof(t.value->'keys') IS DISTINCT FROM 'array' THEN NULL
	    WHEN t.type = 'OAUTH2' AND jsonb_typeof(t.value->'due') = 'number'
		AND (t.value->>'due')::numeric <= extract(epoch FROM now())
		THEN NULL
	    ELSE 'granted' END AS outcome
	FROM t
), audit AS (
	INSERT INTO apconn.credential_access_log (execution_id, node_id,
	    integration_type, credential_keys, source, workflow_id,
	    connection_id, connection_external_id, owner_id, key_id, outcome)
	SELECT $4, COALESCE($3, ''), COALESCE(d.piece_name, ''),
	    CASE WHEN d.outcome = 'granted' THEN d.value->'keys' ELSE '[]' END,
	    (CASE WHEN d.outcome = 'granted' THEN 'database' ELSE 'not_found'
		END)::apconn.credential_source,
	    $1, d.id, $2, d.owner, $5, d.outcome
	FROM d WHERE d.outcome IS NOT NULL
	RETURNING 1
)
SELECT COALESCE(d.owner, ''), d.referenced, d.id, d.type, d.piece_name,
    d.status, d.value->>'kid', d.value->>'iv', d.value->>'ct',
    d.value->>'tag', d.outcome, EXISTS (SELECT 1 FROM audit),
    d.value->'keys', d.value->>'due'
FROM d
