-- Records one credential resolution: $1 execution id, $2 node id,
-- $3 piece, $4 key names (JSON array), $5 source, $6 workflow id,
-- $7 connection id, $8 external id, $9 owner, $10 key id, $11 outcome,
-- $12 why a refresh failed when the stored token was handed out (or NULL)
INSERT INTO apconn.credential_access_log (execution_id, node_id,
    integration_type, credential_keys, source, workflow_id, connection_id,
    connection_external_id, owner_id, key_id, outcome, fallback_attempted,
    fallback_reason)
VALUES ($1, COALESCE($2, ''), COALESCE($3, ''), $4::jsonb, $5, $6, $7,
    $8, NULLIF($9, ''), $10, $11, $12::text IS NOT NULL, $12)
