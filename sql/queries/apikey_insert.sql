-- $1 id, $2 user id, $3 name, $4 token hash (hex), $5 scopes (text array
-- literal), $6 lifetime in days or NULL for none
INSERT INTO apconn.api_keys (id, user_id, name, token_hash, scopes, expires_at)
VALUES ($1, $2, $3, decode($4, 'hex'), $5::text[],
    now() + make_interval(days => $6::int))
