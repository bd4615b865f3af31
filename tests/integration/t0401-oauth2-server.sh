#!/bin/sh
# OAuth2, apconn's server-held flow: the client secret comes from an OAuth
# app (or the caller), the verifier and secret stay sealed with the state,
# the callback exchanges the code, stores the connection and sends the
# browser back to APCONN_APP_URL; errors and replays go back as error codes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
export APCONN_PUBLIC_URL=https://api.example.test APCONN_APP_URL='https://app.example.test/connections?tab=all'
F="http://127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '2.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[\"read\"],\"pkce\":true}')" >/dev/null
app_start 2
nginx_start

u=$(new_user sam@example.com)
k=$(new_key "$u" connections:read,connections:write)

as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"acme"}'
expect_error 400 no_oauth_app "server-held start without an OAuth app or client"
printf 'app-secret-1\n' | admin oauth-app set acme --client-id app-client >/dev/null
check "oauth-app set" test $? = 0
check "oauth-app list shows it, not the secret" sh -c "'$ADMIN' oauth-app list | grep -q '^acme	app-client' && ! '$ADMIN' oauth-app list | grep -q app-secret"
check "the app's secret is sealed in the database" sh -c "! pg_dump -d '$DATABASE_URL' | grep -q app-secret-1"
admin oauth-app set acme </dev/null >/dev/null 2>&1
check "oauth-app set without --client-id is a usage error" test $? = 64

as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"acme","externalId":"acme-main","displayName":"Acme main"}'
expect_status 200 "server-held start"
expect_json 'keys | join(",")' "authorizationUrl,state" "answers only the URL and the state"
url=$(jq -r .authorizationUrl "$TMP/body")
state=$(jq -r .state "$TMP/body")
check "redirect_uri is APCONN_PUBLIC_URL's callback" \
    sh -c "echo '$url' | grep -q 'redirect_uri=https%3A%2F%2Fapi.example.test%2Fapi%2Fapp-connections%2Foauth2%2Fcallback'"
check "the OAuth app's client id is used" sh -c "echo '$url' | grep -q 'client_id=app-client'"
as "$k" GET /api/user
expect_json .oauth2RedirectUrl "https://api.example.test/api/app-connections/oauth2/callback" \
    "GET /api/user names the redirect URI to register for one's own app"
ru=$(jq -r '.oauth2RedirectUrl | @uri' "$TMP/body")
check "... the one start sends" sh -c "echo '$url' | grep -q 'redirect_uri=$ru&'"
check "PKCE is used" sh -c "echo '$url' | grep -q 'code_challenge_method=S256'"

http GET "/api/app-connections/oauth2/callback?code=good-code&state=$state"
expect_status 303 "the callback finishes the flow"
loc=$(header Location)
check "and sends the browser back to APCONN_APP_URL with the connection" \
    test "$loc" = "https://app.example.test/connections?tab=all&connection=acme-main"
tokreq=$(grep '"/oauth/token"' "$TMP/fake.log" | tail -n 1)
check "the exchange used the sealed secret" sh -c "echo '$tokreq' | jq -r .body | grep -q 'client_secret=app-secret-1'"
check "... and the sealed verifier" sh -c "echo '$tokreq' | jq -r .body | grep -q 'code_verifier=[A-Za-z0-9_-]\\{43\\}'"
as "$k" GET '/api/app-connections?pieceName=acme'
expect_json '.data | map([.externalId, .displayName, .type, .status] | join("|")) | join(",")' \
    "acme-main|Acme main|OAUTH2|ACTIVE" "the connection is stored as the starting user's"
check "the callback ran in the outbound pool" \
    sh -c "grep 'apconn-fcgi-outbound' '$TMP/app.log' | grep -q 'GET /api/app-connections/oauth2/callback 303'"

http GET "/api/app-connections/oauth2/callback?code=good-code&state=$state"
check "a replayed state goes back as invalid_state" \
    test "$(header Location)" = "https://app.example.test/connections?tab=all&error=invalid_state"

as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"acme","clientId":"own-client","clientSecret":"own-secret"}'
s2=$(jq -r .state "$TMP/body")
http GET "/api/app-connections/oauth2/callback?code=bad-code&state=$s2"
check "a refused code goes back as oauth2_exchange_failed" \
    test "$(header Location)" = "https://app.example.test/connections?tab=all&error=oauth2_exchange_failed"
check "... having tried the caller's own client" sh -c "grep '\"/oauth/token\"' '$TMP/fake.log' | tail -n 1 | grep -q own-secret"

as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"acme"}'
s3=$(jq -r .state "$TMP/body")
http GET "/api/app-connections/oauth2/callback?error=access_denied&state=$s3"
check "a provider error goes back as its code" \
    test "$(header Location)" = "https://app.example.test/connections?tab=all&error=access_denied"
http GET "/api/app-connections/oauth2/callback?code=good-code&state=$s3"
check "... and the state is spent" \
    test "$(header Location)" = "https://app.example.test/connections?tab=all&error=invalid_state"

as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"acme"}'
s4=$(jq -r .state "$TMP/body")
other=$(new_user eve@example.com)
ko=$(new_key "$other" connections:read,connections:write)
as "$ko" GET "/api/app-connections/oauth2/callback?code=good-code&state=$s4"
check "another user's session cannot finish the flow" \
    test "$(header Location)" = "https://app.example.test/connections?tab=all&error=invalid_state"
as "$ko" GET /api/app-connections
expect_json '.data | length' 0 "... nor gets a connection from it"
check "the client secret never reaches a log" sh -c "! grep -q -e app-secret -e own-secret '$TMP/app.log' '$TMP/nginx-access.log'"

admin oauth-app delete acme >/dev/null
check "oauth-app delete" test $? = 0
admin oauth-app delete acme >/dev/null 2>&1
check "deleting it twice fails" test $? = 1

done_testing
