-- $1 user id or email: the user's id
SELECT id FROM apconn.users WHERE id = $1 OR lower(email) = lower($1)
ORDER BY id = $1 DESC LIMIT 1
