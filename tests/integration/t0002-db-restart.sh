#!/bin/sh
# The database stopped and restarted under running workers: fast 503 JSON
# while it is down, 200 again within 2 s of its return, no worker crash.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_private
migrate
app_start 2
nginx_start

http GET /api/health
expect_status 200 "health before the restart"
before=$(worker_pids)

pg_down
for i in 1 2 3 4 5 6; do
	http GET /api/health
	[ "$STATUS" = 503 ] || break
done
expect_error 503 database_unavailable "health while the database is down"
check "the 503 says the database is unavailable" \
    sh -c "jq -e '.database == \"unavailable\"' '$TMP/body' >/dev/null"
t0=$(date +%s%N)
http GET /api/health
t1=$(date +%s%N)
check "a 503 while down is fast (< 500 ms)" test $(( (t1 - t0) / 1000000 )) -lt 500

pg_up
check "every worker answers 200 within 2 s of the database's return" healthy_within 2000
check "no worker crashed or was replaced" test "$(worker_pids)" = "$before"
check "the workers logged the outage and the recovery" \
    grep -q "database connection restored" "$TMP/app.log"

done_testing
