-- $1 anonymous user id: removes the user; sessions and keys go with it.
DELETE FROM apconn.users WHERE id = $1 AND is_anonymous
