-- $1 id, $2 owner
DELETE FROM apconn.workflows WHERE id = $1 AND user_id = $2
