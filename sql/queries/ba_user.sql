-- $1 id, $2 email, $3 name, $4 is_anonymous: the apconn user of a
-- better-auth user, made on first sight under the same id (without the
-- address when another apconn user has it); nothing when it exists
INSERT INTO apconn.users (id, email, name, is_anonymous)
SELECT $1, CASE WHEN EXISTS (SELECT 1 FROM apconn.users o
	WHERE lower(o.email) = lower($2::text) AND o.id <> $1)
    THEN NULL ELSE $2::text END, $3, $4::boolean
WHERE NOT EXISTS (SELECT 1 FROM apconn.users u WHERE u.id = $1)
ON CONFLICT DO NOTHING
