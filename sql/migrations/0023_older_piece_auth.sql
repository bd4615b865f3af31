-- Pieces of the older shape (pieces framework 0.2.x: no top-level auth,
-- each action or trigger carrying its credential as one of its props)
-- get that prop as their auth, as newer versions of the same pieces
-- declare it: the first prop of type OAUTH2, BASIC_AUTH or CUSTOM_AUTH
-- ("authentication" first, then by action and prop name), else a
-- SECRET_TEXT prop that every action and trigger carries under the same
-- name.  NULL when there is none.  piece_upsert.sql applies it to what
-- the sync stores; a top-level auth is never replaced.
CREATE FUNCTION apconn.piece_auth_of_props(actions jsonb, triggers jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE SET search_path = '' AS $fn$
WITH ops AS (
	SELECT e.k, e.v FROM pg_catalog.jsonb_each(CASE WHEN
	    pg_catalog.jsonb_typeof(actions) = 'object' THEN actions END) e(k, v)
	WHERE pg_catalog.jsonb_typeof(e.v->'props') = 'object'
	UNION ALL
	SELECT e.k, e.v FROM pg_catalog.jsonb_each(CASE WHEN
	    pg_catalog.jsonb_typeof(triggers) = 'object' THEN triggers END) e(k, v)
	WHERE pg_catalog.jsonb_typeof(e.v->'props') = 'object'
), props AS (
	SELECT ops.k AS op, p.k AS name, p.v AS def
	FROM ops, pg_catalog.jsonb_each(ops.v->'props') p(k, v)
	WHERE pg_catalog.jsonb_typeof(p.v) = 'object'
)
SELECT def FROM props
WHERE def->>'type' IN ('OAUTH2', 'BASIC_AUTH', 'CUSTOM_AUTH')
    OR (def->>'type' = 'SECRET_TEXT' AND (SELECT count(*) FROM props q
	WHERE q.name = props.name AND q.def->>'type' = 'SECRET_TEXT') =
	(SELECT count(*) FROM ops))
ORDER BY def->>'type' = 'SECRET_TEXT', name <> 'authentication', op, name
LIMIT 1
$fn$;

UPDATE apconn.piece_metadata p SET auth = l.auth
FROM (SELECT id, apconn.piece_auth_of_props(actions, triggers) AS auth
    FROM apconn.piece_metadata WHERE auth IS NULL) l
WHERE p.id = l.id AND l.auth IS NOT NULL;
