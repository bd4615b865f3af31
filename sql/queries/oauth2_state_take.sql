-- $1 state hash: consumes a server-held state if unexpired and unused;
-- answers what finishing the flow needs
UPDATE apconn.oauth2_state SET used_at = now()
WHERE state_hash = $1 AND flow = 'server' AND used_at IS NULL
AND expires_at > now()
RETURNING user_id, piece_name, piece_version, redirect_url, client_id,
    pkce::text, props::text, external_id, display_name, sealed->>'kid',
    sealed->>'iv', sealed->>'ct', sealed->>'tag'
