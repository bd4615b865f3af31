-- $1 piece: its client id and sealed secret
SELECT client_id, client_secret->>'kid', client_secret->>'iv',
    client_secret->>'ct', client_secret->>'tag'
FROM apconn.oauth_app WHERE piece_name = $1
