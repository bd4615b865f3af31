-- $1 at most this many: the deliveries due now, locked until the
-- transaction ends (another runner skips them), each only when no earlier
-- event of its stream is still pending for its endpoint (order per
-- connection); with the endpoint's URL and sealed secret, the attempts so
-- far, the delivery's age in seconds and the event as JSON
SELECT d.event_id, d.endpoint_id, w.url, w.secret->>'kid',
    w.secret->>'iv', w.secret->>'ct', w.secret->>'tag', d.attempts,
    extract(epoch FROM now() - d.created_at)::bigint,
    apconn.event_json(e)::text, e.type
FROM apconn.event_delivery d
JOIN apconn.webhook_endpoint w ON w.id = d.endpoint_id
JOIN apconn.connection_event e ON e.id = d.event_id
WHERE d.state = 'pending' AND d.next_at <= now() AND w.enabled
AND NOT EXISTS (SELECT 1 FROM apconn.event_delivery p
    WHERE p.endpoint_id = d.endpoint_id AND p.stream = d.stream
    AND p.state = 'pending' AND p.seq < d.seq)
ORDER BY d.seq
LIMIT $1::int
FOR UPDATE OF d SKIP LOCKED
