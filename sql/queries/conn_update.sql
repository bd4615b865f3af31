-- $1 id, $2 owner, $3 display name, $4 piece name, $5 piece version,
-- $6 type, $7 status, $8..$11 sealed value, $12 metadata (JSON text, or
-- NULL to keep): the upsert of an existing connection.
-- $13: what is stored beside the sealed value (vault_seal())
UPDATE apconn.app_connection AS c SET display_name = $3, piece_name = $4,
    piece_version = $5, type = $6, status = $7,
    value = jsonb_build_object('v', 1, 'kid', $8::text, 'iv', $9::text,
	'ct', $10::text, 'tag', $11::text) ||
	COALESCE($13::jsonb, '{}'),
    metadata = COALESCE($12::jsonb, c.metadata),
    status_reason = NULL, status_at = now(), updated_at = now()
WHERE id = $1 AND owner_id = $2
    -- the event this change records (migration 0022): an OAuth2 value is
    -- stored by an upsert only from an authorization
    AND set_config('apconn.event_kind', CASE WHEN $6 IN ('OAUTH2',
	'CLOUD_OAUTH2', 'PLATFORM_OAUTH2') THEN 'oauth2_connected'
	ELSE 'credentials_updated' END, true) IS NOT NULL
-- The connection's columns in the order of conn_list.sql (db_conn_json).
RETURNING c.id, c.external_id, c.display_name, c.piece_name,
    c.piece_version, c.type, c.status, c.scope, c.project_ids,
    c.platform_id, c.owner_id, c.metadata, c.created_at, c.updated_at,
    c.status_reason, c.status_at
