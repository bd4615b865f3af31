-- $1 api key id: hash, user id, name, email, anonymous, expired, revoked,
-- stale last use, scopes (comma separated), milliseconds until it
-- expires (NULL: never), and NULL where a session names its API key
SELECT encode(k.token_hash, 'hex'), u.id, u.name, u.email, u.is_anonymous,
    COALESCE(k.expires_at <= now(), false), k.revoked_at IS NOT NULL,
    k.last_used_at IS NULL OR k.last_used_at < now() - interval '60 seconds',
    array_to_string(k.scopes, ','),
    floor(extract(epoch FROM k.expires_at - now()) * 1000)::bigint,
    NULL::text
FROM apconn.api_keys k JOIN apconn.users u ON u.id = k.user_id
WHERE k.id = $1
