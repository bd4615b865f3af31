-- $1 id, $2 owner, $3 name, $4 description, $5 nodes, $6 edges
INSERT INTO apconn.workflows AS w (id, user_id, name, description, nodes,
    edges)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
RETURNING apconn.workflow_json(w)::text
