#!/bin/sh
# POST /api/auth/session: an API key becomes a browser session (the
# HttpOnly cookie, never the body) with the key's scopes, no longer than
# the key, ended by the key's revocation or expiry; sessions, executor
# and admin keys and foreign origins are refused.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
export APCONN_PUBLIC_URL=http://api.example.test APCONN_APP_URL=https://app.example.test/connections/
app_start 2
nginx_start

u=$(new_user kim@example.com)
ro=$(new_key "$u" connections:read)
rw=$(new_key "$u" connections:read,connections:write,workflows:read)
APP="Origin: https://app.example.test"

# cookie_of: the apconn_session value the last answer set.
cookie_of() {
	grep -i '^Set-Cookie: apconn_session=' "$TMP/headers" | tail -n 1 |
	    sed 's/^[^=]*=\([^;]*\);.*/\1/' | tr -d '\r'
}

http POST /api/auth/session
expect_error 401 unauthorized "without a credential"

as "$ro" POST /api/auth/session
expect_status 201 "a read-only key becomes a session"
expect_json .user.id "$u" "... of the key's user"
expect_json '.scopes | join(",")' connections:read "... with the key's scopes"
expect_json 'has("token")' false "the token is not in the body"
c1=$(cookie_of)
check "the token is in the cookie" sh -c "echo '$c1' | grep -Eq '^aps_[0-9a-z]{21}_[A-Za-z0-9_-]{43}$'"
sc=$(header Set-Cookie)
check "the cookie is HttpOnly, Secure, SameSite=Lax and Path=/" sh -c \
    "echo '$sc' | grep -q 'Path=/;' && echo '$sc' | grep -q HttpOnly && echo '$sc' | grep -q Secure && echo '$sc' | grep -q SameSite=Lax"
check "the database holds only the session's hash" \
    sh -c "! pg_dump -d '$DATABASE_URL' | grep -q -- '$(echo "$c1" | cut -c27-)'"
check "the session row names its key" test \
    "$(psql_q "SELECT api_key_id FROM apconn.sessions WHERE id = '$(echo "$c1" | cut -c5-25)'")" = \
    "$(echo "$ro" | cut -c5-25)"

http GET /api/user "" -H "Cookie: apconn_session=$c1"
expect_status 200 "the cookie authenticates"
expect_json .authenticatedBy session "as a session"
expect_json '.scopes | join(",")' connections:read "with the key's scopes only"
http POST /api/app-connections '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}' \
    -H "Cookie: apconn_session=$c1" -H "$APP"
expect_error 403 insufficient_scope "the session cannot write what the key cannot"

as "$rw" POST /api/auth/session "" -H "$APP"
expect_status 201 "a request from APCONN_APP_URL's origin"
c2=$(cookie_of)
http POST /api/app-connections '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}' \
    -H "Cookie: apconn_session=$c2"
expect_error 403 origin_mismatch "a cookie change still needs the Origin"
http POST /api/app-connections '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}' \
    -H "Cookie: apconn_session=$c2" -H "$APP"
expect_status 201 "a key session with write scope writes"

n0=$(psql_q "SELECT count(*) FROM apconn.sessions")
as "$rw" POST /api/auth/session "" -H "Origin: https://evil.example"
expect_error 403 origin_mismatch "a foreign Origin is refused"

ex=$(new_key "$u" connections:read,executor)
as "$ex" POST /api/auth/session
expect_error 403 key_not_exchangeable "an executor key stays out of browsers"
ad=$(new_key "$u" admin)
as "$ad" POST /api/auth/session
expect_error 403 key_not_exchangeable "... and so does an admin key"
as "$c1" POST /api/auth/session
expect_error 400 not_an_api_key "a session cannot be exchanged again"
http POST /api/auth/anonymous
anon=$(jq -r .token "$TMP/body")
as "$anon" POST /api/auth/session
expect_error 400 not_an_api_key "... nor an anonymous one"
check "no refused exchange made a session" test "$(psql_q "SELECT count(*) FROM apconn.sessions")" = $((n0 + 1))

# A browser's request without Origin: Sec-Fetch-Site must say it is this
# site's own; with neither, a request that carries a cookie is refused.
as "$rw" POST /api/auth/session "" -H "Cookie: apconn_session=$c2"
expect_error 403 origin_mismatch "with a cookie and no Origin, a key cannot replace the browser's session"
as "$rw" POST /api/auth/session "" -H "Cookie: apconn_session=$c2" -H "Sec-Fetch-Site: cross-site"
expect_error 403 origin_mismatch "... nor from another site (Sec-Fetch-Site)"
as "$rw" POST /api/auth/session "" -H "Cookie: apconn_session=$c2" -H "Sec-Fetch-Site: same-origin"
expect_status 201 "... but from this site's own page (Sec-Fetch-Site: same-origin)"
http POST /api/auth/anonymous "" -H "Cookie: apconn_session=$c2"
expect_error 403 origin_mismatch "anonymous: a browser's session is not swapped without Origin"
http POST /api/auth/anonymous "" -H "Cookie: apconn_session=$c2" -H "Sec-Fetch-Site: same-site"
expect_error 403 origin_mismatch "... nor from a sibling site"
http POST /api/auth/anonymous "" -H "Cookie: apconn_session=$c2" -H "Sec-Fetch-Site: same-origin"
expect_status 201 "... but from this site's own page"
http POST /api/auth/anonymous
expect_status 201 "a client without cookies (no browser session at stake) still gets one"

short=$(new_key "$u" connections:read)
psql_q "UPDATE apconn.api_keys SET expires_at = now() + interval '1 hour' WHERE id = '$(echo "$short" | cut -c5-25)'" >/dev/null
as "$short" POST /api/auth/session
expect_status 201 "a key that expires in an hour"
maxage=$(header Set-Cookie | sed -n 's/.*Max-Age=\([0-9]*\).*/\1/p')
check "the cookie lasts no longer than the key ($maxage s)" test "$maxage" -gt 3500 -a "$maxage" -le 3600
c3=$(cookie_of)
check "the session expires with the key" test "$(psql_q "SELECT s.expires_at = k.expires_at FROM apconn.sessions s JOIN apconn.api_keys k ON k.id = s.api_key_id WHERE s.id = '$(echo "$c3" | cut -c5-25)'")" = t
psql_q "UPDATE apconn.api_keys SET expires_at = now() - interval '1 second' WHERE id = '$(echo "$short" | cut -c5-25)'" >/dev/null
psql_q "UPDATE apconn.sessions SET expires_at = now() + interval '1 day' WHERE id = '$(echo "$c3" | cut -c5-25)'" >/dev/null
http GET /api/user "" -H "Cookie: apconn_session=$c3"
expect_error 401 token_expired "the key's expiry ends its session"
as "$short" POST /api/auth/session
expect_error 401 token_expired "an expired key makes no session"

# The routes that authenticate inside their own query read the same.
wfonly=$(new_key "$u" workflows:read)
as "$wfonly" POST /api/auth/session
cw=$(cookie_of)
http GET /api/app-connections "" -H "Cookie: apconn_session=$cw"
expect_error 403 insufficient_scope "the list refuses a session of a key without connections:read"
http GET /api/app-connections "" -H "Cookie: apconn_session=$c1"
expect_status 200 "... and serves a session of a key with it"
psql_q "UPDATE apconn.api_keys SET expires_at = now() - interval '1 second' WHERE id = '$(echo "$wfonly" | cut -c5-25)'" >/dev/null
http GET /api/app-connections "" -H "Cookie: apconn_session=$cw"
expect_error 401 token_expired "... and ends with its key there too"

admin token revoke "$ro" >/dev/null
http GET /api/user "" -H "Cookie: apconn_session=$c1"
expect_error 401 token_revoked "revoking the key ends its session"
http GET /api/app-connections "" -H "Cookie: apconn_session=$c1"
expect_error 401 token_revoked "... on the list as well"

http POST /api/auth/logout "" -H "Cookie: apconn_session=$c2" -H "$APP"
expect_status 200 "a key session signs out"
http GET /api/user "" -H "Cookie: apconn_session=$c2"
expect_error 401 token_revoked "... and is revoked"
as "$rw" GET /api/user
expect_status 200 "while the key itself still works"

done_testing
