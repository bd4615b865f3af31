#!/bin/sh
# OAuth2 tokens over time: a token near expiry is refreshed when the
# connection is used (tested), once however many readers ask at the same
# time; a refresh without a new refresh token keeps the old one;
# invalid_grant makes the connection ERROR for good; an expired token with
# nothing to renew it is ERROR; client_credentials renews by re-running
# the grant.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
F="http://127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '1.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[]}')" >/dev/null
app_start 2 --outbound-workers 4
nginx_start

u=$(new_user rita@example.com)
k=$(new_key "$u" connections:read,connections:write)
connect() {	# connect EXTERNAL_ID CODE
	as "$k" POST /api/app-connections "{\"externalId\":\"$1\",\"displayName\":\"$1\",\"pieceName\":\"acme\",\"type\":\"OAUTH2\",\"value\":{\"type\":\"OAUTH2\",\"code\":\"$2\",\"client_id\":\"c\",\"client_secret\":\"s\",\"redirect_url\":\"https://x/cb\"}}"
	jq -r .id "$TMP/body"
}
refreshes() { grep -c 'grant_type=refresh_token' "$TMP/fake.log"; }

fresh=$(connect fresh good-code)
as "$k" POST "/api/app-connections/$fresh/test"
expect_json .status success "a fresh token is used as it is"
check "... without a refresh" test "$(refreshes)" = 0

id=$(connect soon short-code)
sleep 1.2
before=$(refreshes)
pids=""
for i in 1 2 3 4 5 6; do
	curl -s -o "$TMP/t$i" --unix-socket "$TMP/http.sock" -X POST -H "Authorization: Bearer $k" \
	    "http://localhost/api/app-connections/$id/test" &
	pids="$pids $!"
done
wait $pids
check "6 concurrent uses of a token due cause exactly one refresh" test $(( $(refreshes) - before )) = 1
check "... and all 6 succeed" test "$(grep -l '"status":"success"' "$TMP"/t[1-6] | wc -l)" = 6
last=$(grep 'grant_type=refresh_token' "$TMP/fake.log" | tail -n 1)
check "the refresh sent the stored refresh token" sh -c "echo '$last' | grep -q 'refresh_token=rt-1'"
as "$k" POST "/api/app-connections/$id/test"
check "the refreshed token is fresh: no further refresh" test $(( $(refreshes) - before )) = 1
check "the connection stays ACTIVE" test "$(psql_q "SELECT status FROM apconn.app_connection WHERE id = '$id'")" = ACTIVE

id4=$(connect chain short-chain)
sleep 1.2
as "$k" POST "/api/app-connections/$id4/test"
sleep 1.2
as "$k" POST "/api/app-connections/$id4/test"
expect_json .status success "a second refresh"
check "... presents the refresh token kept from before (the refresh answered none)" \
    test "$(grep -c 'refresh_token=rt-chain' "$TMP/fake.log")" = 2

id2=$(connect revoked short-revoked)
sleep 1.2
as "$k" POST "/api/app-connections/$id2/test"
expect_json .status error "a revoked refresh token"
check "... makes the connection ERROR with invalid_grant" \
    test "$(psql_q "SELECT status || '|' || left(status_reason, 13) FROM apconn.app_connection WHERE id = '$id2'")" = "ERROR|invalid_grant"
n=$(refreshes)
as "$k" POST "/api/app-connections/$id2/test"
check "... and no further attempt is made" test "$(refreshes)" = "$n"

id3=$(connect stale short-norefresh)
sleep 1.2
as "$k" POST "/api/app-connections/$id3/test"
expect_json .status error "an expired token with no refresh token"
check "... is ERROR, saying why" \
    test "$(psql_q "SELECT status FROM apconn.app_connection WHERE id = '$id3'")" = ERROR
expect_json .message "The access token has expired and cannot be refreshed; reconnect" "... in the answer"

as "$k" POST /api/app-connections '{"externalId":"cc","displayName":"CC","pieceName":"acme","type":"OAUTH2","value":{"type":"OAUTH2","grant_type":"client_credentials","client_id":"c","client_secret":"s","scope":"short"}}'
expect_status 201 "client_credentials: the grant runs without a browser"
cc=$(jq -r .id "$TMP/body")
check "... once" test "$(grep -c 'grant_type=client_credentials' "$TMP/fake.log")" = 1
sleep 1.2
as "$k" POST "/api/app-connections/$cc/test"
expect_json .status success "a due client_credentials token"
check "... is renewed by running the grant again" test "$(grep -c 'grant_type=client_credentials' "$TMP/fake.log")" = 2
check "no token in any log" sh -c "! grep -q -e 'at-refreshed' -e 'rt-1' -e 'rt-revoked' '$TMP/app.log' '$TMP/nginx-access.log'"

done_testing
