-- $1 email: the user's id
SELECT id FROM apconn.users WHERE lower(email) = lower($1)
