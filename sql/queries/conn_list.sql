-- The caller's connections, authentication included (apconn.authn):
-- $1 session?, $2 credential id, $3 SHA-256 hex; $4 piece name (short,
-- or NULL), $5 display name substring (NULL), $6 statuses (text array
-- literal, or NULL), $7 scope (NULL), $8 cursor time (microseconds since
-- the epoch, or NULL), $9 cursor id, $10 direction ('n' next, 'p'
-- previous), $11 limit.  Newest first.  Answers the page (JSON array),
-- the cursors of its newest and oldest rows, whether more rows lie
-- beyond it in the direction asked, then the caller's user id (NULL when
-- the credential did not pass), scopes and stale last use.
WITH who AS (
	SELECT * FROM apconn.authn($1::boolean, $2, $3)
), cand AS (
	(SELECT c, row_number() OVER (ORDER BY c.created_at DESC, c.id DESC) n
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
	(SELECT c, row_number() OVER (ORDER BY c.created_at ASC, c.id ASC) n
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
), kept AS (
	SELECT c, (extract(epoch FROM (c).created_at) * 1000000)::bigint AS t
	FROM cand WHERE n <= $11::int
)
SELECT COALESCE((SELECT json_agg(apconn.connection_json(k.c)
	ORDER BY k.t DESC, (k.c).id DESC) FROM kept k), '[]')::text,
    (SELECT k.t || '.' || (k.c).id FROM kept k
	ORDER BY k.t DESC, (k.c).id DESC LIMIT 1),
    (SELECT k.t || '.' || (k.c).id FROM kept k
	ORDER BY k.t ASC, (k.c).id ASC LIMIT 1),
    EXISTS (SELECT 1 FROM cand WHERE n > $11::int),
    (SELECT user_id FROM who), (SELECT scopes FROM who),
    (SELECT stale FROM who)
