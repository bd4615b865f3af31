-- The first page of owner $1's connections with no filter: the $2 + 1
-- newest, as conn_list.sql answers it going next (the same columns, the
-- row beyond the page telling that more follow), in one index scan.
SELECT c.id, c.external_id, c.display_name, c.piece_name, c.piece_version,
    c.type, c.status, c.scope, c.project_ids, c.platform_id, c.owner_id,
    CASE WHEN octet_length(c.metadata::text) <= 8192 THEN c.metadata END,
    c.created_at, c.updated_at, c.status_reason, c.status_at
FROM apconn.app_connection c
WHERE c.owner_id = $1
ORDER BY c.created_at DESC, c.id DESC
LIMIT $2::int + 1
