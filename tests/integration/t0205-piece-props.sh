#!/bin/sh
# Props checked against the recorded pieces (tests/fixtures/pieces, as
# apconn-sync-pieces stores them): a required prop with a default gets the
# default (the original client's "add OpenAI" sends only apiKey), and an
# OAuth2 prop that fills the provider's URLs is checked before any URL is
# built or any secret sent.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
fake_start --fixtures "$top_srcdir/tests/fixtures/pieces"
export APCONN_OUTBOUND_ALLOW="127.0.0.1"
"$top_builddir/apconn-sync-pieces" --base-url="http://127.0.0.1:$FAKE_PORT/api/v1" \
    --only=openai,zoho-books >"$TMP/sync.out" 2>&1
check "the recorded openai and zoho-books are synced" \
    test "$(psql_q "SELECT string_agg(name || '@' || version, ',' ORDER BY name) FROM apconn.piece_metadata")" = \
    "openai@0.3.18,zoho-books@0.2.0"
check "... openai's baseUrl is required, with a default" \
    test "$(psql_q "SELECT auth #>> '{props,baseUrl,required}' || ' ' || (auth #>> '{props,baseUrl,defaultValue}') FROM apconn.piece_metadata WHERE name = 'openai'")" = \
    "true https://api.openai.com/v1"
app_start 2
nginx_start

u=$(new_user dana@example.com)
k=$(new_key "$u" connections:read,connections:write)

# The original client's "add OpenAI": CUSTOM_AUTH with the key alone.
as "$k" POST /api/app-connections '{"externalId":"openai-1","displayName":"OpenAI","pieceName":"openai","projectId":"default","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":{"apiKey":"sk-props-1"}}}'
expect_status 201 "a required prop with a default may be left out"
id=$(jq -r .id "$TMP/body")
as "$k" GET "/api/app-connections/$id"
expect_json .value.props.baseUrl "https://api.openai.com/v1" "... and the default is stored"
as "$k" POST /api/app-connections '{"externalId":"openai-2","displayName":"OpenAI","pieceName":"openai","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":{"apiKey":"sk-props-2","baseUrl":"https://llm.example/v1"}}}'
id2=$(jq -r .id "$TMP/body")
as "$k" GET "/api/app-connections/$id2"
expect_json .value.props.baseUrl "https://llm.example/v1" "a value given wins over the default"
as "$k" POST /api/app-connections '{"externalId":"openai-3","displayName":"OpenAI","pieceName":"openai","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":{"baseUrl":"https://llm.example/v1"}}}'
expect_error 400 invalid_value "a required prop without a default is still required"
expect_json .field value.props.apiKey "... named"

# zoho-books: accounts.{location} is where the code and the client
# secret go; location must be one of the piece's options.
body='{"externalId":"zb","displayName":"Zoho","pieceName":"zoho-books","type":"OAUTH2","value":{"type":"OAUTH2","code":"good-code","client_id":"c","client_secret":"cs-zoho-1","redirect_url":"https://x/cb","props":{"location":"LOC"}}}'
as "$k" POST /api/app-connections "$(echo "$body" | sed 's/LOC/evil.example/')"
expect_error 400 invalid_value "an OAuth2 prop that is not one of its options"
expect_json .field value.props.location "... named"
as "$k" POST /api/app-connections "$(echo "$body" | sed 's/,"props":{"location":"LOC"}//')"
expect_error 400 invalid_value "a required OAuth2 prop left out"
check "no token call was made for either" sh -c "! grep -q 'token call for zoho-books' '$TMP/app.log'"
as "$k" POST /api/app-connections/test "$(echo "$body" | sed 's/LOC/evil.example/')"
check "a test with a code checks the props before the exchange too" \
    sh -c "! grep -q 'token call for zoho-books' '$TMP/app.log' && jq -e '.status == \"error\" or .code == \"invalid_value\"' '$TMP/body' >/dev/null"
as "$k" POST /api/app-connections "$(echo "$body" | sed 's/LOC/zoho.eu/')"
check "a listed location gets as far as the provider (not allowed here)" \
    sh -c "grep -q 'token call for zoho-books' '$TMP/app.log'"

as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"zoho-books","clientId":"c","redirectUrl":"https://x/cb","props":{"location":"evil.example/x?"}}'
expect_error 400 invalid_request "start: a location that is not an option builds no URL"
expect_json .field props.location "... named"
as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"zoho-books","clientId":"c","redirectUrl":"https://x/cb","props":{"location":"zoho.eu"}}'
expect_status 200 "start: a listed location"
check "... builds the provider's URL with it" \
    sh -c "jq -r .authorizationUrl '$TMP/body' | grep -q '^https://accounts.zoho.eu/oauth/v2/auth?'"

done_testing
