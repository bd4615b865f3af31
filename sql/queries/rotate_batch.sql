-- $1 active kid, $2 the last id seen ('' at first), $3 batch size: the
-- next connections whose value is sealed under another key, in id order
SELECT id, value->>'kid', value->>'iv', value->>'ct', value->>'tag'
FROM apconn.app_connection
WHERE value->>'kid' IS DISTINCT FROM $1 AND id > $2
ORDER BY id LIMIT $3::int
