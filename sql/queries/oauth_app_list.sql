-- every OAuth app: piece, client id, when set (never the secret)
SELECT piece_name, client_id, apconn.iso(updated_at)
FROM apconn.oauth_app ORDER BY piece_name
