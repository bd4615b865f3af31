-- $1 piece
DELETE FROM apconn.oauth_app WHERE piece_name = $1
