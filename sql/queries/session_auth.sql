-- $1 session id: what authentication needs, in one round trip.
-- hash, user id, name, email, anonymous, expired, revoked, stale last use
SELECT encode(s.token_hash, 'hex'), u.id, u.name, u.email, u.is_anonymous,
    s.expires_at <= now(), s.revoked_at IS NOT NULL,
    s.last_used_at IS NULL OR s.last_used_at < now() - interval '60 seconds'
FROM apconn.sessions s JOIN apconn.users u ON u.id = s.user_id
WHERE s.id = $1
