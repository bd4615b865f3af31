-- $1 id, $2 owner, $3 external id, $4 display name, $5 piece name, $6
-- piece version (NULL: the piece's newest, else 0.0.0), $7 type, $8
-- status, $9..$12 sealed value, $13 metadata, $14 scope, $15 project ids
-- (JSON array), $16 platform id, $17 created at, $18 updated at (UTC
-- wall-clock text): a connection kept under its id.  Answers 'imported',
-- 'present' (the id is there already), 'no_owner' (the owner is not an
-- apconn user) or 'external_id_taken' (the owner has another connection
-- of that external id).
WITH ins AS (
	INSERT INTO apconn.app_connection (id, owner_id, external_id,
	    display_name, piece_name, piece_version, type, status, value,
	    metadata, scope, project_ids, platform_id, created_at, updated_at)
	SELECT $1, $2, $3, $4, $5,
	    COALESCE($6, (SELECT p.version FROM apconn.piece_metadata p
		WHERE p.name = $5
		ORDER BY apconn.semver_key(p.version) DESC LIMIT 1), '0.0.0'),
	    $7, $8,
	    jsonb_build_object('v', 1, 'kid', $9::text, 'iv', $10::text,
		'ct', $11::text, 'tag', $12::text), $13::jsonb,
	    COALESCE($14, 'PROJECT'), COALESCE($15::jsonb, '[]'), $16,
	    COALESCE($17::timestamp AT TIME ZONE 'UTC', now()),
	    COALESCE($18::timestamp AT TIME ZONE 'UTC', now())
	WHERE EXISTS (SELECT 1 FROM apconn.users u WHERE u.id = $2)
	ON CONFLICT DO NOTHING
	RETURNING id
)
SELECT CASE WHEN EXISTS (SELECT 1 FROM ins) THEN 'imported'
    WHEN EXISTS (SELECT 1 FROM apconn.app_connection c WHERE c.id = $1)
	THEN 'present'
    WHEN NOT EXISTS (SELECT 1 FROM apconn.users u WHERE u.id = $2)
	THEN 'no_owner'
    ELSE 'external_id_taken' END
