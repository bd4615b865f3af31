-- $1 id, $2 owner: the sealed value, type, piece and status, the row
-- locked until the transaction ends (one refresh at a time)
SELECT value->>'kid', value->>'iv', value->>'ct', value->>'tag', type,
    piece_name, piece_version, status, COALESCE(status_reason, '')
FROM apconn.app_connection WHERE id = $1 AND owner_id = $2
FOR UPDATE
