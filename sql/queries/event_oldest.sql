-- How long the oldest event not yet delivered has waited, in seconds (0:
-- none): unpublished, or pending for an endpoint
SELECT COALESCE(extract(epoch FROM now() - LEAST(
    (SELECT min(at) FROM apconn.connection_event WHERE seq IS NULL),
    (SELECT min(e.at) FROM apconn.event_delivery d
	JOIN apconn.connection_event e ON e.id = d.event_id
	WHERE d.state = 'pending'))), 0)::bigint
