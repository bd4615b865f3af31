-- $1 id, $2 api key id, $3 token hash (hex), $4 lifetime in days: a
-- session for the key's user that ends no later than the key.  Answers
-- its expiry (ISO 8601) and the seconds until then; no row when the key
-- is revoked or expired.
INSERT INTO apconn.sessions (id, user_id, token_hash, expires_at, api_key_id)
SELECT $1, k.user_id, decode($3, 'hex'),
    LEAST(now() + make_interval(days => $4::int),
	COALESCE(k.expires_at, 'infinity')), k.id
FROM apconn.api_keys k
WHERE k.id = $2 AND k.revoked_at IS NULL
AND (k.expires_at IS NULL OR k.expires_at > now())
RETURNING apconn.iso(expires_at),
    GREATEST(0, floor(extract(epoch FROM expires_at - now())))::bigint
