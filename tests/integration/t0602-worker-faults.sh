#!/bin/sh
# Workers SIGKILLed under load are replaced and nginx sees at most the
# requests they had in flight fail; a read-only database answers writes
# with a clear 503 and changes nothing, while reads go on.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_private	# the read-only switch is cluster-wide
migrate
seed_pieces
app_start 3
NGINX_LIMIT_KEY='$http_x_apconn_no_limit'
nginx_start

u=$(new_user kim@example.com)
k=$(new_key "$u" connections:read,connections:write)

# Four workers SIGKILLed, one a second, under load.
wrk -t2 -c8 -d6s --timeout 10s -H "Authorization: Bearer $k" \
    "http://127.0.0.1:$HTTP_PORT/api/app-connections" >"$TMP/wrk.kill" 2>&1 &
load=$!
kills=0
for i in 1 2 3 4; do
	sleep 1
	victim=$(worker_pids | head -n "$i" | tail -n 1)
	kill -9 "$victim" && kills=$((kills + 1))
done
wait $load
reqs=$(awk '/requests in/ {print $1}' "$TMP/wrk.kill")
bad=$(awk '/Non-2xx/ {print $5}' "$TMP/wrk.kill")
sockerr=$(grep -c 'Socket errors' "$TMP/wrk.kill")
check "the load ran ($reqs requests, $kills workers killed)" test "${reqs:-0}" -gt 1000 -a "$kills" = 4
check "at most the requests in flight failed (${bad:-0} non-2xx)" test "${bad:-0}" -le "$kills"
check "no socket error" test "$sockerr" = 0
sleep 0.5
check "every worker was replaced" test "$(worker_pids | wc -l)" = 4
as "$k" GET /api/app-connections
expect_status 200 "the pool serves after the kills"

# A read-only database.
as "$k" POST /api/app-connections '{"externalId":"before","displayName":"B","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
expect_status 201 "a write before"
psql_q "ALTER SYSTEM SET default_transaction_read_only = on" >/dev/null
psql_q "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
as "$k" POST /api/app-connections '{"externalId":"during","displayName":"D","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
expect_error 503 database_read_only "a write while the database is read-only"
expect_json .error "The database accepts no changes at the moment (read-only or out of disk space); nothing was changed" "... says so"
as "$k" POST "/api/app-connections/$(psql_q "SELECT id FROM apconn.app_connection WHERE external_id = 'before'")" '{"displayName":"Renamed"}'
expect_error 503 database_read_only "... also for an update"
as "$k" GET /api/app-connections
expect_status 200 "reads go on"
expect_json '.data | map(.displayName) | join(",")' B "... and nothing changed"
psql_q "ALTER SYSTEM RESET default_transaction_read_only" >/dev/null
psql_q "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
as "$k" POST /api/app-connections '{"externalId":"after","displayName":"A","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
expect_status 201 "writes resume when it is writable again"

done_testing
