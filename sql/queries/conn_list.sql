-- $1 owner, $2 piece name (short, or NULL), $3 display name substring
-- (NULL), $4 statuses (text array literal, or NULL), $5 scope (NULL),
-- $6 cursor time (microseconds since the epoch, or NULL), $7 cursor id,
-- $8 direction ('n' next, 'p' previous), $9 limit.  Newest first.
-- Answers the page (JSON array), the cursors of its newest and oldest
-- rows, and whether more rows lie beyond it in the direction asked.
WITH cand AS (
	SELECT c, (extract(epoch FROM c.created_at) * 1000000)::bigint AS t
	FROM apconn.app_connection c
	WHERE c.owner_id = $1
	AND ($2::text IS NULL OR c.piece_name = $2)
	AND ($3::text IS NULL OR strpos(lower(c.display_name), lower($3)) > 0)
	AND ($4::text[] IS NULL OR c.status = ANY ($4::text[]))
	AND ($5::text IS NULL OR c.scope = $5)
), window_rows AS (
	SELECT c, t, row_number() OVER (ORDER BY
	    CASE WHEN $8 = 'p' THEN t END ASC,
	    CASE WHEN $8 = 'p' THEN (c).id END ASC,
	    t DESC, (c).id DESC) AS n
	FROM cand
	WHERE $6::bigint IS NULL
	OR ($8 = 'p' AND (t, (c).id) > ($6::bigint, $7::text))
	OR ($8 <> 'p' AND (t, (c).id) < ($6::bigint, $7::text))
), kept AS (
	SELECT c, t FROM window_rows WHERE n <= $9::int
)
SELECT COALESCE((SELECT json_agg(apconn.connection_json(k.c)
	ORDER BY k.t DESC, (k.c).id DESC) FROM kept k), '[]')::text,
    (SELECT k.t || '.' || (k.c).id FROM kept k
	ORDER BY k.t DESC, (k.c).id DESC LIMIT 1),
    (SELECT k.t || '.' || (k.c).id FROM kept k
	ORDER BY k.t ASC, (k.c).id ASC LIMIT 1),
    EXISTS (SELECT 1 FROM window_rows WHERE n > $9::int)
