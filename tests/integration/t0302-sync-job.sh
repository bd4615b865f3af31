#!/bin/sh
# The background piece sync: a child of the master runs it every
# APCONN_SYNC_INTERVAL seconds under an advisory lock (one run at a time
# per database), records each run, shows the last one in /api/health, and
# is replaced if it dies; a failed run is retried after seconds, not an
# interval; apconn-admin jobs run and apconn-sync-pieces run it now,
# under the same lock, recorded like the job's runs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
fake_start --fixtures "$top_srcdir/tests/fixtures/pieces"
total=$(jq length "$top_srcdir/tests/fixtures/pieces/list.json")
export APCONN_OUTBOUND_ALLOW=127.0.0.1
export APCONN_PIECES_URL="http://127.0.0.1:$FAKE_PORT/api/v1"
LOCK=7021827498203715585

# Another session holds the job's lock: the job must wait its turn.
psql -X -q -d "$DATABASE_URL" -c "SELECT pg_advisory_lock($LOCK); SELECT pg_sleep(3)" >/dev/null 2>&1 &
HOLDER=$!
sleep 0.5
APCONN_SYNC_INTERVAL=1 app_start 2
jobs=$(ps -o pid= -o args= --ppid "$APP_PID" | grep -c '')
check "the master runs a job process besides the workers" test "$jobs" = 4
sleep 1.5
check "while the lock is held elsewhere, nothing runs" \
    test "$(psql_q "SELECT count(*) FROM apconn.job_runs")" = 0
check "... and the job says so" grep -q "another host is running it" "$TMP/app.log"
wait $HOLDER

n=0
while [ "$(psql_q "SELECT count(*) FROM apconn.piece_metadata")" != "$total" ] && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "the job synced every piece once the lock was free" \
    test "$(psql_q "SELECT count(*) FROM apconn.piece_metadata")" = "$total"
sleep 2
check "it runs again every interval" test "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE job = 'piece_sync' AND ok")" -ge 2
check "later runs change nothing" \
    test "$(psql_q "SELECT summary FROM apconn.job_runs ORDER BY id DESC LIMIT 1" | grep -c "0 inserted, 0 updated, $total unchanged")" = 1
check "no two runs overlapped" test "$(psql_q "SELECT count(*) FROM apconn.job_runs a JOIN apconn.job_runs b
    ON a.id < b.id AND a.started_at < b.finished_at AND b.started_at < a.finished_at")" = 0

nginx_start
http GET /api/health
expect_json .jobs.piece_sync.ok true "/api/health shows the last sync"
check "... with its summary" sh -c "jq -r .jobs.piece_sync.summary '$TMP/body' | grep -q '$total listed'"

kill -9 $(ps -o pid= --ppid "$APP_PID" | tail -n 1) 2>/dev/null
sleep 2
check "a killed child of the master is replaced" test "$(ps -o pid= --ppid "$APP_PID" | wc -l)" = 4

# Run now, by hand: recorded like the job's runs, under the same lock.
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null
before=$(psql_q "SELECT count(*) FROM apconn.job_runs")
admin jobs run piece_sync >"$TMP/run.out" 2>&1
check "apconn-admin jobs run piece_sync runs it now (exit $?)" grep -q "^piece_sync: ok: $total listed" "$TMP/run.out"
"$top_builddir/apconn-sync-pieces" >"$TMP/manual.out" 2>&1
check "so does apconn-sync-pieces" test $? = 0
check "... each recorded as a run" test \
    "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE job = 'piece_sync' AND ok")" -ge $((before + 2))
check "... the manual sync saying so" \
    test "$(psql_q "SELECT summary FROM apconn.job_runs ORDER BY id DESC LIMIT 1" | grep -c '(apconn-sync-pieces)$')" = 1
admin jobs run bogus >/dev/null 2>&1
check "an unknown job is a usage error" test $? = 64
psql -X -q -d "$DATABASE_URL" -c "SELECT pg_advisory_lock($LOCK); SELECT pg_sleep(2)" >/dev/null 2>&1 &
HOLDER=$!
sleep 0.5
admin jobs run piece_sync >"$TMP/busy.out" 2>&1
check "while another host runs it, jobs run does not (exit $?)" grep -q "^piece_sync: not run: another host is running it" "$TMP/busy.out"
"$top_builddir/apconn-sync-pieces" >/dev/null 2>"$TMP/busy2.err"
check "... nor does apconn-sync-pieces" sh -c "[ $? = 1 ] && grep -q 'another host is syncing' '$TMP/busy2.err'"
wait $HOLDER

# A run that fails is retried after 5 s, then 10..., not an interval.
before=$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE NOT ok")
psql_q "UPDATE apconn.job_runs SET started_at = started_at - interval '2 hours', finished_at = finished_at - interval '2 hours'" >/dev/null
APCONN_PIECES_URL="http://127.0.0.1:$FAKE_PORT/status/503" APCONN_SYNC_INTERVAL=3600 app_start 2
n=0
until [ "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE NOT ok")" -ge $((before + 2)) ] || [ $n -ge 120 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "a failed sync is retried within seconds, with an interval of an hour ($((n / 10)) s)" test $n -lt 120

done_testing
