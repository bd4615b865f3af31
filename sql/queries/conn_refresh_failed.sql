-- $1 id, $2 owner, $3 reason, $4 the sweep's interval in seconds: a
-- refresh failed without the provider revoking anything; the status
-- stays, the reason is recorded, and the sweep waits one interval, then
-- twice as long after each further failure, up to 32 intervals or a day
UPDATE apconn.app_connection SET status_reason = $3, status_at = now(),
    refresh_failures = refresh_failures + 1,
    refresh_retry_at = now() + make_interval(secs => LEAST(
        $4::float8 * power(2, LEAST(refresh_failures, 5)), 86400))
WHERE id = $1 AND owner_id = $2
    AND set_config('apconn.event_kind', 'refresh_failed', true) IS NOT NULL
