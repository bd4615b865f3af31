-- $1 id, $2 owner, $3 display name (NULL keeps it), $4..$7 sealed value,
-- $8 metadata (NULL keeps it): a value replaced from a flat config; the
-- connection becomes ACTIVE again.
-- $9: what is stored beside the sealed value (vault_seal())
UPDATE apconn.app_connection AS c
SET display_name = COALESCE($3, c.display_name),
    value = jsonb_build_object('v', 1, 'kid', $4::text, 'iv', $5::text,
	'ct', $6::text, 'tag', $7::text) ||
	COALESCE($9::jsonb, '{}'),
    metadata = COALESCE($8::jsonb, c.metadata),
    status = 'ACTIVE', status_reason = NULL, status_at = now(),
    updated_at = now()
WHERE id = $1 AND owner_id = $2
    AND set_config('apconn.event_kind', 'credentials_updated', true)
	IS NOT NULL
-- The connection's columns in the order of conn_list.sql (db_conn_json).
RETURNING c.id, c.external_id, c.display_name, c.piece_name,
    c.piece_version, c.type, c.status, c.scope, c.project_ids,
    c.platform_id, c.owner_id, c.metadata, c.created_at, c.updated_at,
    c.status_reason, c.status_at
