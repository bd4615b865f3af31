-- $1 session id: what authentication needs, in one round trip.
-- hash, user id, name, email, anonymous, expired, revoked, stale last use,
-- the scopes of the API key it was made from (NULL for a plain session),
-- milliseconds until it expires, and that API key's id (or NULL); a
-- key's session is expired or revoked with its key.
SELECT encode(s.token_hash, 'hex'), u.id, u.name, u.email, u.is_anonymous,
    s.expires_at <= now() OR COALESCE(k.expires_at <= now(), false),
    s.revoked_at IS NOT NULL OR k.revoked_at IS NOT NULL,
    s.last_used_at IS NULL OR s.last_used_at < now() - interval '60 seconds',
    CASE WHEN s.api_key_id IS NOT NULL THEN
	COALESCE(array_to_string(k.scopes, ','), '') END,
    floor(extract(epoch FROM LEAST(s.expires_at, k.expires_at) - now()) *
	1000)::bigint,
    s.api_key_id
FROM apconn.sessions s JOIN apconn.users u ON u.id = s.user_id
LEFT JOIN apconn.api_keys k ON k.id = s.api_key_id
WHERE s.id = $1
