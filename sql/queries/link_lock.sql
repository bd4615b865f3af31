-- $1 anonymous user id, $2 caller's user id: lock both rows (in id order,
-- so two links cannot deadlock); answers id and is_anonymous per user.
SELECT id, is_anonymous FROM apconn.users WHERE id IN ($1, $2)
ORDER BY id FOR UPDATE
