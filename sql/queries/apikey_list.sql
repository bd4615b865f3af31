-- $1 user id or NULL for all: id, user, name, scopes, created, last used,
-- state
SELECT k.id, k.user_id, k.name, array_to_string(k.scopes, ','),
    to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    COALESCE(to_char(k.last_used_at AT TIME ZONE 'UTC',
	'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '-'),
    CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
	WHEN k.expires_at <= now() THEN 'expired' ELSE 'active' END
FROM apconn.api_keys k
WHERE $1::text IS NULL OR k.user_id = $1
ORDER BY k.created_at, k.id
