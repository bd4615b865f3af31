-- $1 owner, $2 cursor time (microseconds since the epoch, or NULL), $3
-- cursor id, $4 limit, $5 byte budget: the owner's workflows, most
-- recently updated first, after the cursor; as many as fit in $4 rows and
-- (but for the first) $5 bytes of JSON.  Answers the page (a JSON array)
-- and, when more rows lie beyond it, the time (microseconds) and id of
-- its last row; the JSON is built for the page's rows only.
WITH cand AS (
	SELECT w.id, w.updated_at,
	    octet_length(w.nodes::text) + octet_length(w.edges::text) +
		octet_length(COALESCE(w.description, '')) + 512 AS size
	FROM apconn.workflows w
	WHERE w.user_id = $1 AND ($2::bigint IS NULL OR (w.updated_at, w.id) <
	    ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::text))
	ORDER BY w.updated_at DESC, w.id DESC
	LIMIT $4::int + 1
), sized AS (
	SELECT id, updated_at, row_number() OVER o AS n, sum(size) OVER o AS run
	FROM cand
	WINDOW o AS (ORDER BY updated_at DESC, id DESC ROWS UNBOUNDED PRECEDING)
), page AS (
	SELECT * FROM sized WHERE n <= $4 AND (n = 1 OR run <= $5)
), last AS (
	SELECT p.id, (extract(epoch FROM p.updated_at) * 1000000)::bigint AS t
	FROM page p
	WHERE (SELECT count(*) FROM sized) > (SELECT count(*) FROM page)
	ORDER BY p.n DESC LIMIT 1
)
SELECT COALESCE((SELECT json_agg(apconn.workflow_json(w) ORDER BY p.n)
	FROM page p JOIN apconn.workflows w ON w.id = p.id), '[]')::text,
    (SELECT t FROM last), (SELECT id FROM last)
