-- (the original's database, read only) $1 better-auth session token: the
-- session's id, its user's id, email, name and anonymity, and whether it
-- has expired (better-auth writes UTC into timestamp columns)
SELECT s.id, u.id, u.email, u.name, COALESCE(u.is_anonymous, false),
    s.expires_at <= (now() AT TIME ZONE 'UTC')
FROM public.sessions s JOIN public.users u ON u.id = s.user_id
WHERE s.token = $1
