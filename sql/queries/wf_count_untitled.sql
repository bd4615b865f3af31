-- $1 owner: how many workflows the owner has (for "Untitled N")
SELECT count(*)::text FROM apconn.workflows WHERE user_id = $1
