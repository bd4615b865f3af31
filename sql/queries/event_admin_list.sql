-- $1 after this id, $2 at most this many, $3 only events with a delivery
-- in this state (NULL: all): events by id, with their deliveries
-- ("endpoint:state:attempts", comma separated)
SELECT e.id, COALESCE(e.seq::text, '-'), apconn.iso(e.at), e.type,
    COALESCE(e.connection_id, '-'), e.external_id, e.owner_id,
    COALESCE((SELECT string_agg(d.endpoint_id || ':' || d.state || ':' ||
	d.attempts, ',' ORDER BY d.endpoint_id)
	FROM apconn.event_delivery d WHERE d.event_id = e.id), '-')
FROM apconn.connection_event e
WHERE e.id > $1::bigint AND ($3::text IS NULL OR EXISTS (
    SELECT 1 FROM apconn.event_delivery d
    WHERE d.event_id = e.id AND d.state = $3))
ORDER BY e.id
LIMIT $2::int
