-- (original database) the legacy integrations, each row as one JSON
-- object; config is the JSON string holding "iv:tag:ciphertext"
SELECT to_jsonb(t)::text FROM public.integrations t ORDER BY t.id
