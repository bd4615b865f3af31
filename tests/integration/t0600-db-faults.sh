#!/bin/sh
# Database faults: a worker's backend terminated in the middle of a
# transaction (that request 503, nothing half-written, the next one
# served); PostgreSQL killed under load (503 JSON while it is away, no
# write answered 200 is lost, recovery by itself); PostgreSQL stopped for
# APCONN_TEST_OUTAGE seconds (default 30) under load: fast 503s, no
# pile-up of workers or backends, every worker back within 2 s.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

OUTAGE=${APCONN_TEST_OUTAGE:-30}
pg_private
migrate
seed_pieces
app_start 2
NGINX_LIMIT_KEY='$http_x_apconn_no_limit'
nginx_start

u=$(new_user faye@example.com)
k=$(new_key "$u" connections:read,connections:write,workflows:read,workflows:write)
as "$k" POST /api/app-connections '{"externalId":"c1","displayName":"One","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-1"}}'
expect_status 201 "a connection to refer to"
before=$(worker_pids)

# 1. A backend terminated mid-transaction.  The references table is held
# locked, so a workflow save stops after inserting its row, inside its
# transaction; its backend is then terminated.
nodes='[{"id":"n1","data":{"config":{"actionType":"openai/ask","auth":"{{connections['"'"'c1'"'"']}}"}}}]'
psql -X -q -d "$DATABASE_URL" >"$TMP/locker.out" 2>&1 <<EOF &
BEGIN;
LOCK TABLE apconn.workflow_connection_ref IN ACCESS EXCLUSIVE MODE;
SELECT pg_sleep(4);
COMMIT;
EOF
locker=$!
sleep 0.5
(
	as "$k" POST /api/workflows/create "{\"name\":\"Half\",\"nodes\":$nodes,\"edges\":[]}"
	echo "$STATUS" >"$TMP/saver.status"
) &
saver=$!
killed=""
for i in $(seq 1 30); do
	killed=$(psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	    WHERE wait_event_type = 'Lock' AND state = 'active' AND pid <> pg_backend_pid()
	    AND query LIKE '%workflow_connection_ref%'")
	[ -n "$killed" ] && break
	sleep 0.1
done
wait $saver
check "a save was caught waiting inside its transaction" test "$killed" = t
STATUS=$(cat "$TMP/saver.status")
expect_error 503 database_unavailable "... and its request answered 503"
wait $locker
check "no half-written workflow exists" test "$(psql_q "SELECT count(*) FROM apconn.workflows WHERE name = 'Half'")" = 0
ok_after=1
for i in 1 2 3 4; do
	as "$k" GET /api/app-connections
	[ "$STATUS" = 200 ] || ok_after=0
done
check "the next requests are served" test $ok_after = 1
as "$k" POST /api/workflows/create "{\"name\":\"Whole\",\"nodes\":$nodes,\"edges\":[]}"
expect_status 200 "the same save succeeds afterwards"
check "... with its references" test "$(psql_q "SELECT count(*) FROM apconn.workflow_connection_ref r JOIN apconn.workflows w ON w.id = r.workflow_id WHERE w.name = 'Whole'")" = 1

# 2. PostgreSQL killed under load: every write acknowledged survives.
: >"$TMP/acked"
(
	i=0
	while [ ! -e "$TMP/stop-writer" ]; do
		i=$((i + 1))
		code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$TMP/http.sock" \
		    -X POST -H "Authorization: Bearer $k" -H "Content-Type: application/json" \
		    --data-binary "{\"externalId\":\"w$i\",\"displayName\":\"W$i\",\"pieceName\":\"openai\",\"type\":\"SECRET_TEXT\",\"value\":{\"type\":\"SECRET_TEXT\",\"secret_text\":\"s\"}}" \
		    http://localhost/api/app-connections)
		echo "w$i $code" >>"$TMP/acked"
	done
) &
writer=$!
wrk -t1 -c8 -d4s -H "Authorization: Bearer $k" "http://127.0.0.1:$HTTP_PORT/api/app-connections" >"$TMP/wrk.kill" 2>&1 &
load=$!
sleep 1
"$PGBIN/pg_ctl" -D "$TMP/pg" -m immediate stop >/dev/null
sleep 1
pg_up
sleep 1.5
touch "$TMP/stop-writer"
wait $writer
wait $load
acked=$(awk '$2 == 200 || $2 == 201 {print $1}' "$TMP/acked" | sort)
stored=$(psql_q "SELECT external_id FROM apconn.app_connection WHERE external_id LIKE 'w%' ORDER BY 1" | sort)
check "writes were acknowledged before and after the crash ($(echo "$acked" | wc -l))" test "$(echo "$acked" | wc -l)" -gt 5
check "the crash refused some writes with 503" sh -c "awk '\$2 == 503' '$TMP/acked' | grep -q ."
codes=$(awk '{print $2}' "$TMP/acked" | sort | uniq -c | tr -s ' \n' ' ')
check "only 201 and 503 were answered ($codes)" sh -c "! awk '\$2 != 201 && \$2 != 503' '$TMP/acked' | grep -q ."
missing=$(echo "$acked" | while read -r id; do echo "$stored" | grep -qx "$id" || echo "$id"; done)
check "no acknowledged write was lost" test -z "$missing"
check "the load got answers throughout" sh -c "grep -q 'Requests/sec' '$TMP/wrk.kill'"
ok_after=1
for i in 1 2 3 4; do
	as "$k" GET /api/app-connections
	[ "$STATUS" = 200 ] || ok_after=0
done
check "the service recovered by itself" test $ok_after = 1

# 3. PostgreSQL stopped for a while under load.
wrk -t1 -c8 -d"$((OUTAGE - 2))s" --latency "http://127.0.0.1:$HTTP_PORT/api/health" >"$TMP/wrk.down" 2>&1 &
load=$!
pg_down
sleep 1
t_end=$(( $(date +%s) + OUTAGE - 4 ))
maxworkers=0
while [ "$(date +%s)" -lt "$t_end" ]; do
	n=$(worker_pids | wc -l)
	[ "$n" -gt "$maxworkers" ] && maxworkers=$n
	sleep 1
done
http GET /api/health
expect_error 503 database_unavailable "health while the database is away"
wait $load
p99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk.down")
check "503s stay fast while it is away (p99 $p99)" sh -c "echo '$p99' | grep -Eq '^[0-9.]+(us|ms)$' && ! echo '$p99' | grep -Eq '^[0-9]{3,}(\.[0-9]+)?ms$'"
check "no pile-up of workers ($maxworkers)" test "$maxworkers" -le 3
pg_up
check "every worker is back within 2 s of the database's return" healthy_within 2000
sleep 0.5
check "one backend per worker, no leftovers" test \
    "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")" -le 3
check "no worker crashed: the same processes throughout" test "$(worker_pids)" = "$before"

done_testing
