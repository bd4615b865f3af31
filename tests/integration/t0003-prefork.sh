#!/bin/sh
# The prefork master: a SIGKILLed worker is replaced; SIGHUP reloads under
# load without a failed request; SIGTERM stops everything and removes the
# socket.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

if ! command -v wrk >/dev/null 2>&1; then
	echo "SKIP: wrk not installed"
	exit 77
fi

pg_db
migrate
app_start 3
NGINX_LIMIT_KEY='$http_x_apconn_no_limit'
nginx_start

check "the master runs 3 workers and 1 outbound worker" \
    test "$(worker_pids | wc -l)" = 4

victim=$(worker_pids | head -n 1)
kill -9 "$victim"
n=0
while [ $n -lt 30 ]; do
	sleep 0.1
	n=$((n + 1))
	pids=$(worker_pids)
	if [ "$(echo "$pids" | wc -l)" = 4 ] && ! echo "$pids" | grep -qx "$victim"; then
		break
	fi
done
check "a SIGKILLed worker is replaced" test "$(worker_pids | wc -l)" = 4
if worker_pids | grep -qx "$victim"; then
	fail "the killed worker is gone"
else
	ok "the killed worker is gone"
fi
check "the replacement was logged" grep -q "killed by signal 9" "$TMP/app.log"
http GET /api/health
expect_status 200 "health after the replacement"

old=$(worker_pids)
wrk -t2 -c16 -d4s "http://127.0.0.1:$HTTP_PORT/api/health" >"$TMP/wrk.out" 2>&1 &
WRK=$!
sleep 1
kill -HUP "$APP_PID"
sleep 1
kill -HUP "$APP_PID"
wait $WRK
cat "$TMP/wrk.out"
reqs=$(awk '/requests in/ {print $1}' "$TMP/wrk.out")
check "wrk completed requests during the reloads" test "${reqs:-0}" -gt 100
check "no non-2xx answer during the reloads" sh -c "! grep -q 'Non-2xx' '$TMP/wrk.out'"
check "no socket error during the reloads" sh -c "! grep -q 'Socket errors' '$TMP/wrk.out'"
sleep 0.5
new=$(worker_pids)
common=$(printf '%s\n%s\n' "$old" "$new" | sort | uniq -d | wc -l)
check "the reload replaced every worker" test "$common" = 0
check "the new generation has 4 workers" test "$(echo "$new" | wc -l)" = 4

# A web server slow to write its request (its first bytes 1.5 s after it
# connects) is answered: libfcgi's accept waited for them with the idle
# alarm armed, which closed the connection within a second.
check "a request whose first bytes come 1.5 s late is answered" \
    test "$(node "$top_srcdir/tests/integration/slowclient.js" "$TMP/app.sock" 1500 /api/health)" = 200
# A connection that sends nothing while the workers are retired: the
# worker that took it waits 2 s for its first bytes, closes it and
# leaves; the others leave at once.
node "$top_srcdir/tests/integration/slowclient.js" "$TMP/app.sock" 8000 /api/health >/dev/null &
silent=$!
sleep 0.5
reload_replaces 50
check "a reload while a connection sends nothing: every retired worker left ($RELOAD_MS ms)" \
    test $? = 0
kill "$silent" 2>/dev/null
http GET /api/health
expect_status 200 "health after that reload"

kill -TERM "$APP_PID"
n=0
while kill -0 "$APP_PID" 2>/dev/null && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "SIGTERM stops the master" sh -c "! kill -0 $APP_PID 2>/dev/null"
check "no worker outlives the master" test -z "$(pgrep -f "$TMP/app.sock")"
check "the socket is removed" test ! -e "$TMP/app.sock"

done_testing
