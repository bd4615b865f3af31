#!/bin/sh
# Two hosts: two apconn-fcgi masters on their own sockets behind one nginx
# upstream, one PostgreSQL.  Requests reach both; an OAuth2 flow started
# on one host completes on the other; the background jobs run on exactly
# one host at a time (job_runs.host) and move to the other when that one's
# master is killed, or the whole host dies; with either host down, the
# other answers every route of the table (never nginx's 502).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
fake_start --fixtures "$top_srcdir/tests/fixtures/pieces"
export APCONN_OUTBOUND_ALLOW=127.0.0.1
export APCONN_PIECES_URL="http://127.0.0.1:$FAKE_PORT/api/v1"
export APCONN_PUBLIC_URL=https://api.example.test APCONN_APP_URL=https://app.example.test/connections
export APCONN_SYNC_INTERVAL=2 APCONN_REFRESH_INTERVAL=2
F="http://127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '2.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[\"read\"],\"pkce\":true}')" >/dev/null
printf 'app-secret\n' | admin oauth-app set acme --client-id app-client >/dev/null

# host_start a|b: a master with its own sockets under $TMP/a or $TMP/b,
# recording its job runs as host-a or host-b; its pid in PID_a or PID_b.
host_start() {
	mkdir -p "$TMP/$1"
	rm -f "$TMP/$1/app.sock" "$TMP/$1/outbound.sock"
	APCONN_HOST_NAME="host-$1" "$FCGI" --listen "unix:$TMP/$1/app.sock" --workers 2 \
	    --outbound-listen "unix:$TMP/$1/outbound.sock" --outbound-workers 1 \
	    >>"$TMP/host-$1.log" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	wait_for_socket "$TMP/$1/app.sock" || { echo "host $1 did not start"; exit 1; }
}
# runs HOST [JOB] [SINCE]: job runs recorded by host (started after SINCE).
runs() {
	psql_q "SELECT count(*) FROM apconn.job_runs WHERE host = '$1'
	    AND job LIKE '${2:-%}' AND started_at > '${3:-epoch}'"
}
# wait_runs HOST JOB SINCE: up to 15 s for a run of job by host after SINCE.
wait_runs() {
	n=0
	while [ "$(runs "$1" "$2" "$3")" = 0 ] && [ $n -lt 150 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$(runs "$1" "$2" "$3")" != 0 ]
}
# walk ALIVE: every route of the table, each of its methods, through
# nginx with a full key; none may be nginx's own 502, and the live host's
# log must show each request id.
walk() {
	key=$(new_key "$u" connections:read,connections:write,credentials:read,workflows:read,workflows:write,executor,admin)
	: >"$TMP/walk.ids"
	nw=0 bad=""
	while IFS='	' read -r methods pattern flags scopes; do
		path=$(echo "$pattern" | sed -e "s|:id|$cid|" -e 's|:externalId|ext|' -e 's|\*[a-zA-Z]*|slack|')
		for m in $(echo "$methods" | tr ',' ' '); do
			nw=$((nw + 1))
			case $m in
			GET|HEAD|DELETE) http "$m" "$path" "" -H "Authorization: Bearer $key" ;;
			*) http "$m" "$path" '{}' -H "Authorization: Bearer $key" ;;
			esac
			rid=$(header X-Request-Id)
			if [ "$STATUS" = 502 ] || [ "$STATUS" = 000 ] || [ -z "$rid" ]; then
				bad="$bad $m:$pattern:$STATUS"
			fi
			echo "$rid" >>"$TMP/walk.ids"
		done
	done <"$TMP/routes"
	check "with host $1 alone, all $nw route/method pairs answered by apconn, no 502" test -z "$bad"
	[ -z "$bad" ] || echo "# failed:$bad"
	missing=0
	while read -r rid; do
		grep -q " $rid " "$TMP/host-$1.log" || missing=$((missing + 1))
	done <"$TMP/walk.ids"
	check "... each of them served by host $1" test "$missing" = 0
}
"$FCGI" --routes >"$TMP/routes"

host_start a
check "host a takes the jobs" wait_runs host-a piece_sync epoch
host_start b
# A failed server is retried after 2 s (nginx's default is 10 s), as the
# README's multi-host notes advise.
NGINX_MAIN_SERVERS="server unix:$TMP/a/app.sock fail_timeout=2s; server unix:$TMP/b/app.sock fail_timeout=2s;"
NGINX_OUTBOUND_SERVERS="server unix:$TMP/a/outbound.sock fail_timeout=2s; server unix:$TMP/b/outbound.sock fail_timeout=2s;"
nginx_start

u=$(new_user nina@example.com)
k=$(new_key "$u" connections:read,connections:write)
as "$k" POST /api/app-connections '{"externalId":"mine","displayName":"Mine","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
cid=$(jq -r .id "$TMP/body")
for i in 1 2 3 4 5 6 7 8 9 10; do http GET /api/health; done
check "nginx spreads requests over host a" grep -q 'GET /api/health 200' "$TMP/host-a.log"
check "... and host b" grep -q 'GET /api/health 200' "$TMP/host-b.log"

# With both up, only the leader runs jobs.
both=$(psql_q "SELECT now()")
wait_runs host-a piece_sync "$both"
wait_runs host-a oauth2_refresh "$both"
sleep 2.5
check "both jobs ran again on host a" test "$(runs host-a % "$both")" -ge 3
check "... and none on host b" test "$(runs host-b)" = 0
check "no two runs of a job ever overlapped" test "$(psql_q "SELECT count(*) FROM apconn.job_runs a
    JOIN apconn.job_runs b ON a.job = b.job AND a.id < b.id
    AND a.started_at < b.finished_at AND b.started_at < a.finished_at")" = 0

# An OAuth2 flow starts on host a (straight to its socket)...
export HTTP_AUTHORIZATION="Bearer $k"
FCGI_SOCK="$TMP/a/app.sock" fcgi POST /api/app-connections/oauth2/start '{"pieceName":"acme","externalId":"acme-main","displayName":"Acme"}'
unset HTTP_AUTHORIZATION
expect_status 200 "an OAuth2 flow starts on host a"
state=$(jq -r .state "$TMP/body")
check "... its state is in the database" \
    test "$(psql_q "SELECT count(*) FROM apconn.oauth2_state WHERE used_at IS NULL")" = 1

# ... then host a's master is killed.
kill -9 "$PID_a"
killed=$(psql_q "SELECT now()")
http GET "/api/app-connections/oauth2/callback?code=good-code&state=$state"
expect_status 303 "the callback completes the flow on host b"
check "... back to the app with the connection" \
    test "$(header Location)" = "https://app.example.test/connections?connection=acme-main"
check "... served by host b's outbound pool" \
    grep -q "apconn-fcgi-outbound.*GET /api/app-connections/oauth2/callback 303" "$TMP/host-b.log"
as "$k" GET '/api/app-connections?pieceName=acme'
expect_json '.data | map(.externalId + "|" + .status) | join(",")' "acme-main|ACTIVE" \
    "the connection is stored for the user who started the flow"

check "the jobs move to host b" wait_runs host-b piece_sync "$killed"
check "... both of them" wait_runs host-b oauth2_refresh "$killed"
check "... and host a started none after its master was killed" test "$(runs host-a % "$killed")" = 0
n=0
while pgrep -P "$PID_a" >/dev/null 2>&1 && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
check "host a's workers followed their master" sh -c "! pgrep -P $PID_a >/dev/null"
walk b

# Host a comes back (and stays a follower); then host b dies whole.
served=$(grep -c 'GET /api/health 200' "$TMP/host-a.log")
host_start a
back=$(psql_q "SELECT now()")
n=0
while [ "$(grep -c 'GET /api/health 200' "$TMP/host-a.log")" = "$served" ] && [ $n -lt 100 ]; do
	http GET /api/health
	sleep 0.1
	n=$((n + 1))
done
check "nginx sends requests to the returning host again" \
    test "$(grep -c 'GET /api/health 200' "$TMP/host-a.log")" -gt "$served"
sleep 3
check "a returning host does not take the jobs back" test "$(runs host-a % "$back")" = 0
check "... host b keeps them" test "$(runs host-b % "$back")" -ge 1
kill -9 $(pgrep -P "$PID_b") "$PID_b"
killed=$(psql_q "SELECT now()")
check "the jobs move back to host a" wait_runs host-a piece_sync "$killed"
check "... both of them" wait_runs host-a oauth2_refresh "$killed"
check "... and host b ran none after it died" test "$(runs host-b % "$killed")" = 0
walk a
check "no two runs of a job ever overlapped, across both moves" test "$(psql_q "SELECT count(*) FROM apconn.job_runs a
    JOIN apconn.job_runs b ON a.job = b.job AND a.id < b.id
    AND a.started_at < b.finished_at AND b.started_at < a.finished_at")" = 0
check "every run was recorded by a named host" \
    test "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE host NOT IN ('host-a', 'host-b')")" = 0

done_testing
