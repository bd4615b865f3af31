-- (original database) the workflows, each row as one JSON object
SELECT to_jsonb(t)::text FROM public.workflows t ORDER BY t.id
