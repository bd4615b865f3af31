-- The caller (apconn.authn(): $1 kind, $2 credential id, $3 SHA-256
-- hex): its user id, scopes, stale last use and the change counter of
-- its connections (0 before their first change).  No row when the
-- credential did not pass.
SELECT a.user_id, a.scopes, a.stale, COALESCE(g.gen, 0)
FROM apconn.authn($1::text, $2, $3) a
LEFT JOIN apconn.conn_gen g ON g.owner_id = a.user_id
