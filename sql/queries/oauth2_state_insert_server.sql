-- $1 state hash, $2 user, $3 piece, $4 version, $5 redirect URL,
-- $6 client id, $7 pkce, $8 props, $9 external id, $10 display name,
-- $11..$14 the sealed {"verifier","client_secret"} (kid, iv, ct, tag)
INSERT INTO apconn.oauth2_state (state_hash, user_id, piece_name,
    piece_version, redirect_url, client_id, pkce, props, flow, external_id,
    display_name, sealed)
VALUES ($1, $2, $3, $4, $5, $6, $7::boolean, $8::jsonb, 'server', $9, $10,
    jsonb_build_object('v', 1, 'kid', $11::text, 'iv', $12::text,
	'ct', $13::text, 'tag', $14::text))
