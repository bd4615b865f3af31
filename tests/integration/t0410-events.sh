#!/bin/sh
# Connection events: every kind is recorded by the action itself and
# delivered to a webhook receiver, signed (the receiver and openssl both
# verify), in order per connection; a receiver that answers 500 gets the
# event once it recovers; one that is down across a restart of apconn
# still gets everything, in order, and so does one down while its master
# stops and another host's takes over; a delivery given up is kept as failed
# and replayed by apconn-admin; callers may poll GET /api/events; a
# forced refresh answers the new status; no event or log line holds a
# secret.
APCONN_EVENT_DELIVERY=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
fake_start
HOOK_SECRET=whsec-0123456789abcdef
hook_start() {	# hook_start [PORT]
	rm -f "$TMP/hook.port"
	node "$top_srcdir/tests/fakes/webhook.js" --port-file "$TMP/hook.port" \
	    --secret "$HOOK_SECRET" --port "${1:-0}" --max-seconds 300 \
	    >>"$TMP/hook.log" 2>&1 &
	HOOK_PID=$!
	PIDS="$PIDS $HOOK_PID"
	n=0
	while [ ! -s "$TMP/hook.port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	HOOK_PORT=$(cat "$TMP/hook.port")
}
hook_start
H="http://127.0.0.1:$HOOK_PORT"
F="http://127.0.0.1:$FAKE_PORT"
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT,127.0.0.1:$HOOK_PORT"
export APCONN_EVENT_RETRY_MAX=1
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '1.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/lifecycle/token\",\"scope\":[]}'),
    ('o2', 'bolt', '1.0.0', 'Bolt', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[]}')" >/dev/null

ep=$(printf '%s\n' "$HOOK_SECRET" | admin events endpoints add "$H/a")
check "an endpoint is added with its secret on standard input" test -n "$ep"
check "... and its secret is sealed, not stored in the clear" \
    test "$(psql_q "SELECT count(*) FROM apconn.webhook_endpoint WHERE secret::text LIKE '%whsec%'")" = 0
printf 'short\n' | admin events endpoints add "$H/x" >/dev/null 2>&1
check "a short secret is refused" test $? = 1
ep_c=$(printf '%s\n' "$HOOK_SECRET" | admin events endpoints add "$H/c" --types connection.deleted)
check "an endpoint for one type" test -n "$ep_c"

app_start 2 --outbound-workers 2
nginx_start
u=$(new_user ed@example.com)
k=$(new_key "$u" connections:read,connections:write,workflows:read,workflows:write)
u2=$(new_user other@example.com)
k2=$(new_key "$u2" connections:read,connections:write)
kx=$(new_key "$u2" executor)
ka=$(new_key "$u2" admin)

# Every kind of change, by the real action.
as "$k" POST /api/app-connections '{"externalId":"oa","displayName":"OpenAI","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-typed-secret-1"}}'
expect_status 201 "a connection is created"
s1=$(jq -r .id "$TMP/body")
as "$k" POST "/api/app-connections/$s1" '{"displayName":"OpenAI","config":{"secret_text":"sk-typed-secret-2"}}'
expect_status 200 "its credentials are updated"
as "$k" POST /api/app-connections '{"externalId":"acme","displayName":"Acme","pieceName":"acme","type":"OAUTH2","value":{"type":"OAUTH2","code":"lc-code","client_id":"cid-lcev","client_secret":"cs-lcev","redirect_url":"https://x/cb"}}'
expect_status 201 "an OAuth2 connection is made"
o1=$(jq -r .id "$TMP/body")
sleep 1.1
as "$k" POST "/api/app-connections/$o1/refresh"
expect_status 200 "a forced refresh"
expect_json '.status + "|" + (.statusReason // "none")' "ACTIVE|none" "... answers the connection, ACTIVE"
check "... and called the token endpoint" test "$(grep -c 'grant_type=refresh_token' "$TMP/fake.log")" = 1
curl -s "$F/lifecycle/mode?set=503" >/dev/null
sleep 1.1
as "$k" POST "/api/app-connections/$o1/refresh"
expect_status 200 "a forced refresh the provider fails"
expect_json '.status + "|" + (.statusReason | startswith("refresh failed") | tostring)' "ACTIVE|true" "... answers ACTIVE with the reason"
curl -s "$F/lifecycle/mode?set=ok" >/dev/null
as "$k" POST /api/app-connections '{"externalId":"bolt","displayName":"Bolt","pieceName":"bolt","type":"OAUTH2","value":{"type":"OAUTH2","code":"short-revoked","client_id":"c","client_secret":"s","redirect_url":"https://x/cb"}}'
b1=$(jq -r .id "$TMP/body")
sleep 1.1
as "$k" POST "/api/app-connections/$b1/refresh"
expect_status 200 "a forced refresh the provider refuses (invalid_grant)"
expect_json '.status' ERROR "... answers ERROR"
as "$k" POST "/api/app-connections/$s1/refresh"
expect_error 409 not_oauth2 "a forced refresh of a SECRET_TEXT connection"
as "$k" POST "/api/app-connections/nosuchconnectionxxxxx/refresh"
expect_error 404 not_found "a forced refresh of an unknown connection"
as "$k2" POST "/api/app-connections/$o1/refresh"
expect_error 404 not_found "... or of another user's"
node='{"id":"n1","type":"action","data":{"label":"x","type":"action","config":{"actionType":"openai/ask","auth":"{{connections['"'"'oa'"'"']}}"}}}'
node2='{"id":"n2","type":"action","data":{"label":"y","type":"action","config":{"actionType":"openai/ask","auth":"{{connections['"'"'ghost'"'"']}}"}}}'
as "$k" POST /api/workflows/create "{\"name\":\"W\",\"nodes\":[$node,$node2],\"edges\":[]}"
wf=$(jq -r .id "$TMP/body")
as "$k" PATCH "/api/workflows/$wf" "{\"name\":\"W2\",\"nodes\":[$node,$node2],\"edges\":[]}"
check "a reference to a missing connection is one event, however often saved" \
    test "$(psql_q "SELECT count(*) FROM apconn.connection_event WHERE type = 'workflow.reference_missing'")" = 1
as "$k" DELETE "/api/app-connections/$s1"
expect_status 200 "a referenced connection is deleted"

total=$(psql_q "SELECT count(*) FROM apconn.connection_event")
# wait_delivered N PATH: until the receiver answered 200 to N deliveries to PATH (30 s)
wait_delivered() {
	n=0
	while [ "$(grep -c "\"path\":\"$2\",\"status\":200" "$TMP/hook.log")" -lt "$1" ] && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$(grep -c "\"path\":\"$2\",\"status\":200" "$TMP/hook.log")" -ge "$1" ]
}
check "all $total events reach the receiver" wait_delivered "$total" /a
ok200() { grep "\"path\":\"$1\",\"status\":200" "$TMP/hook.log"; }
for t in connection.created connection.credentials_updated connection.oauth2_connected \
    connection.refreshed connection.refresh_failed connection.status_changed \
    connection.deleted workflow.reference_missing; do
	check "a $t event was delivered" sh -c "grep '\"path\":\"/a\",\"status\":200' '$TMP/hook.log' | jq -r .body | jq -r .type | grep -qx '$t'"
done
check "every delivery's signature verifies" test "$(grep -c '"verified":false' "$TMP/hook.log")" = 0
ok200 /a | head -n 1 >"$TMP/one.json"
sig=$(jq -r '.headers["apconn-signature"]' "$TMP/one.json")
ts=${sig#t=}; ts=${ts%%,*}
want=$(jq -j .body "$TMP/one.json" | { printf '%s.' "$ts"; cat; } | openssl dgst -sha256 -hmac "$HOOK_SECRET" | sed 's/^.*= //')
check "... and verifies with openssl as the README shows" test "v1=$want" = "${sig#*,}"
check "the refresh failure carries its reason" sh -c "ok200() { grep '\"path\":\"/a\",\"status\":200' '$TMP/hook.log'; }; ok200 | jq -r .body | jq -r 'select(.type == \"connection.refresh_failed\") | .reason' | grep -q 'refresh failed'"
check "... and invalid_grant its own" sh -c "grep '\"path\":\"/a\",\"status\":200' '$TMP/hook.log' | jq -r .body | jq -r 'select(.type == \"connection.refresh_failed\") | .reason' | grep -q '^invalid_grant'"
check "the status change says ERROR and what it was" sh -c "grep '\"path\":\"/a\",\"status\":200' '$TMP/hook.log' | jq -r .body | jq -c 'select(.type == \"connection.status_changed\") | [.status, .detail.previousStatus]' | grep -qx '\[\"ERROR\",\"ACTIVE\"\]'"
check "the deletion names the workflow it detached" sh -c "grep '\"path\":\"/a\",\"status\":200' '$TMP/hook.log' | jq -r .body | jq -r 'select(.type == \"connection.deleted\") | .detail.detachedWorkflows[0]' | grep -qx '$wf'"
check "the endpoint for deletions got only that" sh -c "wait_delivered() { :; }; test \"\$(grep '\"path\":\"/c\"' '$TMP/hook.log' | jq -r .body | jq -r .type | sort -u)\" = connection.deleted"
inorder() {	# each connection's events arrive in id order
	grep "\"path\":\"$1\",\"status\":200" "$TMP/hook.log" | jq -r .body | jq -r '[.connectionId // .externalId, .id] | @tsv' >"$TMP/order"
	for c in $(cut -f1 "$TMP/order" | sort -u); do
		awk -v c="$c" '$1 == c { print $2 }' "$TMP/order" >"$TMP/o1"
		sort -n "$TMP/o1" | cmp -s - "$TMP/o1" || return 1
	done
}
check "each connection's events arrive in order" inorder /a

# Polling.
as "$k" GET /api/events
expect_status 200 "GET /api/events"
mine=$(jq '.data | length' "$TMP/body")
check "... answers the caller's own events" test "$mine" = "$total"
next=$(jq -r .next "$TMP/body")
as "$k" GET "/api/events?after=$next"
expect_json '(.data | length | tostring) + "|" + .next' "0|$next" "... and nothing after the last, with the same cursor"
as "$k" GET "/api/events?limit=2"
expect_json '.data | length' 2 "limit pages"
n2=$(jq -r .next "$TMP/body")
as "$k" GET "/api/events?after=$n2&limit=1000"
expect_json '.data | length' $((total - 2)) "... and the cursor goes on from there"
as "$k2" GET /api/events
expect_json '.data | length' 0 "another user sees none of them"
as "$kx" GET /api/events
expect_json '.data | length' "$total" "an executor key sees everyone's"
as "$k" GET "/api/events?after=-1"
expect_error 400 invalid_request "a malformed cursor"
as "$ka" GET /api/events
expect_error 403 insufficient_scope "an admin key without connections:read"

# A receiver that answers 500 twice, then 200.
curl -s "$H/fail?n=2" >/dev/null
before=$(ok200 /a | wc -l)
as "$k" POST /api/app-connections '{"externalId":"flaky","displayName":"Flaky","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-typed-secret-3"}}'
check "after two 500s the event is delivered" wait_delivered $((before + 1)) /a
ev=$(ok200 /a | tail -n 1 | jq -r '.headers["apconn-event-id"]')
check "... on the third attempt" test "$(ok200 /a | tail -n 1 | jq -r '.headers["apconn-delivery-attempt"]')" = 3
check "... once" test "$(ok200 /a | jq -r '.headers["apconn-event-id"]' | grep -cx "$ev")" = 1
check "... recorded as delivered after 3 attempts" \
    test "$(psql_q "SELECT state || attempts FROM apconn.event_delivery WHERE event_id = $ev AND endpoint_id = '$ep'")" = delivered3

# A receiver down across a restart of apconn.
kill "$HOOK_PID"
wait "$HOOK_PID" 2>/dev/null
before=$(ok200 /a | wc -l)
as "$k" POST /api/app-connections '{"externalId":"down","displayName":"Down","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-typed-secret-4"}}'
d1=$(jq -r .id "$TMP/body")
as "$k" POST "/api/app-connections/$d1" '{"displayName":"Down","config":{"secret_text":"sk-typed-secret-5"}}'
as "$k" DELETE "/api/app-connections/$d1"
sleep 2
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null
app_start 2 --outbound-workers 2
hook_start "$HOOK_PORT"
check "a receiver down across a restart gets the 3 events" wait_delivered $((before + 3)) /a
check "... in order" test "$(ok200 /a | tail -n 3 | jq -r .body | jq -r .type | tr '\n' ' ')" = "connection.created connection.credentials_updated connection.deleted "

# A master on another host takes over: host-b runs beside this one; this
# one stops while the receiver is down; host-b's job process delivers.
APCONN_HOST_NAME=host-b "$FCGI" --listen "unix:$TMP/b.sock" --workers 1 \
    --outbound-listen "unix:$TMP/b-out.sock" --outbound-workers 1 \
    >>"$TMP/app-b.log" 2>&1 &
B_PID=$!
PIDS="$PIDS $B_PID"
wait_for_socket "$TMP/b.sock"
kill "$HOOK_PID"
wait "$HOOK_PID" 2>/dev/null
before=$(ok200 /a | wc -l)
as "$k" POST /api/app-connections '{"externalId":"moved","displayName":"Moved","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-typed-secret-6"}}'
as "$k" POST "/api/app-connections/$(jq -r .id "$TMP/body")" '{"config":{"secret_text":"sk-typed-secret-7"}}'
sleep 2
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null
hook_start "$HOOK_PORT"
check "with its master stopped, another host's delivers the 2 events" wait_delivered $((before + 2)) /a
check "... in order" test "$(ok200 /a | tail -n 2 | jq -r .body | jq -r .type | tr '\n' ' ')" = "connection.created connection.credentials_updated "
check "... host-b's job process delivered them" grep -Eq 'events: [0-9]+ published, [1-9][0-9]* delivered' "$TMP/app-b.log"
kill "$B_PID"
wait "$B_PID" 2>/dev/null
app_start 2 --outbound-workers 2

# Given up after APCONN_EVENT_RETRY_FOR, kept as failed, replayed.
n=0
while [ "$(psql_q "SELECT count(*) FROM apconn.event_delivery WHERE state = 'pending'")" != 0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
curl -s "$H/status?path=/c&code=503" >/dev/null
as "$k" DELETE "/api/app-connections/$o1"
sleep 2
psql_q "UPDATE apconn.event_delivery SET created_at = now() - interval '2 days', next_at = now() WHERE endpoint_id = '$ep_c' AND state = 'pending'" >/dev/null
n=0
while [ "$(psql_q "SELECT count(*) FROM apconn.event_delivery WHERE endpoint_id = '$ep_c' AND state = 'failed'")" = 0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
check "a delivery retried for longer than allowed is kept as failed" \
    test "$(psql_q "SELECT count(*) FROM apconn.event_delivery WHERE endpoint_id = '$ep_c' AND state = 'failed'")" = 1
admin events list --state failed >"$TMP/failed.out"
check "events list --state failed shows it" grep -q "connection.deleted.*$ep_c:failed" "$TMP/failed.out"
curl -s "$H/status?path=/c&code=200" >/dev/null
admin events replay --failed >"$TMP/replay.out"
check "events replay --failed queues it again" grep -q '^1 delivery queued' "$TMP/replay.out"
n=0
while [ "$(psql_q "SELECT count(*) FROM apconn.event_delivery WHERE endpoint_id = '$ep_c' AND state = 'delivered'")" != 3 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
check "... and it is delivered" test "$(psql_q "SELECT count(*) FROM apconn.event_delivery WHERE endpoint_id = '$ep_c' AND state = 'delivered'")" = 3
admin events endpoints >"$TMP/endpoints.out"
check "events endpoints lists both with their counts" sh -c "grep -q '^$ep	$H/a	\*	enabled	0	' '$TMP/endpoints.out' && grep -q '^$ep_c	$H/c	connection.deleted	enabled	0	3	0' '$TMP/endpoints.out'"

# Metrics.
as "$ka" GET /api/metrics
check "metrics count deliveries by outcome" sh -c "grep -Eq '^apconn_event_deliveries_total\{outcome=\"delivered\"\} [1-9]' '$TMP/body' && grep -Eq '^apconn_event_deliveries_total\{outcome=\"retry\"\} [1-9]' '$TMP/body' && grep -Eq '^apconn_event_deliveries_total\{outcome=\"failed\"\} 1$' '$TMP/body'"
check "... and show the oldest pending event's age" grep -Eq '^apconn_event_oldest_pending_seconds [0-9]+$' "$TMP/body"

# No secret in any event or log line.
check "no typed secret, token or signing secret in what the receiver got" \
    sh -c "! grep -Eq 'sk-typed|whsec|cs-lcev|at-lcev|rt-lcev|rt-revoked' '$TMP/hook.log'"
check "... nor in apconn's log" sh -c "! grep -Eq 'sk-typed|whsec|cs-lcev' '$TMP/app.log'"
check "... nor in the events table" \
    test "$(psql_q "SELECT count(*) FROM apconn.connection_event e WHERE apconn.event_json(e)::text ~ '(sk-typed|whsec|lcev|rt-)'")" = 0

done_testing
