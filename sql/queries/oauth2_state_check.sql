-- $1 state hash: its user, piece, and whether it is still usable
SELECT user_id, piece_name, (used_at IS NULL AND expires_at > now())::text
FROM apconn.oauth2_state WHERE state_hash = $1
