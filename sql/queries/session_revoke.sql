-- $1 session id
UPDATE apconn.sessions SET revoked_at = now()
WHERE id = $1 AND revoked_at IS NULL
