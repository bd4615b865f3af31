-- $1 session id
UPDATE apconn.sessions SET last_used_at = now() WHERE id = $1
