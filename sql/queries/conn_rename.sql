-- $1 id, $2 owner, $3 display name (NULL keeps it), $4 metadata (JSON
-- text, NULL keeps it)
UPDATE apconn.app_connection AS c
SET display_name = COALESCE($3, c.display_name),
    metadata = COALESCE($4::jsonb, c.metadata), updated_at = now()
WHERE id = $1 AND owner_id = $2
RETURNING apconn.connection_json(c)::text
