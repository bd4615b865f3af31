-- $1 state hash: the flow that started it ('client' or 'server')
SELECT flow FROM apconn.oauth2_state WHERE state_hash = $1
