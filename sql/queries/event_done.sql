-- $1 event id, $2 endpoint id, $3 state (delivered, pending: try again,
-- failed: given up), $4 the HTTP status (NULL: none), $5 why it failed
-- (NULL when delivered), $6 seconds until the next try
UPDATE apconn.event_delivery SET state = $3, attempts = attempts + 1,
    last_at = now(), last_status = $4::int, last_error = $5,
    next_at = now() + make_interval(secs => $6::float8)
WHERE event_id = $1::bigint AND endpoint_id = $2
