-- $1 owner, $2 type (piece short name, or NULL): the legacy integration
-- list, newest first, as a bare JSON array
SELECT COALESCE(json_agg(json_build_object('id', c.id,
	'name', c.display_name, 'type', c.piece_name, 'isManaged', false,
	'createdAt', apconn.iso(c.created_at),
	'updatedAt', apconn.iso(c.updated_at))
    ORDER BY c.created_at DESC, c.id DESC), '[]')::text
FROM apconn.app_connection c
WHERE c.owner_id = $1 AND ($2::text IS NULL OR c.piece_name = $2)
