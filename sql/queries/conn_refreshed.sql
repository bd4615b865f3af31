-- $1 id, $2 owner, $3..$6 the sealed value, $7 status, $8 reason: a
-- refresh succeeded, so the sweep's backoff starts over
-- $9: what is stored beside the sealed value (vault_seal())
UPDATE apconn.app_connection SET value = jsonb_build_object('v', 1,
    'kid', $3::text, 'iv', $4::text, 'ct', $5::text, 'tag', $6::text) ||
	COALESCE($9::jsonb, '{}'),
    status = $7, status_reason = $8, status_at = now(), updated_at = now(),
    refresh_failures = 0, refresh_retry_at = NULL
WHERE id = $1 AND owner_id = $2
    AND set_config('apconn.event_kind', 'refreshed', true) IS NOT NULL
