#!/bin/sh
# An OAuth2 connection over many refreshes, read back the way the executor
# reads it: tokens that rotate at every refresh (a refresh token works
# once) and expire in two seconds, refreshed five times by use and five
# times by the sweep, for a client-held code, a server-held code and the
# client credentials grant; a provider that fails (503, a dropped
# connection) while the stored token is still valid and after it expired;
# recovery once it answers again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
export APCONN_PUBLIC_URL=https://api.example.test APCONN_APP_URL='https://app.example.test/connections'
F="http://127.0.0.1:$FAKE_PORT"
piece() {	# piece NAME TTL
	psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
	    ('$1', '$1', '1.0.0', '$1', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/lifecycle/token?ttl=$2\",\"scope\":[],
	      \"props\":{\"tenant\":{\"type\":\"SHORT_TEXT\",\"displayName\":\"Tenant\",\"required\":false}}}')" >/dev/null
}
piece lc 2
piece lcsrv 2
piece lcslow 10
app_start 2 --outbound-workers 2
nginx_start

u=$(new_user lena@example.com)
k=$(new_key "$u" connections:read,connections:write,workflows:read,workflows:write)
svc=$(new_user executor@example.com)
kx=$(new_key "$svc" executor)

# Three connections, one per way of getting the first token.
as "$k" POST /api/app-connections '{"externalId":"use","displayName":"use","pieceName":"lc","type":"OAUTH2","value":{"type":"OAUTH2","code":"lc-code","client_id":"cid-lcuse","client_secret":"cs-lcuse","redirect_url":"https://x/cb","scope":"read write","props":{"tenant":"t1"}}}'
expect_status 201 "a client-held code is exchanged"
id_use=$(jq -r .id "$TMP/body")
as "$k" POST /api/app-connections '{"externalId":"cc","displayName":"cc","pieceName":"lc","type":"OAUTH2","value":{"type":"OAUTH2","grant_type":"client_credentials","client_id":"cid-lccc","client_secret":"cs-lccc"}}'
expect_status 201 "the client credentials grant runs"
id_cc=$(jq -r .id "$TMP/body")
printf 'cs-lcsrv\n' | admin oauth-app set lcsrv --client-id cid-lcsrv >/dev/null
as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"lcsrv","externalId":"srv","props":{"tenant":"t2"}}'
state=$(jq -r .state "$TMP/body")
http GET "/api/app-connections/oauth2/callback?code=lc-code&state=$state"
check "a server-held code is exchanged at the callback" \
    test "$(header Location)" = "https://app.example.test/connections?connection=srv"
id_srv=$(psql_q "SELECT id FROM apconn.app_connection WHERE external_id = 'srv'")

as "$k" POST /api/workflows/create '{"name":"Uses","nodes":[
  {"id":"n1","data":{"label":"a","config":{"actionType":"lc/do","auth":"{{connections[\u0027use\u0027]}}"}}},
  {"id":"n2","data":{"label":"b","config":{"actionType":"lc/do","auth":"{{connections[\u0027cc\u0027]}}"}}},
  {"id":"n3","data":{"label":"c","config":{"actionType":"lcsrv/do","auth":"{{connections[\u0027srv\u0027]}}"}}},
  {"id":"n4","data":{"label":"d","config":{"actionType":"lcslow/do","auth":"{{connections[\u0027slow\u0027]}}"}}}],"edges":[]}'
wf=$(jq -r .id "$TMP/body")

resolve() {	# resolve EXTERNAL_ID: as the executor; the token in $TOKEN
	as "$kx" GET "/api/workflows/$wf/connections/$1?executionId=ex-$1"
	TOKEN=$(jq -r '.value.access_token // empty' "$TMP/body")
}
live() {	# live TOKEN: the provider accepts it now
	test "$(curl -s "$F/lifecycle/check?token=$1" | jq -r .live)" = true
}
grants() {	# grants CLIENT GRANT: token calls the provider saw
	grep '"/lifecycle/token' "$TMP/fake.log" | grep "client_id=cid-$1" |
	    grep -c "grant_type=$2"
}
srv_grants() {	# the server-held client authenticates the same way
	grants lcsrv "$1"
}

# Five uses, each after the token is due: each refreshes once, and the
# next one works with what the last one stored (a refresh token the
# provider already rotated away would be refused); every field the
# executor reads comes back as it was stored.
fields() {	# the fields of the last answer that no refresh may change
	jq -r '.value | [.type, .client_id, .redirect_url // "-", .scope // "-", .props.tenant // "-", .grant_type, .token_type] | join("|")' "$TMP/body"
}
want_use="OAUTH2|cid-lcuse|https://x/cb|read write|t1|authorization_code|Bearer"
want_srv="OAUTH2|cid-lcsrv|https://api.example.test/api/app-connections/oauth2/callback|-|t2|authorization_code|Bearer"
want_cc="OAUTH2|cid-lccc|-|-|-|client_credentials|Bearer"
for ext in use cc srv; do
	eval "last_$ext=''"
	eval "bad_$ext=''"
done
i=1
while [ $i -le 5 ]; do
	sleep 1.1
	for ext in use cc srv; do
		resolve "$ext"
		eval "prev=\$last_$ext"
		eval "want=\$want_$ext"
		if [ "$STATUS" != 200 ] || [ -z "$TOKEN" ] || [ "$TOKEN" = "$prev" ] || ! live "$TOKEN" ||
		    [ "$(fields)" != "$want" ]; then
			eval "bad_$ext=\"\$bad_$ext use $i: $STATUS $(fields | tr -d "'\"$") $(head -c 120 "$TMP/body" | tr -d "'\"$")\""
		fi
		eval "last_$ext=\$TOKEN"
	done
	i=$((i + 1))
done
check "client-held: 5 uses, each with a new live token and every field intact${bad_use}" test -z "$bad_use"
check "server-held: 5 uses, each with a new live token and every field intact${bad_srv}" test -z "$bad_srv"
check "client credentials: 5 uses, each with a new live token and every field intact${bad_cc}" test -z "$bad_cc"
check "... by exactly one refresh each (client-held)" test "$(grants lcuse refresh_token)" = 5
check "... (server-held)" test "$(srv_grants refresh_token)" = 5
check "... (client credentials: the grant again)" test "$(grants lccc client_credentials)" = 6
check "the refreshes presented the rotated refresh tokens, each once" \
    test "$(grep '"/lifecycle/token' "$TMP/fake.log" | grep -o 'refresh_token=rt-lcuse-[0-9]*' | sort | uniq -d | wc -l)" = 0
check "every use was audited as a refresh" \
    test "$(psql_q "SELECT count(*) FROM apconn.credential_access_log WHERE outcome = 'refreshed'")" = 15
check "all three stay ACTIVE without a reason" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE status = 'ACTIVE' AND status_reason IS NULL AND id IN ('$id_use', '$id_cc', '$id_srv')")" = 3
as "$k" GET "/api/app-connections/$id_use"
expect_json '.value | has("access_token") or has("refresh_token") or has("client_secret")' false \
    "the owner reads it back without secrets"

# A provider that fails.  The slow piece's tokens live 10 s (due after
# 5), counted from t0, just after the token was obtained: the two uses
# while it is due but valid have nearly 4 s, which a machine busy with
# other work still leaves them.
# sleep_until T0 S: sleeps until S seconds after T0 (date +%s.%N).
sleep_until() {
	sleep "$(awk -v t="$1" -v s="$2" -v n="$(date +%s.%N)" \
	    'BEGIN { d = t + s - n; printf "%.2f", (d > 0 ? d : 0) }')"
}
as "$k" POST /api/app-connections '{"externalId":"slow","displayName":"slow","pieceName":"lcslow","type":"OAUTH2","value":{"type":"OAUTH2","code":"lc-code","client_id":"cid-lcslow","client_secret":"cs-lcslow","redirect_url":"https://x/cb"}}'
id_slow=$(jq -r .id "$TMP/body")
t0=$(date +%s.%N)
resolve slow
first=$TOKEN
sleep_until "$t0" 5.2
curl -s "$F/lifecycle/mode?set=503" >/dev/null
resolve slow
expect_status 200 "a due token whose refresh fails (503) is handed out while still valid"
check "... the stored one" test "$TOKEN" = "$first"
check "... and it is live" live "$TOKEN"
check "the audit says granted, with why the refresh failed" \
    test "$(psql_q "SELECT outcome || '|' || fallback_attempted || '|' || left(fallback_reason, 15) FROM apconn.credential_access_log WHERE connection_id = '$id_slow' ORDER BY accessed_at DESC LIMIT 1")" = "granted|true|refresh_failed:"
check "the connection stays ACTIVE, its reason recorded" \
    test "$(psql_q "SELECT status || '|' || left(status_reason, 15) FROM apconn.app_connection WHERE id = '$id_slow'")" = "ACTIVE|refresh failed:"
as "$k" GET "/api/app-connections/$id_slow"
expect_json '.statusReason | startswith("refresh failed: ")' true "... which its owner sees"
curl -s "$F/lifecycle/mode?set=hangup" >/dev/null
resolve slow
expect_status 200 "a provider that drops the connection: the same"
check "... the stored token" test "$TOKEN" = "$first"
sleep_until "$t0" 10.2
resolve slow
expect_error 503 refresh_failed "once the stored token has expired, the executor is told to retry"
check "... after Retry-After seconds" test "$(header Retry-After)" = 30
check "... and the audit says refresh_failed" \
    test "$(psql_q "SELECT outcome FROM apconn.credential_access_log WHERE connection_id = '$id_slow' ORDER BY accessed_at DESC LIMIT 1")" = refresh_failed
check "... the connection is still ACTIVE (nothing was revoked)" \
    test "$(psql_q "SELECT status FROM apconn.app_connection WHERE id = '$id_slow'")" = ACTIVE
curl -s "$F/lifecycle/mode?set=ok" >/dev/null
resolve slow
expect_status 200 "when the provider answers again, the next use refreshes"
check "... to a new live token" sh -c "test '$TOKEN' != '$first' && test -n '$TOKEN'"
check "... which is live" live "$TOKEN"
check "... and the reason is cleared" \
    test "$(psql_q "SELECT status || '|' || coalesce(status_reason, '-') || '|' || refresh_failures FROM apconn.app_connection WHERE id = '$id_slow'")" = "ACTIVE|-|0"
check "no reason, answer or audit row carries a token" \
    test "$(psql_q "SELECT count(*) FROM apconn.credential_access_log WHERE row_to_json(credential_access_log)::text ~ '(at|rt)-lc|cs-lc'") $(psql_q "SELECT count(*) FROM apconn.app_connection WHERE status_reason ~ '(at|rt)-lc|cs-lc'")" = "0 0"

# The sweep: five more refreshes of each without anyone using them.
kill "$APP_PID"
wait "$APP_PID" 2>/dev/null
use0=$(grants lcuse refresh_token) srv0=$(srv_grants refresh_token) cc0=$(grants lccc client_credentials)
APCONN_REFRESH_INTERVAL=1 app_start 2 --outbound-workers 2
n=0
while [ $n -lt 300 ]; do
	[ $(( $(grants lcuse refresh_token) - use0 )) -ge 5 ] &&
	    [ $(( $(srv_grants refresh_token) - srv0 )) -ge 5 ] &&
	    [ $(( $(grants lccc client_credentials) - cc0 )) -ge 5 ] && break
	sleep 0.1
	n=$((n + 1))
done
check "the sweep refreshed each five times unused (client-held $(( $(grants lcuse refresh_token) - use0 )), server-held $(( $(srv_grants refresh_token) - srv0 )), client credentials $(( $(grants lccc client_credentials) - cc0 )))" \
    test $n -lt 300
sweepfail=""
for ext in use cc srv; do
	resolve "$ext"
	eval "want=\$want_$ext"
	if [ "$STATUS" != 200 ] || ! live "$TOKEN" || [ "$(fields)" != "$want" ]; then
		sweepfail="$sweepfail $ext:$STATUS"
	fi
done
check "... and each still resolves to a live token, every field intact$sweepfail" test -z "$sweepfail"
check "the sweeps logged their summaries" \
    sh -c "grep 'refresh sweep: ' '$TMP/app.log' | grep -q '[1-9][0-9]* refreshed'"
check "... and recorded them" \
    test "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE job = 'oauth2_refresh' AND ok AND summary LIKE '%refreshed%'")" -ge 5

done_testing
