-- $1 owner, $2 "<name> (Copy)": that name if the owner has no workflow
-- called so, else the first free "<name> (Copy) N" from 2 on
SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM apconn.workflows
	WHERE user_id = $1 AND name = $2) THEN $2
    ELSE (SELECT $2 || ' ' || n FROM generate_series(2, 100000) n
	WHERE NOT EXISTS (SELECT 1 FROM apconn.workflows
	    WHERE user_id = $1 AND name = $2 || ' ' || n) LIMIT 1) END
