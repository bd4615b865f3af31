-- $1 name (as stored), $2 exact version (or NULL), $3 lowest version key
-- (bigint array literal, or NULL), $4 version key above the range (or
-- NULL): the newest matching version, in full
SELECT apconn.piece_json(p)::text
FROM apconn.piece_metadata p
WHERE p.name = $1 AND ($2::text IS NULL OR p.version = $2)
AND ($3::bigint[] IS NULL OR apconn.semver_key(p.version) >= $3::bigint[])
AND ($4::bigint[] IS NULL OR apconn.semver_key(p.version) < $4::bigint[])
ORDER BY apconn.semver_key(p.version) DESC, p.updated_at DESC
LIMIT 1
