-- Records one credential resolution: $1 id, $2 execution id, $3 node id,
-- $4 piece, $5 key names (JSON array), $6 source, $7 workflow id,
-- $8 connection id, $9 external id, $10 owner, $11 key id, $12 outcome,
-- $13 why a refresh failed when the stored token was handed out (or NULL)
INSERT INTO apconn.credential_access_log (id, execution_id, node_id,
    integration_type, credential_keys, source, workflow_id, connection_id,
    connection_external_id, owner_id, key_id, outcome, fallback_attempted,
    fallback_reason)
VALUES ($1, $2, COALESCE($3, ''), COALESCE($4, ''), $5::jsonb, $6, $7, $8,
    $9, NULLIF($10, ''), $11, $12, $13::text IS NOT NULL, $13)
