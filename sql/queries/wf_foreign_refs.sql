-- $1 nodes (JSON), $2 the saver: 't' when a node's legacy integrationId
-- (in data.config or data) is another user's app connection
SELECT EXISTS (
	SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof($1::jsonb) =
	    'array' THEN $1::jsonb ELSE '[]' END) e
	JOIN apconn.app_connection c ON c.id IN (e #>> '{data,config,integrationId}',
	    e #>> '{data,integrationId}')
	WHERE c.owner_id <> $2)::text
