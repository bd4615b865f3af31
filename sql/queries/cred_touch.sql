-- Records uses of credentials in one statement: $1 API key ids, $2
-- session ids (text array literals).  A use recorded less than a minute
-- ago is left alone.
WITH k AS (
	UPDATE apconn.api_keys SET last_used_at = now()
	WHERE id = ANY ($1::text[]) AND (last_used_at IS NULL OR
	    last_used_at < now() - interval '60 seconds')
	RETURNING 1
), s AS (
	UPDATE apconn.sessions SET last_used_at = now()
	WHERE id = ANY ($2::text[]) AND (last_used_at IS NULL OR
	    last_used_at < now() - interval '60 seconds')
	RETURNING 1
)
SELECT (SELECT count(*) FROM k) + (SELECT count(*) FROM s)
