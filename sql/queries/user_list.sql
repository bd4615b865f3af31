-- every user, oldest first, with the number of live credentials
SELECT u.id, COALESCE(u.email, ''), COALESCE(u.name, ''), u.is_anonymous,
    to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    (SELECT count(*) FROM apconn.api_keys k WHERE k.user_id = u.id
	AND k.revoked_at IS NULL)
FROM apconn.users u ORDER BY u.created_at, u.id
