-- $1 id, $2 URL, $3 event types (text array literal, NULL: all), $4..$7
-- the sealed secret (AAD "webhook_endpoint:<id>")
INSERT INTO apconn.webhook_endpoint (id, url, event_types, secret)
VALUES ($1, $2, $3::text[], jsonb_build_object('v', 1, 'kid', $4::text,
    'iv', $5::text, 'ct', $6::text, 'tag', $7::text))
