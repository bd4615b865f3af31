-- $1 id, $2 owner, $3 name, $4 description, $5 nodes, $6 edges (JSON), $7
-- visibility, $8 engine type, $9 dapr workflow name, $10 dapr
-- orchestrator url, $11 created at, $12 updated at (UTC wall-clock
-- text): a workflow kept under its id.  Answers 'imported', 'present'
-- or 'no_owner'.
WITH ins AS (
	INSERT INTO apconn.workflows (id, user_id, name, description, nodes,
	    edges, visibility, engine_type, dapr_workflow_name,
	    dapr_orchestrator_url, created_at, updated_at)
	SELECT $1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10,
	    COALESCE($11::timestamp AT TIME ZONE 'UTC', now()),
	    COALESCE($12::timestamp AT TIME ZONE 'UTC', now())
	WHERE EXISTS (SELECT 1 FROM apconn.users u WHERE u.id = $2)
	ON CONFLICT DO NOTHING
	RETURNING id
)
SELECT CASE WHEN EXISTS (SELECT 1 FROM ins) THEN 'imported'
    WHEN EXISTS (SELECT 1 FROM apconn.workflows w WHERE w.id = $1)
	THEN 'present'
    ELSE 'no_owner' END
