-- $1 short name, $2 version, $3 the upstream's "updated" time (or NULL):
-- 't' when that name@version is stored and no newer than $3 says
SELECT ($3::timestamptz IS NOT NULL AND updated_at >= $3::timestamptz)::text
FROM apconn.piece_metadata WHERE name = $1 AND version = $2
