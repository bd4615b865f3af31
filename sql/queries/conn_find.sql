-- $1 owner, $2 external id: the connection's id and status
SELECT id, status FROM apconn.app_connection
WHERE owner_id = $1 AND external_id = $2
