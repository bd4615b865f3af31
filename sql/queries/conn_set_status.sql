-- $1 id, $2 owner, $3 status, $4 reason (NULL when ACTIVE)
UPDATE apconn.app_connection AS c SET status = $3, status_reason = $4,
    status_at = now(), updated_at = now()
WHERE id = $1 AND owner_id = $2
RETURNING apconn.connection_json(c)::text
