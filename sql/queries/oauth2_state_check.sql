-- $1 state hash, $2 the caller (NULL when unauthenticated): consumes the
-- callback of a client-held state that is unexpired, not yet called
-- back or used, and the caller's; answers its user and piece
UPDATE apconn.oauth2_state SET callback_at = now()
WHERE state_hash = $1 AND flow <> 'server' AND callback_at IS NULL
AND used_at IS NULL AND expires_at > now()
AND ($2::text IS NULL OR user_id = $2)
RETURNING user_id, piece_name
