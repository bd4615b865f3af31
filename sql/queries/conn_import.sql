-- $1 id, $2 owner, $3 external id, $4 display name, $5 piece name,
-- $6 piece version, $7 type, $8 status, $9..$12 sealed value, $13
-- metadata, $14 created at (ISO 8601 or NULL): a connection kept under its
-- original id; no row when the id or the external id is already there
INSERT INTO apconn.app_connection (id, owner_id, external_id, display_name,
    piece_name, piece_version, type, status, value, metadata, created_at,
    updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
    jsonb_build_object('v', 1, 'kid', $9::text, 'iv', $10::text,
	'ct', $11::text, 'tag', $12::text), $13::jsonb,
    COALESCE($14::timestamptz, now()), now())
ON CONFLICT DO NOTHING
RETURNING id
