-- $1 id, $2 owner, $3 display name (NULL keeps it), $4 metadata (JSON
-- text, NULL keeps it)
UPDATE apconn.app_connection AS c
SET display_name = COALESCE($3, c.display_name),
    metadata = COALESCE($4::jsonb, c.metadata), updated_at = now()
WHERE id = $1 AND owner_id = $2
-- The connection's columns in the order of conn_list.sql (db_conn_json).
RETURNING c.id, c.external_id, c.display_name, c.piece_name,
    c.piece_version, c.type, c.status, c.scope, c.project_ids,
    c.platform_id, c.owner_id, c.metadata, c.created_at, c.updated_at,
    c.status_reason, c.status_at
