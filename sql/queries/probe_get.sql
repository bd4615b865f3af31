-- $1 piece name, $2 auth type: how to check such a credential
SELECT method, url, headers::text, expected_status
FROM apconn.piece_auth_probe WHERE piece_name = $1 AND auth_type = $2
