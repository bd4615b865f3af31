-- $1 id, $2 owner, $3 status, $4 reason (NULL when ACTIVE)
UPDATE apconn.app_connection AS c SET status = $3, status_reason = $4,
    status_at = now(), updated_at = now()
WHERE id = $1 AND owner_id = $2
    AND set_config('apconn.event_kind', '', true) IS NOT NULL
-- The connection's columns in the order of conn_list.sql (db_conn_json).
RETURNING c.id, c.external_id, c.display_name, c.piece_name,
    c.piece_version, c.type, c.status, c.scope, c.project_ids,
    c.platform_id, c.owner_id, c.metadata, c.created_at, c.updated_at,
    c.status_reason, c.status_at
