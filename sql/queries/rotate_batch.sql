-- $1 the active kid (NULL: every value), $2 the last key seen ('' at
-- first), $3 batch size, $4 the table (app_connection, oauth_app,
-- oauth2_state, webhook_endpoint): the next sealed values of that table
-- not sealed under $1, in key order, with the AAD each was sealed with
SELECT id, id, value->>'kid', value->>'iv', value->>'ct', value->>'tag'
FROM apconn.app_connection
WHERE $4 = 'app_connection' AND id > $2
    AND ($1::text IS NULL OR value->>'kid' IS DISTINCT FROM $1)
UNION ALL
SELECT piece_name, 'oauth_app:' || piece_name, client_secret->>'kid',
    client_secret->>'iv', client_secret->>'ct', client_secret->>'tag'
FROM apconn.oauth_app
WHERE $4 = 'oauth_app' AND piece_name > $2
    AND ($1::text IS NULL OR client_secret->>'kid' IS DISTINCT FROM $1)
UNION ALL
SELECT state_hash, 'oauth2_state:' || state_hash, sealed->>'kid',
    sealed->>'iv', sealed->>'ct', sealed->>'tag'
FROM apconn.oauth2_state
WHERE $4 = 'oauth2_state' AND sealed IS NOT NULL AND state_hash > $2
    AND expires_at > now()
    AND ($1::text IS NULL OR sealed->>'kid' IS DISTINCT FROM $1)
UNION ALL
SELECT id, 'webhook_endpoint:' || id, secret->>'kid', secret->>'iv',
    secret->>'ct', secret->>'tag'
FROM apconn.webhook_endpoint
WHERE $4 = 'webhook_endpoint' AND id > $2
    AND ($1::text IS NULL OR secret->>'kid' IS DISTINCT FROM $1)
ORDER BY 1 LIMIT $3::int
