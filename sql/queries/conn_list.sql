-- The caller's connections, authentication included (apconn.authn):
-- $1 kind ('t' session, 'f' API key, 'u' user already authenticated),
-- $2 credential or user id, $3 SHA-256 hex; $4 piece name (short,
-- or NULL), $5 display name substring (NULL), $6 statuses (text array
-- literal, or NULL), $7 scope (NULL), $8 cursor time (microseconds since
-- the epoch, or NULL), $9 cursor id, $10 direction ('n' next, 'p'
-- previous), $11 limit.  One row per connection of the page and one
-- more when more rows lie beyond it in the direction asked (the oldest
-- row going next, the newest going previous), newest first; one row of
-- NULL connection columns for an empty page.  Each row starts with the
-- caller's user id (NULL when the credential did not pass), scopes,
-- stale last use and the change counter of its connections (read in the
-- same snapshot; apconn.conn_gen).  The handler reads it in binary
-- format (timestamps as they are stored) and writes the JSON.  Metadata
-- over 8192 bytes (stored before that limit, CONN_METADATA_MAX) is left
-- out of a page as null, so that a page's size is bounded by its limit.
WITH who AS (
	SELECT * FROM apconn.authn($1::text, $2, $3)
), cand AS (
	(SELECT c.id, c.external_id, c.display_name, c.piece_name,
	    c.piece_version, c.type, c.status, c.scope, c.project_ids,
	    c.platform_id, c.owner_id, c.metadata, c.created_at, c.updated_at,
	    c.status_reason, c.status_at
	FROM apconn.app_connection c
	WHERE $10 <> 'p' AND c.owner_id = (SELECT user_id FROM who)
	AND ($4::text IS NULL OR c.piece_name = $4)
	AND ($5::text IS NULL OR strpos(lower(c.display_name), lower($5)) > 0)
	AND ($6::text[] IS NULL OR c.status = ANY ($6::text[]))
	AND ($7::text IS NULL OR c.scope = $7)
	AND ($8::bigint IS NULL OR (c.created_at, c.id) <
	    ('epoch'::timestamptz + $8::bigint * interval '1 microsecond', $9::text))
	ORDER BY c.created_at DESC, c.id DESC
	LIMIT $11::int + 1)
	UNION ALL
	(SELECT c.id, c.external_id, c.display_name, c.piece_name,
	    c.piece_version, c.type, c.status, c.scope, c.project_ids,
	    c.platform_id, c.owner_id, c.metadata, c.created_at, c.updated_at,
	    c.status_reason, c.status_at
	FROM apconn.app_connection c
	WHERE $10 = 'p' AND c.owner_id = (SELECT user_id FROM who)
	AND ($4::text IS NULL OR c.piece_name = $4)
	AND ($5::text IS NULL OR strpos(lower(c.display_name), lower($5)) > 0)
	AND ($6::text[] IS NULL OR c.status = ANY ($6::text[]))
	AND ($7::text IS NULL OR c.scope = $7)
	AND ($8::bigint IS NULL OR (c.created_at, c.id) >
	    ('epoch'::timestamptz + $8::bigint * interval '1 microsecond', $9::text))
	ORDER BY c.created_at ASC, c.id ASC
	LIMIT $11::int + 1)
)
SELECT w.user_id, w.scopes, w.stale,
    COALESCE((SELECT g.gen FROM apconn.conn_gen g
	WHERE g.owner_id = w.user_id), 0),
    p.id, p.external_id, p.display_name, p.piece_name, p.piece_version,
    p.type, p.status, p.scope, p.project_ids, p.platform_id, p.owner_id,
    CASE WHEN octet_length(p.metadata::text) <= 8192 THEN p.metadata END,
    p.created_at, p.updated_at, p.status_reason, p.status_at
FROM (SELECT 1) one
LEFT JOIN who w ON true
LEFT JOIN cand p ON true
ORDER BY p.created_at DESC, p.id DESC
