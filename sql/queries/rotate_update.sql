-- $1 key, $2 the ciphertext that was read, $3..$6 the value sealed anew,
-- $7 the table: replaces it only if nobody wrote it meanwhile, keeping
-- what is stored beside it; answers
-- how many rows changed (0 or 1)
WITH c AS (
    UPDATE apconn.app_connection
    SET value = jsonb_build_object('v', 1, 'kid', $3::text, 'iv', $4::text,
        'ct', $5::text, 'tag', $6::text) ||
        (value - 'v' - 'kid' - 'iv' - 'ct' - 'tag')
    WHERE $7 = 'app_connection' AND id = $1 AND value->>'ct' = $2
	AND set_config('apconn.event_kind', 'rotate', true) IS NOT NULL
    RETURNING 1
), a AS (
    UPDATE apconn.oauth_app
    SET client_secret = jsonb_build_object('v', 1, 'kid', $3::text,
        'iv', $4::text, 'ct', $5::text, 'tag', $6::text), updated_at = now()
    WHERE $7 = 'oauth_app' AND piece_name = $1 AND client_secret->>'ct' = $2
    RETURNING 1
), s AS (
    UPDATE apconn.oauth2_state
    SET sealed = jsonb_build_object('v', 1, 'kid', $3::text, 'iv', $4::text,
        'ct', $5::text, 'tag', $6::text)
    WHERE $7 = 'oauth2_state' AND state_hash = $1 AND sealed->>'ct' = $2
    RETURNING 1
), w AS (
    UPDATE apconn.webhook_endpoint
    SET secret = jsonb_build_object('v', 1, 'kid', $3::text, 'iv', $4::text,
        'ct', $5::text, 'tag', $6::text), updated_at = now()
    WHERE $7 = 'webhook_endpoint' AND id = $1 AND secret->>'ct' = $2
    RETURNING 1
)
SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM a) +
    (SELECT count(*) FROM s) + (SELECT count(*) FROM w)
