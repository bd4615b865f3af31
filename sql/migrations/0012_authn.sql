-- The credential check that hot queries run in the same statement as
-- their work, so that an authenticated read is one round trip: the user
-- and scopes of a session or API key whose SHA-256 matches and that is
-- neither revoked nor expired; no row otherwise.  scopes is NULL for a
-- session (it holds every user scope); stale says its last use is older
-- than a minute (the caller records the use).  The digest comparison is
-- an ordinary equality: it compares SHA-256 outputs of 256-bit secrets,
-- whose timing tells nothing usable about the secret.
CREATE FUNCTION apconn.authn(is_session boolean, cred_id text, hash_hex text)
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
	SELECT s.user_id, NULL,
	    s.last_used_at IS NULL OR
		s.last_used_at < now() - interval '60 seconds'
	FROM apconn.sessions s
	WHERE is_session AND s.id = cred_id
	AND s.token_hash = decode(hash_hex, 'hex')
	AND s.revoked_at IS NULL AND s.expires_at > now()
$fn$;
