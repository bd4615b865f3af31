#!/bin/sh
# Testing credentials: validation, then one probe call through the
# outbound module to a local server; a failed test is a 200 with status
# error; a saved connection's status follows; the calls run in the
# outbound pool; internal addresses are refused; no secret is logged.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
fake_start
APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
export APCONN_OUTBOUND_ALLOW
app_start 2
nginx_start

psql_q "INSERT INTO apconn.piece_auth_probe (piece_name, auth_type, method, url, headers, expected_status) VALUES
    ('openai', 'SECRET_TEXT', 'GET', 'http://127.0.0.1:$FAKE_PORT/status/{{secret_text}}', '{\"Authorization\":\"Bearer {{secret_text}}\"}', 200),
    ('jira-cloud', 'BASIC_AUTH', 'GET', 'http://127.0.0.1:$FAKE_PORT/echo', '{\"Authorization\":\"Basic {{basic}}\"}', 200),
    ('slack', 'OAUTH2', 'GET', 'http://127.0.0.1:$FAKE_PORT/hang', '{}', 200),
    ('postgres', 'CUSTOM_AUTH', 'GET', 'http://127.0.0.2:$FAKE_PORT/ok?h={{props.host}}', '{}', 200)" >/dev/null

u=$(new_user tess@example.com)
k=$(new_key "$u" connections:read,connections:write)

t() { as "$k" POST /api/app-connections/test "$1"; }

t '{"pieceName":"openai","value":{"type":"SECRET_TEXT","secret_text":"200"}}'
expect_error 400 invalid_request "a test without type"
expect_json .error "type, pieceName and value are required" "... with the original's message"

t '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"200"}}'
expect_status 200 "a credential the service accepts"
expect_json '.status + ": " + .message' "success: Connection successful" "... succeeds"
expect_json '.probed | tostring' true "... and says the service was asked (probed)"
t '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"401"}}'
expect_status 200 "a credential the service rejects is still a 200"
expect_json '.status + ": " + .message' "error: The service rejected the credential (HTTP 401)" "... with status error and why"
expect_json '.probed | tostring' true "... probed: the service said no"
t '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":""}}'
expect_json '.status + ": " + .message' "error: secret_text must be a non-empty string" "a value that fails validation"
expect_json '.probed | tostring' false "... is not probed"
t '{"externalId":"x","displayName":"X","pieceName":"jira-cloud","type":"BASIC_AUTH","value":{"type":"BASIC_AUTH","username":"me@example.com","password":"jira-pw"}}'
expect_json .status success "BASIC_AUTH through a probe with {{basic}}"
check "the probe sent the Basic credentials" grep -q "Basic $(printf 'me@example.com:jira-pw' | base64)" "$TMP/fake.log"
t '{"externalId":"x","displayName":"X","pieceName":"postgres","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":{"host":"h","port":1,"password":"p"}}}'
expect_json '.status + ": " + .message' "error: The service could not be reached" "a probe to an address outside the allow-list"
expect_json '.probed | tostring' false "... is not probed: no call left apconn"
check "the refusal is logged" grep -q "probe postgres/CUSTOM_AUTH: refused" "$TMP/app.log"
t '{"externalId":"x","displayName":"X","pieceName":"openai","projectId":"default","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":{"apiKey":"sk-x"}}}'
expect_json '.status + ": " + .message' "success: Credential format looks valid" \
    "the original client's testCredentials (no probe for legacy CUSTOM_AUTH)"
expect_json '.probed | tostring' false "... says only the format was checked (probed false)"
t '{"externalId":"x","displayName":"X","pieceName":"multi","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"k"}}'
expect_json '(.status + ": " + .message) + " " + (.probed | tostring)' \
    "success: Credential format looks valid false" "a piece without a probe: format only, probed false"

# A saved connection: status follows the test.
as "$k" POST /api/app-connections '{"externalId":"o","displayName":"O","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"403"}}'
id=$(jq -r .id "$TMP/body")
as "$k" POST "/api/app-connections/$id/test"
expect_json '.status + ": " + .message' "error: The service rejected the credential (HTTP 403)" "testing a saved bad credential"
expect_json '.probed | tostring' true "... probed"
check "it is now ERROR, with the reason and time" test \
    "$(psql_q "SELECT status || '|' || status_reason || '|' || (status_at > now() - interval '1 minute') FROM apconn.app_connection WHERE id = '$id'")" = \
    "ERROR|The service rejected the credential (HTTP 403)|true"
as "$k" GET "/api/app-connections?status=ERROR"
expect_json '.data[0] | .status + "|" + .statusReason' \
    "ERROR|The service rejected the credential (HTTP 403)" "the list shows the reason"
expect_json '.data[0].statusAt | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[.][0-9]{3}Z$")' \
    true "... and when, in ISO 8601"
as "$k" POST "/api/app-connections/$id" '{"config":{"secret_text":"200"}}'
as "$k" POST "/api/app-connections/$id/test"
expect_json '.status + " " + (.probed | tostring)' "success true" "testing it again after a fix (probed)"
as "$k" GET "/api/app-connections/$id"
expect_json '.status + "|" + (.statusReason == null | tostring)' "ACTIVE|true" "an ACTIVE connection has no reason"
check "it is ACTIVE again" test "$(psql_q "SELECT status FROM apconn.app_connection WHERE id = '$id'")" = ACTIVE
b=$(new_user other@example.com)
kb=$(new_key "$b" connections:read,connections:write)
as "$kb" POST "/api/app-connections/$id/test"
expect_error 404 not_found "testing another user's connection"

# The legacy API's tests.
as "$k" POST /api/integrations/test '{"type":"openai","config":{"apiKey":"sk-legacy"}}'
expect_json '.status + " " + (.probed | tostring)' "success false" "POST /api/integrations/test (format only: probed false)"
as "$k" POST /api/integrations/test '{"config":{}}'
expect_error 400 invalid_request "a legacy test without type"
as "$k" POST "/api/integrations/$id/test"
expect_json .status success "POST /api/integrations/{id}/test"
as "$k" POST "/api/integrations/aaaaaaaaaaaaaaaaaaaaa/test"
expect_error 404 not_found "a legacy test of an unknown id"
expect_json .error "Integration not found" "... with the original's message"

# A provider that hangs occupies only the outbound pool.
as "$k" POST /api/app-connections '{"externalId":"s","displayName":"S","pieceName":"slack","type":"OAUTH2","value":{"type":"OAUTH2","access_token":"xoxb-1"}}'
sid=$(jq -r .id "$TMP/body")
t0=$(date +%s)
curl -s -o "$TMP/hang.body" --unix-socket "$TMP/http.sock" -X POST -H "Authorization: Bearer $k" \
    "http://localhost/api/app-connections/$sid/test" &
HANG=$!
sleep 0.5
ok_reads=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	as "$k" GET /api/app-connections
	[ "$STATUS" = 200 ] && ok_reads=$((ok_reads + 1))
done
check "reads are served while a probe hangs" test $ok_reads = 10
wait $HANG
t1=$(date +%s)
check "the hanging probe is cut off by its timeout (< 15 s)" test $((t1 - t0)) -lt 15
check "... and answered as an error" sh -c "jq -e '.status == \"error\" and (.message | test(\"in time\"))' '$TMP/hang.body' >/dev/null"
check "... that was probed (the call went out)" sh -c "jq -e '.probed == true' '$TMP/hang.body' >/dev/null"

check "the test routes ran in the outbound pool" \
    sh -c "grep 'apconn-fcgi-outbound' '$TMP/app.log' | grep -q 'POST /api/app-connections/test 200'"
check "other routes ran in the main pool" \
    sh -c "grep 'apconn-fcgi\\[' '$TMP/app.log' | grep -q 'GET /api/app-connections 200'"
check "no secret in the application log" sh -c "! grep -q -e 'jira-pw' -e 'sk-legacy' -e 'xoxb-1' '$TMP/app.log'"
check "no secret in the nginx logs" sh -c "! grep -q -e 'jira-pw' -e 'sk-legacy' '$TMP/nginx-access.log' '$TMP/nginx-error.log'"

done_testing
