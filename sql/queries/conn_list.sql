-- One page of owner $1's connections: $2 piece name (short, or NULL),
-- $3 display name substring (NULL), $4 statuses (text array literal, or
-- NULL), $5 scope (NULL), $6 cursor time (microseconds since the epoch,
-- or NULL), $7 cursor id, $8 direction ('n' next, 'p' previous), $9
-- limit.  One row per connection of the page and one more when more rows
-- lie beyond it in the direction asked (the oldest row going next, the
-- newest going previous), newest first.  The handler reads it in binary
-- format (timestamps as they are stored) and writes the JSON.  Metadata
-- over 8192 bytes (stored before that limit, CONN_METADATA_MAX) is left
-- out of a page as null, so that a page's size is bounded by its limit.
WITH cand AS (
	(SELECT c.id, c.external_id, c.display_name, c.piece_name,
	    c.piece_version, c.type, c.status, c.scope, c.project_ids,
	    c.platform_id, c.owner_id, c.metadata, c.created_at, c.updated_at,
	    c.status_reason, c.status_at
	FROM apconn.app_connection c
	WHERE $8 <> 'p' AND c.owner_id = $1
	AND ($2::text IS NULL OR c.piece_name = $2)
	AND ($3::text IS NULL OR strpos(lower(c.display_name), lower($3)) > 0)
	AND ($4::text[] IS NULL OR c.status = ANY ($4::text[]))
	AND ($5::text IS NULL OR c.scope = $5)
	AND ($6::bigint IS NULL OR (c.created_at, c.id) <
	    ('epoch'::timestamptz + $6::bigint * interval '1 microsecond', $7::text))
	ORDER BY c.created_at DESC, c.id DESC
	LIMIT $9::int + 1)
	UNION ALL
	(SELECT c.id, c.external_id, c.display_name, c.piece_name,
	    c.piece_version, c.type, c.status, c.scope, c.project_ids,
	    c.platform_id, c.owner_id, c.metadata, c.created_at, c.updated_at,
	    c.status_reason, c.status_at
	FROM apconn.app_connection c
	WHERE $8 = 'p' AND c.owner_id = $1
	AND ($2::text IS NULL OR c.piece_name = $2)
	AND ($3::text IS NULL OR strpos(lower(c.display_name), lower($3)) > 0)
	AND ($4::text[] IS NULL OR c.status = ANY ($4::text[]))
	AND ($5::text IS NULL OR c.scope = $5)
	AND ($6::bigint IS NULL OR (c.created_at, c.id) >
	    ('epoch'::timestamptz + $6::bigint * interval '1 microsecond', $7::text))
	ORDER BY c.created_at ASC, c.id ASC
	LIMIT $9::int + 1)
)
SELECT p.id, p.external_id, p.display_name, p.piece_name, p.piece_version,
    p.type, p.status, p.scope, p.project_ids, p.platform_id, p.owner_id,
    CASE WHEN octet_length(p.metadata::text) <= 8192 THEN p.metadata END,
    p.created_at, p.updated_at, p.status_reason, p.status_at
FROM cand p
ORDER BY p.created_at DESC, p.id DESC
