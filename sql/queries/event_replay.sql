-- $1 event id (NULL: every event with a failed delivery), $2 endpoint id
-- (NULL: every enabled endpoint that takes the event's type): makes the
-- event's deliveries pending again from now, and creates those missing
-- for a published event; answers how many deliveries are pending now
WITH ev AS (
	SELECT e.* FROM apconn.connection_event e
	WHERE e.seq IS NOT NULL AND (e.id = $1::bigint OR ($1::bigint IS NULL AND
	    EXISTS (SELECT 1 FROM apconn.event_delivery f
		WHERE f.event_id = e.id AND f.state = 'failed'
		AND ($2::text IS NULL OR f.endpoint_id = $2))))
), up AS (
	UPDATE apconn.event_delivery d SET state = 'pending', attempts = 0,
	    next_at = now(), created_at = now(), last_error = NULL
	FROM ev WHERE d.event_id = ev.id
	AND ($2::text IS NULL OR d.endpoint_id = $2)
	AND ($1::bigint IS NOT NULL OR d.state = 'failed')
	RETURNING d.event_id
), ins AS (
	INSERT INTO apconn.event_delivery (event_id, endpoint_id, seq, stream)
	SELECT ev.id, w.id, ev.seq, ev.stream FROM ev
	JOIN apconn.webhook_endpoint w ON w.enabled
	    AND ($2::text IS NULL OR w.id = $2)
	    AND ($2::text IS NOT NULL OR w.event_types IS NULL
		OR ev.type = ANY (w.event_types))
	WHERE $1::bigint IS NOT NULL
	ON CONFLICT DO NOTHING
	RETURNING event_id
)
SELECT (SELECT count(*) FROM up) + (SELECT count(*) FROM ins)
