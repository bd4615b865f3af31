-- $1 id, $2 user id, $3 token hash (hex), $4 lifetime in days
INSERT INTO apconn.sessions (id, user_id, token_hash, expires_at)
VALUES ($1, $2, decode($3, 'hex'), now() + make_interval(days => $4::int))
