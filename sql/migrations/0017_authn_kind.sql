-- apconn.authn() by kind of credential: 't' a session, 'f' an API key
-- (both checked by id and SHA-256 of the token, as before), 'u' a user
-- the worker has already authenticated another way (the workflow
-- builder's better-auth cookie), given by id, with no scopes of its own.
-- The boolean form stays for workers of the previous release.
CREATE FUNCTION apconn.authn(kind text, cred_id text, hash_hex text)
RETURNS TABLE (user_id text, scopes text, stale boolean)
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
	SELECT a.user_id, a.scopes, a.stale
	FROM apconn.authn(kind = 't', cred_id, hash_hex) a
	WHERE kind IN ('t', 'f')
	UNION ALL
	SELECT u.id, NULL, false
	FROM apconn.users u
	WHERE kind = 'u' AND u.id = cred_id
$fn$;
