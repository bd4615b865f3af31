-- $1 piece, $2 client id, $3..$6 the sealed client secret
INSERT INTO apconn.oauth_app (piece_name, client_id, client_secret)
VALUES ($1, $2, jsonb_build_object('v', 1, 'kid', $3::text, 'iv', $4::text,
    'ct', $5::text, 'tag', $6::text))
ON CONFLICT (piece_name) DO UPDATE SET client_id = EXCLUDED.client_id,
    client_secret = EXCLUDED.client_secret, updated_at = now()
