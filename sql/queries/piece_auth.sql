-- $1 piece name (as stored), $2 version: exact, or NULL for the newest
-- by semantic version.  Answers the version and the auth definition.
SELECT version, auth::text FROM apconn.piece_metadata
WHERE name = $1 AND ($2::text IS NULL OR version = $2)
ORDER BY apconn.semver_key(version) DESC, updated_at DESC LIMIT 1
