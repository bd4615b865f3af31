-- $1 id, $2 owner, $3 external id, $4 display name, $5 piece name,
-- $6 piece version, $7 type, $8 status, $9..$12 sealed value (kid, iv, ct,
-- tag), $13 metadata (JSON text or NULL).  No row when the external id was
-- taken meanwhile (the caller retries as an update).
-- $14: what is stored beside the sealed value (vault_seal())
INSERT INTO apconn.app_connection AS c (id, owner_id, external_id,
    display_name, piece_name, piece_version, type, status, value, metadata)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
    jsonb_build_object('v', 1, 'kid', $9::text, 'iv', $10::text,
	'ct', $11::text, 'tag', $12::text) ||
	COALESCE($14::jsonb, '{}'), $13::jsonb)
ON CONFLICT (owner_id, external_id) DO NOTHING
-- The connection's columns in the order of conn_list.sql (db_conn_json).
RETURNING c.id, c.external_id, c.display_name, c.piece_name,
    c.piece_version, c.type, c.status, c.scope, c.project_ids,
    c.platform_id, c.owner_id, c.metadata, c.created_at, c.updated_at,
    c.status_reason, c.status_at
