-- $1 workflow id, $2 external id, $3 node id (NULL for any node), and
-- the caller's credential for apconn.authn(): $4 kind, $5 id, $6
-- SHA-256 hex.  The workflow's owner ('' when there is no such
-- workflow), whether a node of it references the external id, the
-- owner's connection of that external id (id, type, piece, status,
-- sealed value; NULLs when none), then the caller (NULL when the
-- credential did not pass), its scopes and stale last use
WITH who AS (
	SELECT * FROM apconn.authn($4::text, $5, $6)
)
SELECT COALESCE(w.user_id, ''),
    EXISTS (SELECT 1 FROM apconn.workflow_connection_ref r
	WHERE r.workflow_id = w.id AND r.owner_id = w.user_id
	AND r.connection_external_id = $2
	AND ($3::text IS NULL OR r.node_id = $3)),
    c.id, c.type, c.piece_name, c.status, c.value->>'kid', c.value->>'iv',
    c.value->>'ct', c.value->>'tag',
    (SELECT user_id FROM who), (SELECT scopes FROM who),
    (SELECT stale FROM who)
FROM (SELECT 1) one
LEFT JOIN apconn.workflows w ON w.id = $1 AND EXISTS (SELECT 1 FROM who)
LEFT JOIN apconn.app_connection c
    ON c.owner_id = w.user_id AND c.external_id = $2
