-- (original database) the users, each row as one JSON object of every
-- column it has, whatever the schema version
SELECT to_jsonb(t)::text FROM public.users t ORDER BY t.id
