-- $1 id, $2 email, $3 name, $4 image, $5 is_anonymous, $6 created at, $7
-- updated at (UTC wall-clock text, as the original's timestamp columns):
-- a user kept under its id.  Answers 'imported', 'present' (the id is
-- there already) or 'email_taken' (another user has the address).
WITH ins AS (
	INSERT INTO apconn.users (id, email, name, image, is_anonymous,
	    created_at, updated_at)
	VALUES ($1, $2, $3, $4, COALESCE($5::boolean, false),
	    COALESCE($6::timestamp AT TIME ZONE 'UTC', now()),
	    COALESCE($7::timestamp AT TIME ZONE 'UTC', now()))
	ON CONFLICT DO NOTHING
	RETURNING id
)
SELECT CASE WHEN EXISTS (SELECT 1 FROM ins) THEN 'imported'
    WHEN EXISTS (SELECT 1 FROM apconn.users u WHERE u.id = $1) THEN 'present'
    ELSE 'email_taken' END
