-- $1 owner (NULL: every owner), $2 after this seq, $3 at most this many:
-- published events in publication order, each with its seq and as JSON
SELECT e.seq, apconn.event_json(e)::text
FROM apconn.connection_event e
WHERE e.seq > $2::bigint AND ($1::text IS NULL OR e.owner_id = $1)
ORDER BY e.seq
LIMIT $3::int
