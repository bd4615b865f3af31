-- The webhook endpoints, with their deliveries by state
SELECT w.id, w.url, COALESCE(array_to_string(w.event_types, ','), '*'),
    CASE WHEN w.enabled THEN 'enabled' ELSE 'disabled' END,
    (SELECT count(*) FROM apconn.event_delivery d
	WHERE d.endpoint_id = w.id AND d.state = 'pending'),
    (SELECT count(*) FROM apconn.event_delivery d
	WHERE d.endpoint_id = w.id AND d.state = 'delivered'),
    (SELECT count(*) FROM apconn.event_delivery d
	WHERE d.endpoint_id = w.id AND d.state = 'failed')
FROM apconn.webhook_endpoint w ORDER BY w.created_at, w.id
