-- $1 id, $2 owner, $3 name, $4 description, $5 nodes, $6 edges,
-- $7 visibility: each NULL keeps the stored field
UPDATE apconn.workflows AS w SET name = COALESCE($3, w.name),
    description = CASE WHEN $4::text IS NULL THEN w.description ELSE $4 END,
    nodes = COALESCE($5::jsonb, w.nodes), edges = COALESCE($6::jsonb, w.edges),
    visibility = COALESCE($7, w.visibility), updated_at = now()
WHERE w.id = $1 AND w.user_id = $2
RETURNING apconn.workflow_json(w)::text
