-- $1 search words (lowercase text array literal, or NULL), $2 categories
-- (lowercase text array literal, or NULL), $3 sort (NAME, UPDATED,
-- CREATED), $4 order (ASC, DESC), $5 limit (or NULL): one summary per
-- piece name, its newest version by semantic version, as a JSON array
WITH latest AS (
	SELECT DISTINCT ON (p.name) p
	FROM apconn.piece_metadata p
	ORDER BY p.name, apconn.semver_key(p.version) DESC, p.updated_at DESC
), chosen AS (
	SELECT l.p FROM latest l
	WHERE ($1::text[] IS NULL OR NOT EXISTS (
		SELECT 1 FROM unnest($1::text[]) w
		WHERE strpos(lower((l.p).display_name || ' ' || (l.p).name || ' ' ||
		    COALESCE((l.p).description, '')), w) = 0))
	AND ($2::text[] IS NULL OR EXISTS (
		SELECT 1 FROM unnest((l.p).categories) c
		WHERE lower(c) = ANY ($2::text[])))
	ORDER BY
	    CASE WHEN $3 = 'NAME' AND $4 = 'ASC' THEN lower((l.p).display_name) END ASC,
	    CASE WHEN $3 = 'NAME' AND $4 = 'DESC' THEN lower((l.p).display_name) END DESC,
	    CASE WHEN $3 = 'UPDATED' AND $4 = 'ASC' THEN (l.p).updated_at END ASC,
	    CASE WHEN $3 = 'UPDATED' AND $4 = 'DESC' THEN (l.p).updated_at END DESC,
	    CASE WHEN $3 = 'CREATED' AND $4 = 'ASC' THEN (l.p).created_at END ASC,
	    CASE WHEN $3 = 'CREATED' AND $4 = 'DESC' THEN (l.p).created_at END DESC,
	    (l.p).name
	LIMIT $5::int
)
SELECT COALESCE(json_agg(apconn.piece_summary_json(c.p)), '[]')::text
FROM chosen c
