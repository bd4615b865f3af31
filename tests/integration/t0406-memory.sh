#!/bin/sh
# What the workers keep in memory and what takes it back (credmemo.c,
# listcache.c, migration 0021): credentials and list pages are answered
# without a query; a revoked, expired or re-scoped credential is refused
# by every worker within 10 ms of the commit (the window is measured and
# printed); a worker that loses its connection or its database asks the
# database instead of trusting memory; a resolution is one statement
# whose audit row is committed before the value leaves; uses of
# credentials are written in batches.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PG_EXTRA_OPTS="-c track_commit_timestamp=on"	# the revocations' commit times
pg_private	# this test stops its own cluster
migrate
seed_pieces
export APCONN_METRICS_ALLOW=127.0.0.1
NGINX_LIMIT_KEY='$http_x_apconn_no_limit'
app_start 4
nginx_start
command -v node >/dev/null || { echo "node is not installed"; exit 1; }
LIST="http://127.0.0.1:$HTTP_PORT/api/app-connections?limit=5"

u=$(new_user ada@example.com)
key=$(new_key "$u" connections:read,connections:write)
as "$key" POST /api/app-connections '{"externalId":"one","displayName":"One","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-one"}}'
expect_status 201 "a connection"

# stmts [POOL]: the statements this test's workers ran, in every pool
# or in POOL (main, outbound: resolutions).  Keeps $TMP/body.
stmts() {
	cp "$TMP/body" "$TMP/body.kept"
	REMOTE_ADDR=127.0.0.1 fcgi GET /api/metrics
	awk -v g="${1:-}" '/^apconn_db_statements_total\{/ && (g == "" || index($1, "\"" g "\"")) { n += $2 }
	    END { print n + 0 }' "$TMP/body"
	mv "$TMP/body.kept" "$TMP/body"
}
# settle: the uses a resolving worker has still to write (at most one
# statement a second, after an answer), written now, so that they do
# not count among the statements of what follows.
settle() {
	sleep 1.1
	as "$x" GET "/api/workflows/$wf/connections/one?executionId=settle" >/dev/null
}
# answered STATUS TOKEN: of 8 lists asked with TOKEN, how many got
# STATUS, in $ANSWERED (not in a subshell: the harness's checks of every
# answer must count).
answered() {
	ANSWERED=0
	for _i in 1 2 3 4 5 6 7 8; do
		as "$2" GET /api/app-connections
		[ "$STATUS" = "$1" ] && ANSWERED=$((ANSWERED + 1))
	done
}
# hammer TOKEN MS [URL]: 4 connections (one per worker) asking for URL
# (the list) for MS
# milliseconds, one "sent-ms status" line per answer in $TMP/hammer.
hammer() {
	node "$top_srcdir/tests/integration/hammer.js" "${3:-$LIST}" "$1" 4 "$2" >"$TMP/hammer"
}
# commit_at SQL WHERE: runs the UPDATE SQL (of apconn.api_keys, rows
# WHERE) and prints its commit's time (ms since the epoch), as the server
# recorded it.
commit_at() {
	psql_q "$1 WHERE $2" >/dev/null
	psql_q "SELECT round(extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000, 3)
	    FROM apconn.api_keys WHERE $2"
}
# window T: from the hammer's answers, after T: the number of 200s sent
# more than 10 ms after T, how long after T the last 200 and the first
# refusal were sent, and the answers before T.
window() {
	awk -v t="$1" '
	    $1 < t { before[$2]++; next }
	    $2 == 200 { if ($1 - t > last) last = $1 - t; if ($1 - t > 10) late++ }
	    $2 != 200 && (first == "" || $1 - t < first) { first = $1 - t }
	    END { printf "%d %.3f %.3f %d\n", late, last, first == "" ? -1 : first, before[200] }' "$TMP/hammer"
}

# Warm every worker, then: no query at all for a repeated page.
hammer "$key" 500
s0=$(stmts)
for i in $(seq 1 40); do as "$key" GET "/api/app-connections?limit=5" >/dev/null; done
expect_json '.data[0].externalId' one "a page every worker has kept"
check "... 40 times: 0 statements" test "$(($(stmts) - s0))" = 0

# measure KIND SQL-SET: a new key hammered by 4 connections (one per
# worker) while SQL-SET ("revoked_at = now()", ...) is committed on it;
# sets LATE (200s sent more than 10 ms after the commit), BEFORE (200s
# before it) and KEY, and prints the window.  A machine busy with other
# work can keep a listening backend from running for longer than the
# window itself, so a late measurement is taken again, up to three times
# (each printed); a worker that does not hear the change is late in every
# one, by seconds.
measure() {
	for _try in 1 2 3; do
		KEY=$(new_key "$u" connections:read,connections:write)
		hammer "$KEY" 2500 &
		_hp=$!
		sleep 1.2
		_t=$(commit_at "UPDATE apconn.api_keys SET $2" "id = '$(echo "$KEY" | cut -d_ -f2)'")
		wait $_hp
		set -- "$1" "$2" $(window "$_t")
		echo "# $1 (try $_try): last 200 sent $4 ms after the commit, first refusal $5 ms after; $6 answered 200 before it; $3 late"
		LATE=$3 BEFORE=$6
		[ "$LATE" = 0 ] && break
	done
}

# Revocation while 4 connections list: every worker refuses within 10 ms.
measure revocation "revoked_at = now()"
check "no worker answered 200 more than 10 ms after the revocation's commit ($LATE did)" test "$LATE" = 0
check "... the key was refused after it" test "$(awk -v t="$_t" '$1 > t + 10 && $2 == 401' "$TMP/hammer" | wc -l)" -gt 10
check "... and answered from memory before it ($BEFORE answers)" test "$BEFORE" -gt 50
as "$KEY" GET /api/app-connections
expect_error 401 token_revoked "the revoked key"

# An expiry moved by hand is heard the same way.
measure "expiry moved" "expires_at = now()"
check "an expiry set to now is refused within 10 ms of its commit ($LATE late)" test "$LATE" = 0
as "$KEY" GET /api/app-connections
expect_error 401 token_expired "the expired key"

# A key that runs out by itself is refused from memory, no notification.
k3=$(new_key "$u" connections:read)
psql_q "UPDATE apconn.api_keys SET expires_at = now() + interval '1500 milliseconds'
    WHERE id = '$(echo "$k3" | cut -d_ -f2)'" >/dev/null
sleep 0.2
t=$(psql_q "SELECT round(extract(epoch FROM expires_at) * 1000, 3) FROM apconn.api_keys
    WHERE id = '$(echo "$k3" | cut -d_ -f2)'")
hammer "$k3" 2500
set -- $(window "$t")
echo "# expiry by time: last 200 sent $2 ms after expires_at, first refusal $3 ms after; $4 answered 200 before"
check "a key past its expiry is refused at once by every worker ($1 late)" test "$1" = 0
check "... and was answered before" test "$4" -gt 50

# Scopes taken away: the next request is refused for the scope.
k4=$(new_key "$u" connections:read)
hammer "$k4" 300
psql_q "UPDATE apconn.api_keys SET scopes = '{workflows:read}' WHERE id = '$(echo "$k4" | cut -d_ -f2)'" >/dev/null
sleep 0.05
answered 403 "$k4"
check "a key without its scope any more is refused by every worker (8 of 8)" test "$ANSWERED" = 8

# A change to the owner's connections is in the next list, on any worker.
k5=$(new_key "$u" connections:read,connections:write)
hammer "$k5" 300
misses=0
for n in $(seq 1 12); do
	psql_q "UPDATE apconn.app_connection SET display_name = 'Name $n' WHERE owner_id = '$u' AND external_id = 'one'" >/dev/null
	as "$k5" GET "/api/app-connections?limit=5"
	[ "$(jq -r '.data[0].displayName' "$TMP/body")" = "Name $n" ] || misses=$((misses + 1))
done
check "12 changes by hand, each in the next list ($misses not)" test "$misses" = 0

# The connection that carries the notifications is lost: the workers
# neither trust what they kept nor fail the request; they reconnect.
hammer "$k5" 300
psql_q "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'apconn'" >/dev/null
psql_q "UPDATE apconn.api_keys SET revoked_at = now() WHERE id = '$(echo "$k5" | cut -d_ -f2)'" >/dev/null
answered 401 "$k5"
check "a key revoked while the workers' connections were gone is refused (8 of 8)" test "$ANSWERED" = 8

# The database goes away: 503, never an answer from memory; then back.
k6=$(new_key "$u" connections:read)
hammer "$k6" 300
pg_down
answered 503 "$k6"
check "with the database down, a kept key and page get 503 (8 of 8)" test "$ANSWERED" = 8
pg_up
n=0
until as "$k6" GET /api/app-connections && [ "$STATUS" = 200 ] || [ $n -gt 50 ]; do sleep 0.1; n=$((n + 1)); done
expect_status 200 "... and 200 once it is back"

# Resolution: one statement, the audit row committed before the value.
x=$(new_key "$u" executor)
kc0=$(new_key "$u" connections:read,connections:write)
kw=$(new_key "$u" workflows:read,workflows:write)
as "$kw" POST /api/workflows/create '{"name":"W","nodes":[{"id":"n1","data":{"config":{"actionType":"openai/ask","auth":"{{connections['"'"'one'"'"']}}"}}}],"edges":[]}'
wf=$(jq -r .id "$TMP/body")
as "$x" GET "/api/workflows/$wf/connections/one?executionId=warm" >/dev/null
settle
seen=0
s0=$(stmts outbound)
for i in $(seq 1 10); do
	as "$x" GET "/api/workflows/$wf/connections/one?executionId=e$i"
	[ "$STATUS" = 200 ] && [ "$(psql_q "SELECT count(*) FROM apconn.credential_access_log WHERE execution_id = 'e$i' AND outcome = 'granted'")" = 1 ] &&
	    seen=$((seen + 1))
done
s1=$(stmts outbound)
check "10 resolutions, each one's audit row visible to another session when its value arrived" test "$seen" = 10
check "... one statement each ($((s1 - s0)) for 10)" test "$((s1 - s0))" = 10
expect_json .value.secret_text sk-one "... the value"
check "... the key names stored beside the value, audited" test \
    "$(psql_q "SELECT credential_keys FROM apconn.credential_access_log WHERE execution_id = 'e1'")" = '["type", "secret_text"]'
check "... which are not secrets" test \
    "$(psql_q "SELECT value - 'v' - 'kid' - 'iv' - 'ct' - 'tag' FROM apconn.app_connection WHERE owner_id = '$u' AND external_id = 'one'")" = \
    '{"keys": ["type", "secret_text"]}'
# What a worker kept of a resolution is taken back by every change.
as "$kc0" POST /api/app-connections '{"externalId":"one","displayName":"One","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-new"}}'
as "$x" GET "/api/workflows/$wf/connections/one?executionId=new"
expect_json .value.secret_text sk-new "a new value is the next one resolved"
as "$kw" PATCH "/api/workflows/$wf" '{"nodes":[{"id":"n1","data":{"config":{"actionType":"openai/ask"}}}],"edges":[]}'
as "$x" GET "/api/workflows/$wf/connections/one?executionId=unref"
expect_error 404 not_referenced "a reference taken out of the workflow resolves nothing"
as "$kw" PATCH "/api/workflows/$wf" '{"nodes":[{"id":"n1","data":{"config":{"actionType":"openai/ask","auth":"{{connections['"'"'one'"'"']}}"}}}],"edges":[]}'
as "$x" GET "/api/workflows/$wf/connections/one?executionId=back"
expect_json .value.secret_text sk-new "... and again once it is back"
psql_q "UPDATE apconn.app_connection SET status = 'ERROR' WHERE owner_id = '$u' AND external_id = 'one'" >/dev/null
as "$x" GET "/api/workflows/$wf/connections/one?executionId=err"
expect_error 409 connection_expired "a connection in error by hand resolves nothing"
psql_q "UPDATE apconn.app_connection SET status = 'ACTIVE' WHERE owner_id = '$u' AND external_id = 'one'" >/dev/null

psql_q "UPDATE apconn.app_connection SET value = value - 'keys' WHERE owner_id = '$u'" >/dev/null
settle
s0=$(stmts outbound)
as "$x" GET "/api/workflows/$wf/connections/one?executionId=old"
s1=$(stmts outbound)
check "a value stored without its key names resolves in two statements ($((s1 - s0)))" test "$((s1 - s0))" = 2
expect_json .value.secret_text sk-new "... with its value"
check "... and the same audit row" test \
    "$(psql_q "SELECT outcome || ' ' || credential_keys FROM apconn.credential_access_log WHERE execution_id = 'old'")" = 'granted ["type", "secret_text"]'
kc=$(new_key "$u" connections:read,connections:write)
as "$kc" POST /api/app-connections '{"externalId":"one","displayName":"One","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-two"}}'
expect_status 201 "a new value, stored with its key names"
psql_q "UPDATE apconn.app_connection SET value = jsonb_set(value, '{ct}', '\"AAAA\"') WHERE owner_id = '$u'" >/dev/null
as "$x" GET "/api/workflows/$wf/connections/one?executionId=bad"
expect_error 500 value_unreadable "a value that cannot be opened is not handed out"
check "... its rows: granted, decided first, then value_unreadable" test \
    "$(psql_q "SELECT string_agg(outcome, ',' ORDER BY outcome) FROM apconn.credential_access_log WHERE execution_id = 'bad'")" = 'granted,value_unreadable'

# Uses are written in batches: a fresh key's first use shows within a
# second or so; a hundred more uses write nothing.
k7=$(new_key "$u" connections:read)
hammer "$k7" 300
n=0
until [ "$(psql_q "SELECT last_used_at IS NOT NULL FROM apconn.api_keys WHERE id = '$(echo "$k7" | cut -d_ -f2)'")" = t ] || [ $n -gt 30 ]; do
	sleep 0.1
	as "$k7" GET /api/app-connections >/dev/null
	n=$((n + 1))
done
check "a key's use is recorded" test "$n" -le 30
sleep 1.1
hammer "$k7" 300	# what a worker had still to write, written
s0=$(stmts)
hammer "$k7" 500
check "... and $(wc -l <"$TMP/hammer") more uses within the minute write nothing" test "$(($(stmts) - s0))" = 0

done_testing
