#!/bin/sh
# OAuth2, the original's client-held flow: start (authorization URL from
# the piece's definition, PKCE, a stored hashed state), the callback
# (state checked, code handed back), and the upsert or test that
# exchanges the code at a local token endpoint.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
F="http://127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'regional', '1.0.0', 'Regional', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/{region}/authorize?x=1\",
	\"tokenUrl\":\"$F/oauth/{region}/token\",\"scope\":[\"a\",\"b\"],\"pkce\":true,\"extra\":{\"owner\":\"user\"},
	\"authorizationMethod\":\"HEADER\",\"props\":{\"region\":{\"type\":\"STATIC_DROPDOWN\",\"required\":true}}}'),
    ('o2', 'plain', '1.0.0', 'Plain', '[{\"type\":\"SECRET_TEXT\"},{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",
	\"tokenUrl\":\"$F/oauth/token\",\"scope\":[]}]')" >/dev/null
app_start 2
nginx_start

a=$(new_user olga@example.com)
ka=$(new_key "$a" connections:read,connections:write)
b=$(new_user other@example.com)
kb=$(new_key "$b" connections:read,connections:write)
start='{"pieceName":"regional","clientId":"cid-1","redirectUrl":"https://app.example/cb","props":{"region":"eu"}}'

as "$ka" POST /api/app-connections/oauth2/start '{"pieceName":"regional","redirectUrl":"https://x/cb"}'
expect_error 400 invalid_request "a client-held start without clientId"
expect_json .error "pieceName, clientId, and redirectUrl are required" "... with the original's message"
as "$ka" POST /api/app-connections/oauth2/start '{"pieceName":"nosuch","clientId":"c","redirectUrl":"https://x/cb"}'
expect_error 404 not_found "start for an unknown piece"
as "$ka" POST /api/app-connections/oauth2/start '{"pieceName":"openai","clientId":"c","redirectUrl":"https://x/cb"}'
expect_error 400 no_oauth2 "start for a piece without OAuth2"
as "$ka" POST /api/app-connections/oauth2/start '{"pieceName":"regional","clientId":"c","redirectUrl":"https://x/cb"}'
expect_error 400 invalid_request "start without a required prop"
expect_json .field props.region "... names it"
as "$ka" POST /api/app-connections/oauth2/start '{"pieceName":"regional","clientId":"c","redirectUrl":"javascript:alert(1)","props":{"region":"eu"}}'
expect_error 400 invalid_request "a redirectUrl that is not http(s)"

as "$ka" POST /api/app-connections/oauth2/start '{"pieceName":"regional","clientId":"c","redirectUrl":"https://x/cb","props":{"region":"evil.example/x?"}}'
expect_error 400 invalid_request "a prop that would move the authorization URL elsewhere"
as "$ka" POST /api/app-connections '{"externalId":"evil","displayName":"E","pieceName":"regional","type":"OAUTH2","value":{"type":"OAUTH2","code":"good-code","client_id":"c","client_secret":"s","redirect_url":"https://x/cb","props":{"region":"eu/../../other?"}}}'
expect_error 400 invalid_value "a prop that would move the token URL elsewhere"
expect_json .field value.props.region "... names it"
check "... and no token request was sent" sh -c "! grep -q 'other' '$TMP/fake.log'"
as "$ka" POST /api/app-connections/oauth2/start "$start"
expect_status 200 "start"
url=$(jq -r .authorizationUrl "$TMP/body")
state=$(jq -r .state "$TMP/body")
verifier=$(jq -r .codeVerifier "$TMP/body")
challenge=$(jq -r .codeChallenge "$TMP/body")
check "the URL starts at the piece's authUrl, placeholder filled, query kept" \
    sh -c "echo '$url' | grep -q '^$F/eu/authorize?x=1&client_id=cid-1&'"
for p in "redirect_uri=https%3A%2F%2Fapp.example%2Fcb" "response_type=code" "scope=a%20b" \
    "state=$state" "access_type=offline" "code_challenge=$challenge" "code_challenge_method=S256" "owner=user"; do
	check "the URL has $p" sh -c "echo '$url' | grep -q '[?&]$p\\(&\\|\$\\)'"
done
check "the state is 48 hex characters" sh -c "echo '$state' | grep -Eq '^[0-9a-f]{48}$'"
check "the verifier is 43 base64url characters" sh -c "echo '$verifier' | grep -Eq '^[A-Za-z0-9_-]{43}$'"
check "the challenge is S256 of the verifier" test "$challenge" = \
    "$(printf %s "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')"
check "the state is stored hashed, not in clear" test \
    "$(psql_q "SELECT count(*) FROM apconn.oauth2_state WHERE state_hash = '$(printf %s "$state" | sha256sum | cut -d' ' -f1)'")" = 1
check "... and nowhere in clear" sh -c "! pg_dump -d '$DATABASE_URL' | grep -q '$state'"

http GET "/api/app-connections/oauth2/callback?error=access_denied&error_description=User%20said%20no"
expect_status 400 "a provider error at the callback"
expect_json '[.status, .error, .errorDescription] | join("|")' "error|access_denied|User said no" "... in the original's shape"
http GET "/api/app-connections/oauth2/callback?state=$state"
expect_error 400 invalid_request "a callback without a code"
http GET "/api/app-connections/oauth2/callback?code=good-code&state=$(echo "$state" | tr 'a-f' 'b-g')"
expect_status 400 "a callback with an unknown state"
expect_json .error invalid_state "... says invalid_state"
as "$kb" GET "/api/app-connections/oauth2/callback?code=good-code&state=$state"
expect_json .error invalid_state "another user's state at the callback"
http GET "/api/app-connections/oauth2/callback?code=good-code&state=$state"
expect_status 200 "the callback"
expect_json '[.status, .code, .state] | join("|")' "success|good-code|$state" "... hands back the code"
http GET "/api/app-connections/oauth2/callback?code=good-code&state=$state"
expect_status 400 "the same callback a second time"
expect_json .error invalid_state "... says invalid_state"

value="{\"type\":\"OAUTH2\",\"code\":\"good-code\",\"code_challenge\":\"$verifier\",\"client_id\":\"cid-1\",\"client_secret\":\"cs-secret\",\"redirect_url\":\"https://app.example/cb\",\"scope\":\"a b\",\"props\":{\"region\":\"eu\"},\"state\":\"$state\"}"
as "$kb" POST /api/app-connections "{\"externalId\":\"r\",\"displayName\":\"R\",\"pieceName\":\"regional\",\"type\":\"OAUTH2\",\"value\":$value}"
expect_error 400 invalid_state "another user cannot use the state"
as "$ka" POST /api/app-connections "{\"externalId\":\"reg\",\"displayName\":\"Regional\",\"pieceName\":\"regional\",\"type\":\"OAUTH2\",\"value\":$value}"
expect_status 201 "the upsert exchanges the code (once after its callback)"
rid=$(jq -r .id "$TMP/body")
tokreq=$(grep '"/oauth/eu/token"' "$TMP/fake.log" | tail -n 1)
check "the token request went to the substituted token URL" test -n "$tokreq"
check "... with HEADER client authentication" sh -c "echo '$tokreq' | grep -q 'Basic $(printf 'cid-1:cs-secret' | base64)'"
check "... the PKCE verifier" sh -c "echo '$tokreq' | grep -q 'code_verifier=$verifier'"
check "... and no client secret in the body" sh -c "! echo '$tokreq' | jq -r .body | grep -q client_secret"
as "$ka" GET "/api/app-connections/$rid"
expect_json '.value | [.type, .token_type, (.expires_in|tostring), .authorization_method, .grant_type, .props.region] | join(" ")' \
    "OAUTH2 Bearer 3600 HEADER authorization_code eu" "the stored value (expires_in coerced to a number)"
expect_json '.value | has("access_token") or has("refresh_token") or has("client_secret") or has("data")' false "... shown without secrets"
check "no token in the database in clear" sh -c "! pg_dump -d '$DATABASE_URL' | grep -q -e 'at-1' -e 'rt-1' -e cs-secret"
as "$ka" POST /api/app-connections "{\"externalId\":\"reg2\",\"displayName\":\"Again\",\"pieceName\":\"regional\",\"type\":\"OAUTH2\",\"value\":$value}"
expect_error 400 invalid_state "a replayed state"

as "$ka" POST /api/app-connections/oauth2/start "$start"
s2=$(jq -r .state "$TMP/body")
psql_q "UPDATE apconn.oauth2_state SET expires_at = now() - interval '1 second' WHERE used_at IS NULL" >/dev/null
as "$ka" POST /api/app-connections "{\"externalId\":\"reg3\",\"displayName\":\"Late\",\"pieceName\":\"regional\",\"type\":\"OAUTH2\",\"value\":$(echo "$value" | sed "s/$state/$s2/")}"
expect_error 400 invalid_state "an expired state"
http GET "/api/app-connections/oauth2/callback?code=good-code&state=$s2"
expect_json .error invalid_state "an expired state at the callback"

as "$ka" POST /api/app-connections '{"externalId":"p","displayName":"P","pieceName":"plain","type":"OAUTH2","value":{"type":"OAUTH2","code":"bad-code","client_id":"c2","client_secret":"s2","redirect_url":"https://x/cb"}}'
expect_error 400 oauth2_exchange_failed "a code the provider refuses"
expect_json .error "The code is invalid" "... with the provider's description"
as "$ka" POST /api/app-connections '{"externalId":"p","displayName":"P","pieceName":"plain","type":"OAUTH2","value":{"type":"OAUTH2","code":"good-code","client_id":"c2","client_secret":"s2","redirect_url":"https://x/cb"}}'
expect_status 201 "BODY client authentication, no state, no PKCE"
tokreq=$(grep '"/oauth/token"' "$TMP/fake.log" | tail -n 1)
check "... client_id and client_secret in the body" sh -c "echo '$tokreq' | jq -r .body | grep -q 'client_id=c2&client_secret=s2'"
check "... no code_verifier without PKCE" sh -c "! echo '$tokreq' | grep -q code_verifier"
as "$ka" POST /api/app-connections/test '{"pieceName":"plain","type":"OAUTH2","value":{"type":"OAUTH2","code":"good-code","client_id":"c","client_secret":"s","redirect_url":"https://x/cb"}}'
expect_json '.status + ": " + .message' "success: Connection successful" "a test with a code performs the exchange"
as "$ka" POST /api/app-connections/test '{"pieceName":"plain","type":"OAUTH2","value":{"type":"OAUTH2","code":"bad-code","client_id":"c","client_secret":"s","redirect_url":"https://x/cb"}}'
expect_json '.status + ": " + .message' "error: The code is invalid" "a failed exchange is a test error"
as "$ka" POST /api/app-connections '{"externalId":"v","displayName":"V","pieceName":"plain","type":"OAUTH2","value":{"type":"OAUTH2","code":"good-code","code_challenge":"short","client_id":"c","client_secret":"s","redirect_url":"https://x/cb"}}'
expect_error 400 invalid_value "a PKCE verifier shorter than 43 characters"
expect_json .field value.code_challenge "... names it"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o3', 'sluggish', '1.0.0', 'Sluggish', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token?slow=30000\",\"scope\":[]}')" >/dev/null
t0=$(date +%s)
as "$ka" POST /api/app-connections '{"externalId":"slow","displayName":"Slow","pieceName":"sluggish","type":"OAUTH2","value":{"type":"OAUTH2","code":"good-code","client_id":"c","client_secret":"s","redirect_url":"https://x/cb"}}'
t1=$(date +%s)
expect_error 400 oauth2_exchange_failed "a token endpoint that does not answer"
expect_json .error "The OAuth2 provider did not answer in time" "... says so"
check "... within the 15 s timeout" test $((t1 - t0)) -le 17
check "the upsert ran in the outbound pool" \
    sh -c "grep 'apconn-fcgi-outbound' '$TMP/app.log' | grep -q 'POST /api/app-connections 201'"
check "no secret in the application log" sh -c "! grep -q -e cs-secret -e good-code -e '$verifier' '$TMP/app.log'"
check "no code or state in the nginx access log" sh -c "! grep -q -e good-code -e '$state' '$TMP/nginx-access.log'"

done_testing
