-- $1 id, $2 owner, $3 reason: a refresh ended the connection (the
-- provider revoked the grant, or the token expired with nothing to renew
-- it): ERROR, recorded as a failed refresh and a change of status
UPDATE apconn.app_connection SET status = 'ERROR', status_reason = $3,
    status_at = now(), updated_at = now()
WHERE id = $1 AND owner_id = $2
    AND set_config('apconn.event_kind', 'refresh_failed', true) IS NOT NULL
