-- $1 id, $2 the ciphertext that was read, $3..$6 the value sealed anew:
-- replaces it only if nobody wrote the row meanwhile
UPDATE apconn.app_connection
SET value = jsonb_build_object('v', 1, 'kid', $3::text, 'iv', $4::text,
    'ct', $5::text, 'tag', $6::text)
WHERE id = $1 AND value->>'ct' = $2
