-- $1 state hash, $2 user, $3 piece, $4 version, $5 redirect URL,
-- $6 client id, $7 pkce, $8 props (JSON or NULL); expired states go too
WITH gone AS (
	DELETE FROM apconn.oauth2_state WHERE expires_at < now() - interval '1 day'
)
INSERT INTO apconn.oauth2_state (state_hash, user_id, piece_name,
    piece_version, redirect_url, client_id, pkce, props)
VALUES ($1, $2, $3, $4, $5, $6, $7::boolean, $8::jsonb)
