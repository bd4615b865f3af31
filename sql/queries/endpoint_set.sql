-- $1 id, $2 'enabled', 'disabled' or 'deleted' (with its deliveries)
WITH del AS (
	DELETE FROM apconn.webhook_endpoint WHERE id = $1 AND $2 = 'deleted'
	RETURNING id
), up AS (
	UPDATE apconn.webhook_endpoint SET enabled = ($2 = 'enabled'),
	    updated_at = now()
	WHERE id = $1 AND $2 IN ('enabled', 'disabled')
	RETURNING id
)
SELECT id FROM del UNION ALL SELECT id FROM up
