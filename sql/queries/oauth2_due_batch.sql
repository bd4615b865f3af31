-- $1 the last id seen ('' at first), $2 batch size: ACTIVE OAuth2
-- connections, in id order, with their owners (the sweep opens each one to
-- see whether it is due)
SELECT id, owner_id FROM apconn.app_connection
WHERE type = 'OAUTH2' AND status = 'ACTIVE' AND id > $1
ORDER BY id LIMIT $2::int
