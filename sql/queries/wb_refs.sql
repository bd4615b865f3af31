-- $1 workflow id: its connection references rebuilt from its nodes, as
-- a save writes them (wf_refs.sql), but only when they differ from the
-- stored ones, so that running it again changes nothing.  Answers the
-- number of references written (0 when nothing changed).
WITH want AS (
	SELECT COALESCE(e->>'id', '') AS node_id,
	    apconn.node_external_id(e, w.user_id) AS ext,
	    split_part(COALESCE(e #>> '{data,config,actionType}', ''), '/', 1)
		AS piece,
	    w.user_id AS owner
	FROM apconn.workflows w,
	    jsonb_array_elements(CASE WHEN jsonb_typeof(w.nodes) = 'array'
		THEN w.nodes ELSE '[]' END) e
	WHERE w.id = $1
), want_refs AS (
	SELECT node_id, ext, piece, owner FROM want WHERE ext IS NOT NULL
), have AS (
	SELECT r.node_id, r.connection_external_id AS ext, r.piece_name AS piece,
	    r.owner_id AS owner
	FROM apconn.workflow_connection_ref r WHERE r.workflow_id = $1
), differs AS (
	SELECT EXISTS (
	    (SELECT * FROM want_refs EXCEPT ALL SELECT * FROM have)
	    UNION ALL
	    (SELECT * FROM have EXCEPT ALL SELECT * FROM want_refs)) AS d
), gone AS (
	DELETE FROM apconn.workflow_connection_ref r
	USING differs WHERE differs.d AND r.workflow_id = $1
	RETURNING 1
), ins AS (
	INSERT INTO apconn.workflow_connection_ref (id, workflow_id, node_id,
	    connection_external_id, piece_name, owner_id)
	SELECT substr(md5(random()::text || clock_timestamp()::text ||
	    want_refs.node_id), 1, 21), $1, want_refs.node_id, want_refs.ext,
	    want_refs.piece, want_refs.owner
	FROM want_refs, differs WHERE differs.d
	RETURNING 1
)
SELECT (SELECT count(*) FROM ins) + 0 * (SELECT count(*) FROM gone)
