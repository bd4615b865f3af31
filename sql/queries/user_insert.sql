-- $1 id, $2 email (or NULL), $3 name (or NULL), $4 is_anonymous
INSERT INTO apconn.users (id, email, name, is_anonymous)
VALUES ($1, $2, $3, $4::boolean)
RETURNING to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
