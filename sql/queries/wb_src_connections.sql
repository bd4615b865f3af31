-- (original database) the app connections, each row as one JSON object;
-- value is the text "iv:tag:ciphertext" or the object {iv, data}
SELECT to_jsonb(t)::text FROM public.app_connection t ORDER BY t.id
