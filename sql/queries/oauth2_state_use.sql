-- $1 state hash, $2 user, $3 piece: consumes the state if it is the
-- user's, for that piece, unexpired and unused; answers its pkce flag
UPDATE apconn.oauth2_state SET used_at = now()
WHERE state_hash = $1 AND user_id = $2 AND piece_name = $3
AND used_at IS NULL AND expires_at > now()
RETURNING pkce::text
