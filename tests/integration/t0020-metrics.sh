#!/bin/sh
# GET /api/metrics: who may read it (an admin key, or no credential from
# loopback), a page promtool accepts and whose every line parses, request
# counts equal to the requests made, latency histograms that agree with
# them, the other counters moving with what causes them (encryptions,
# outbound calls, OAuth2 refreshes, database loss, the job runner), and
# every counter only going up across a SIGHUP reload and a SIGKILLed
# worker.  Under spawn-fcgi the page is the one process's.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
if [ ! -x "$PROMTOOL" ]; then
	echo "SKIP: promtool not installed (Debian package prometheus)"
	exit 77
fi

pg_db
migrate
seed_pieces
fake_start --fixtures "$top_srcdir/tests/fixtures/pieces"
pieces=$(jq length "$top_srcdir/tests/fixtures/pieces/list.json")
export APCONN_OUTBOUND_ALLOW=127.0.0.1
export APCONN_PIECES_URL="http://127.0.0.1:$FAKE_PORT/api/v1"
F="http://127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '1.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[]}');
    INSERT INTO apconn.piece_auth_probe (piece_name, auth_type, method, url, headers, expected_status) VALUES
    ('openai', 'SECRET_TEXT', 'GET', '$F/status/{{secret_text}}', '{}', 200)" >/dev/null
# Loopback may read the page without a key (the default is no address).
export APCONN_METRICS_ALLOW="127.0.0.0/8, ::1"
# One sync at start-up, then not for an hour.
APCONN_SYNC_INTERVAL=3600 app_start 2
nginx_start

u=$(new_user mona@example.com)
adm=$(new_key "$u" admin)
usr=$(new_key "$u" connections:read,connections:write)
http POST /api/auth/anonymous
session=$(jq -r .token "$TMP/body")

# get ARGS...: GET /api/metrics through nginx's unix socket (REMOTE_ADDR
# is then "unix:", not loopback), or with --tcp over 127.0.0.1.
get() {
	if [ "${1:-}" = --tcp ]; then
		shift
		STATUS=$(curl -sS -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' \
		    "$@" "http://127.0.0.1:$HTTP_PORT/api/metrics")
	else
		http GET /api/metrics "" "$@"
	fi
}
# scrape FILE: the page, read with the admin key.
scrape() {
	get -H "Authorization: Bearer $adm"
	[ "$STATUS" = 200 ] || fail "scrape: status $STATUS"
	cp "$TMP/body" "$1"
}
# val FILE SERIES: the value of one series (0 when absent).
val() {
	awk -v s="$2" 'substr($0, 1, length(s) + 1) == s " " { v = $2 }
	    END { print v == "" ? 0 : v }' "$1"
}
# delta OLD NEW SERIES
delta() {
	echo $(( $(val "$2" "$3") - $(val "$1" "$3") ))
}
# rises OLD NEW: every counter and histogram series of OLD is in NEW, with
# a value as high or higher; prints those that are not.  The process_*
# series are each process's own, and go with it.
rises() {
	awk 'FNR == 1 { f++ }
	    /^# TYPE / { if (f == 1) type[$3] = $4; next }
	    /^#/ || /^process_/ { next }
	    {
		name = $1; sub(/\{.*/, "", name)
		fam = name
		if (!(fam in type)) sub(/_(bucket|sum|count)$/, "", fam)
		if (f == 1 && (type[fam] == "counter" || type[fam] == "histogram"))
			old[$1] = $2
		if (f == 2)
			new[$1] = $2
	    }
	    END {
		bad = 0
		for (s in old)
			if (!(s in new) || new[s] + 0 < old[s] + 0) {
				print "went down or vanished: " s " " old[s] " -> " new[s]
				bad = 1
			}
		exit bad
	    }' "$1" "$2"
}
# parses FILE: every line is a HELP or TYPE comment or a sample.
parses() {
	! grep -v -E -e '^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$' \
	    -e '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? -?[0-9]+(\.[0-9]+)?$' "$1"
}
# promcheck FILE: promtool's parser and linter find nothing.
promcheck() {
	"$PROMTOOL" check metrics <"$1" >"$TMP/promtool.out" 2>&1 &&
	    [ ! -s "$TMP/promtool.out" ]
}
R='apconn_requests_total'
D='apconn_request_duration_seconds'

# Who may read it.
get -H "Authorization: Bearer $adm"
expect_status 200 "an admin key reads the metrics"
check "... as Prometheus text 0.0.4" \
    test "$(header Content-Type)" = "text/plain; version=0.0.4; charset=utf-8"
get --tcp
expect_status 200 "no credential from an allowed address (127.0.0.1 through nginx)"
get
expect_error 401 unauthorized "no credential from an address not allowed (nginx's unix socket)"
check "... with a WWW-Authenticate challenge" test "$(header WWW-Authenticate)" = Bearer
get --tcp -H "Authorization: Bearer $usr"
expect_error 403 insufficient_scope "a key without the admin scope, even from loopback"
get --tcp -H "Cookie: apconn_session=$session"
expect_error 403 insufficient_scope "a session, even from loopback"
get --tcp -H "Authorization: Bearer apk_000000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_error 401 invalid_token "an unknown key, even from loopback"
REMOTE_ADDR=203.0.113.9 fcgi GET /api/metrics
expect_error 401 unauthorized "straight FastCGI from 203.0.113.9 without a credential"
REMOTE_ADDR=::ffff:203.0.113.9 fcgi GET /api/metrics
expect_status 401 "... from a v4-mapped outside address"
REMOTE_ADDR=127.0.0.1 fcgi GET /api/metrics
expect_status 200 "... from 127.0.0.1"
REMOTE_ADDR=::1 fcgi GET /api/metrics
expect_status 200 "... from ::1"
REMOTE_ADDR=203.0.113.9 HTTP_AUTHORIZATION="Bearer $adm" fcgi GET /api/metrics
expect_status 200 "... from 203.0.113.9 with the admin key"

# The start-up sync ran in the job process, which shares the counters.
n=0
while [ "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE job = 'piece_sync'")" = 0 ] && [ $n -lt 200 ]; do
	sleep 0.1
	n=$((n + 1))
done
scrape "$TMP/m0"
check "promtool check metrics accepts the page" promcheck "$TMP/m0"
cat "$TMP/promtool.out"
check "every line parses" parses "$TMP/m0"
check "the job runner's sync is counted" \
    test "$(val "$TMP/m0" 'apconn_job_runs_total{job="piece_sync",result="ok"}')" = 1
check "... with every piece inserted" \
    test "$(val "$TMP/m0" 'apconn_piece_sync_pieces_total{result="inserted"}')" = "$pieces"
check "... and its calls: the list and each piece" \
    test "$(val "$TMP/m0" 'apconn_outbound_calls_total{kind="piece_sync",outcome="http_2xx"}')" = $((pieces + 1))
check "... and its last success time" \
    test "$(val "$TMP/m0" 'apconn_job_last_success_timestamp_seconds{job="piece_sync"}')" -ge "$(($(date +%s) - 60))"
check "this host leads the jobs" test "$(val "$TMP/m0" apconn_jobs_leader)" = 1

# The standard process_* series, for the master and each of its children.
# proc PID SERIES: the series' value for that process.
proc() {
	awk -v p="pid=\"$1\"" -v s="$2" 'index($1, s "{") == 1 && index($1, p) { print $2 }' "$TMP/m0"
}
procs_ok=0 procs_n=0
for p in "$APP_PID" $(worker_pids); do
	procs_n=$((procs_n + 1))
	rss=$(proc "$p" process_resident_memory_bytes)
	kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")
	fds=$(proc "$p" process_open_fds)
	now_fds=$(ls "/proc/$p/fd" | wc -l)
	start=$(proc "$p" process_start_time_seconds | cut -d. -f1)
	cpu=$(proc "$p" process_cpu_seconds_total)
	if [ -n "$rss" ] && [ -n "$fds" ] && [ -n "$start" ] && [ -n "$cpu" ] &&
	    [ "$rss" -gt $((kb * 1024 / 2)) ] && [ "$rss" -lt $((kb * 1024 * 2)) ] &&
	    [ $((fds - now_fds)) -le 2 ] && [ $((now_fds - fds)) -le 2 ] &&
	    [ "$start" -le "$(date +%s)" ] && [ "$start" -ge $(($(date +%s) - 600)) ]; then
		procs_ok=$((procs_ok + 1))
	else
		echo "# process $p: rss $rss (VmRSS $kb kB) fds $fds (now $now_fds) start $start cpu $cpu"
	fi
done
check "process_* series for the master and its $((procs_n - 1)) children, as /proc says ($procs_ok of $procs_n)" \
    test "$procs_ok" = "$procs_n" -a "$procs_n" = 5
check "... the master labelled as such" test "$(grep -c "^process_max_fds{group=\"master\",pid=\"$APP_PID\"}" "$TMP/m0")" = 1
check "... and no other process" test "$(grep -c '^process_open_fds{' "$TMP/m0")" = 5
check "the page is a master's" grep -q 'apconn_build_info{version="[^"]*",mode="master"} 1' "$TMP/m0"
check "both keys of the ring are listed" \
    test "$(grep -c '^apconn_encryptions_total{kid="k[12]"} 0$' "$TMP/m0")" = 2

# Requests: counted by route pattern, method and status.
for i in 1 2 3 4 5 6 7; do http GET /api/pieces; done
for i in 1 2 3; do http GET "/api/nope/$i"; done
for i in 1 2; do http DELETE /api/pieces; done
for i in 1 2 3 4; do as "$usr" GET "/api/app-connections/c$i"; done
as "$usr" GET /api/app-connections
scrape "$TMP/m1"
check "7 GET /api/pieces: 7, by pattern" \
    test "$(val "$TMP/m1" "$R{route=\"/api/pieces\",method=\"GET\",status=\"200\"}")" = 7
check "4 GET /api/app-connections/ID: 4 under the pattern, not the paths" \
    test "$(val "$TMP/m1" "$R{route=\"/api/app-connections/:id\",method=\"GET\",status=\"404\"}")" = 4
check "... and no raw path in the page" sh -c "! grep -q -e /c1 -e /api/nope '$TMP/m1'"
check "3 paths no route matches: unmatched, 404" \
    test "$(val "$TMP/m1" "$R{route=\"unmatched\",method=\"GET\",status=\"404\"}")" = 3
check "2 wrong methods: unmatched, 405" \
    test "$(val "$TMP/m1" "$R{route=\"unmatched\",method=\"DELETE\",status=\"405\"}")" = 2
check "the scrapes before count too (this one not yet)" \
    test "$(delta "$TMP/m0" "$TMP/m1" "$R{route=\"/api/metrics\",method=\"GET\",status=\"200\"}")" = 1
check "the histogram's count agrees: 7" \
    test "$(val "$TMP/m1" "${D}_count{route=\"/api/pieces\",method=\"GET\"}")" = 7
check "... and its +Inf bucket" \
    test "$(val "$TMP/m1" "${D}_bucket{route=\"/api/pieces\",method=\"GET\",le=\"+Inf\"}")" = 7
check "buckets are cumulative" awk '/^apconn_request_duration_seconds_bucket/ {
	    k = $1; sub(/,le=.*/, "", k)
	    if (k == p && $2 + 0 < v + 0) bad = 1
	    p = k; v = $2 } END { exit bad }' "$TMP/m1"
check "every histogram count is its route's requests" awk '
	    /^apconn_requests_total/ { k = $1; sub(/,status=.*/, "", k); sub(/^[^{]*\{/, "", k); req[k] += $2 }
	    /^apconn_request_duration_seconds_count/ { k = $1; sub(/\}$/, "", k); sub(/^[^{]*\{/, "", k); cnt[k] = $2 }
	    END { for (k in req) if (cnt[k] != req[k]) { print k, req[k], cnt[k]; bad = 1 }
		for (k in cnt) if (!(k in req)) bad = 1; exit bad }' "$TMP/m1"
check "the latency sum is plausible (under 7 s for 7 requests)" \
    awk -v s="$(val "$TMP/m1" "${D}_sum{route=\"/api/pieces\",method=\"GET\"}")" 'BEGIN { exit !(s > 0 && s < 7) }'
check "promtool still accepts it" promcheck "$TMP/m1"

# Encryptions, probes, OAuth2 token calls and refreshes, whichever pool.
as "$usr" POST /api/app-connections '{"externalId":"ai","displayName":"AI","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"200"}}'
expect_status 201 "a connection is stored (in the outbound pool)"
as "$usr" POST /api/app-connections/test '{"externalId":"t","displayName":"T","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"200"}}'
as "$usr" POST /api/app-connections/test '{"externalId":"t","displayName":"T","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"401"}}'
connect() {	# connect EXTERNAL_ID CODE
	as "$usr" POST /api/app-connections "{\"externalId\":\"$1\",\"displayName\":\"$1\",\"pieceName\":\"acme\",\"type\":\"OAUTH2\",\"value\":{\"type\":\"OAUTH2\",\"code\":\"$2\",\"client_id\":\"c\",\"client_secret\":\"s\",\"redirect_url\":\"https://x/cb\"}}"
	jq -r .id "$TMP/body"
}
soon=$(connect soon short-code)
revoked=$(connect revoked short-revoked)
sleep 1.2
as "$usr" POST "/api/app-connections/$soon/test"
as "$usr" POST "/api/app-connections/$revoked/test"
scrape "$TMP/m2"
check "3 values stored and 1 refreshed: 4 encryptions under the active key" \
    test "$(delta "$TMP/m1" "$TMP/m2" 'apconn_encryptions_total{kid="k2"}')" = 4
check "... none under the old one" test "$(val "$TMP/m2" 'apconn_encryptions_total{kid="k1"}')" = 0
check "probes by outcome: one 2xx" \
    test "$(delta "$TMP/m1" "$TMP/m2" 'apconn_outbound_calls_total{kind="probe",outcome="http_2xx"}')" = 1
check "... one 4xx" \
    test "$(delta "$TMP/m1" "$TMP/m2" 'apconn_outbound_calls_total{kind="probe",outcome="http_4xx"}')" = 1
check "token calls: 2 code exchanges and a refresh answered 2xx" \
    test "$(delta "$TMP/m1" "$TMP/m2" 'apconn_outbound_calls_total{kind="oauth2_token",outcome="http_2xx"}')" = 3
check "... the revoked refresh 4xx" \
    test "$(delta "$TMP/m1" "$TMP/m2" 'apconn_outbound_calls_total{kind="oauth2_token",outcome="http_4xx"}')" = 1
check "one refresh ok" test "$(val "$TMP/m2" 'apconn_oauth2_refreshes_total{outcome="ok"}')" = 1
check "one refresh refused with invalid_grant" \
    test "$(val "$TMP/m2" 'apconn_oauth2_refreshes_total{outcome="invalid_grant"}')" = 1
check "counters only went up" rises "$TMP/m1" "$TMP/m2"

# The database goes away under the workers: 503s and reconnects.  (An
# authenticated request finds the loss before its first query, when it
# drains notifications, and reconnects at once: the health check, which
# authenticates nobody, meets it.)
psql_q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'apconn'" >/dev/null
n503=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	http GET /api/health
	[ "$STATUS" = 503 ] && n503=$((n503 + 1))
done
scrape "$TMP/m3"
check "some requests met the lost connection (503)" test "$n503" -ge 1
check "apconn_db_unavailable_total counts each of them" \
    test "$(delta "$TMP/m2" "$TMP/m3" apconn_db_unavailable_total)" = "$n503"
check "... as do the requests by status" \
    test "$(delta "$TMP/m2" "$TMP/m3" "$R{route=\"/api/health\",method=\"GET\",status=\"503\"}")" = "$n503"
check "the workers reconnected" test "$(delta "$TMP/m2" "$TMP/m3" apconn_db_reconnects_total)" -ge 1

# A reload keeps the counters; so does a worker's death.
old=$(worker_pids)
check "the reload replaced every process" reload_replaces 100
scrape "$TMP/m4"
check "counters only went up across the reload" rises "$TMP/m3" "$TMP/m4"
check "... the replaced processes' process_* series are gone, the new ones there" \
    test "$(grep -c '^process_open_fds{' "$TMP/m4")" = 5 -a \
    "$(for p in $old; do grep -c "pid=\"$p\"" "$TMP/m4"; done | sort -u)" = 0
check "... the reload is counted" test "$(val "$TMP/m4" apconn_reloads_total)" = 1
check "... the old generation's requests are still there" \
    test "$(val "$TMP/m4" "$R{route=\"/api/pieces\",method=\"GET\",status=\"200\"}")" = 7
check "... and the old job runner's sync" \
    test "$(val "$TMP/m4" 'apconn_job_runs_total{job="piece_sync",result="ok"}')" = 1
n=0
while [ "$(val "$TMP/m4" apconn_jobs_leader)" != 1 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
	scrape "$TMP/m4"
done
check "the new job runner took the lead" test "$(val "$TMP/m4" apconn_jobs_leader)" = 1
check "... without running the sync again before its interval" \
    test "$(psql_q "SELECT count(*) FROM apconn.job_runs")" = 1

for i in 1 2 3 4 5 6; do http GET /api/pieces; done
victims=$(ps -o pid= -o args= --ppid "$APP_PID" | awk '{print $1}' | head -n 2)
kill -9 $victims
n=0
while [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
	[ "$(worker_pids | wc -l)" = 4 ] && ! worker_pids | grep -qx "$(echo "$victims" | head -n 1)" && break
done
check "two SIGKILLed workers were replaced" test "$(worker_pids | wc -l)" = 4
scrape "$TMP/m5"
check "counters only went up after the SIGKILLs" rises "$TMP/m4" "$TMP/m5"
check "... no request is lost: 7 + 6" \
    test "$(val "$TMP/m5" "$R{route=\"/api/pieces\",method=\"GET\",status=\"200\"}")" = 13
check "... the deaths are counted" \
    test "$(val "$TMP/m5" 'apconn_worker_exits_total{group="main",cause="signal"}')" = 2
check "promtool accepts the last page" promcheck "$TMP/m5"
check "every line of it parses" parses "$TMP/m5"

# spawn-fcgi: one process, its own figures.
if command -v spawn-fcgi >/dev/null 2>&1; then
	env -u APCONN_METRICS_ALLOW spawn-fcgi -s "$TMP/single.sock" -P "$TMP/single.pid" -- "$FCGI" >>"$TMP/single.log" 2>&1
	PIDS="$PIDS $(cat "$TMP/single.pid")"
	wait_for_socket "$TMP/single.sock"
	REMOTE_ADDR=127.0.0.1 FCGI_SOCK="$TMP/single.sock" fcgi GET /api/pieces
	REMOTE_ADDR=127.0.0.1 FCGI_SOCK="$TMP/single.sock" fcgi GET /api/metrics
	expect_error 401 unauthorized "by default no address reads the page without a key, not even loopback"
	REMOTE_ADDR=127.0.0.1 HTTP_AUTHORIZATION="Bearer $adm" FCGI_SOCK="$TMP/single.sock" fcgi GET /api/metrics
	expect_status 200 "a spawn-fcgi worker serves the metrics"
	check "... marked as one process's" grep -q 'apconn_build_info{version="[^"]*",mode="single"} 1' "$TMP/body"
	check "... with its own requests only" \
	    test "$(val "$TMP/body" "$R{route=\"/api/pieces\",method=\"GET\",status=\"200\"}")" = 1
fi

done_testing
