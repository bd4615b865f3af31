-- $1 anonymous user id, $2 caller's user id: moves every connection,
-- workflow and reference; the anonymous autosave row is renamed when the
-- caller has one.  Answers the moved connection and workflow ids as JSON
-- arrays and the number of moved references.
WITH c AS (
	UPDATE apconn.app_connection SET owner_id = $2, updated_at = now()
	WHERE owner_id = $1
	RETURNING id
), w AS (
	UPDATE apconn.workflows SET user_id = $2, updated_at = now(),
	    name = CASE WHEN name = '~~__CURRENT__~~' AND EXISTS (
		SELECT 1 FROM apconn.workflows x
		WHERE x.user_id = $2 AND x.name = '~~__CURRENT__~~')
		THEN 'Autosave (from anonymous session)' ELSE name END
	WHERE user_id = $1
	RETURNING id
), r AS (
	UPDATE apconn.workflow_connection_ref SET owner_id = $2,
	    updated_at = now()
	WHERE owner_id = $1
	RETURNING id
)
SELECT (SELECT COALESCE(json_agg(id ORDER BY id), '[]') FROM c)::text,
    (SELECT COALESCE(json_agg(id ORDER BY id), '[]') FROM w)::text,
    (SELECT count(*) FROM r)
