-- apconn.authn() as session_auth reads a session since 0014: a session
-- made from an API key has that key's scopes and passes only while the
-- key is neither revoked nor expired.
CREATE OR REPLACE FUNCTION apconn.authn(is_session boolean, cred_id text,
    hash_hex text)
RETURNS TABLE (user_id text, scopes text, stale boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	SELECT k.user_id, array_to_string(k.scopes, ','),
	    k.last_used_at IS NULL OR
		k.last_used_at < now() - interval '60 seconds'
	FROM apconn.api_keys k
	WHERE NOT is_session AND k.id = cred_id
	AND k.token_hash = decode(hash_hex, 'hex')
	AND k.revoked_at IS NULL
	AND (k.expires_at IS NULL OR k.expires_at > now())
	UNION ALL
	SELECT s.user_id,
	    CASE WHEN s.api_key_id IS NOT NULL THEN
		COALESCE(array_to_string(k.scopes, ','), '') END,
	    s.last_used_at IS NULL OR
		s.last_used_at < now() - interval '60 seconds'
	FROM apconn.sessions s
	LEFT JOIN apconn.api_keys k ON k.id = s.api_key_id
	WHERE is_session AND s.id = cred_id
	AND s.token_hash = decode(hash_hex, 'hex')
	AND s.revoked_at IS NULL AND s.expires_at > now()
	AND (s.api_key_id IS NULL OR (k.revoked_at IS NULL AND
	    (k.expires_at IS NULL OR k.expires_at > now())))
$fn$;
