#!/bin/sh
# The workers' list page cache (handlers/listcache.c): a page asked again
# is answered from the worker's memory only while its owner's
# connections are unchanged, however they changed (the API, another
# worker, SQL by hand: the database notifies), only to a caller that
# authenticates now as that owner with the scope, and never to another
# credential.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
export APCONN_METRICS_ALLOW=127.0.0.1	# the counters, read without a key
app_start 1		# one worker: every repeated request meets its cache
NGINX_LIMIT_KEY='$http_x_apconn_no_limit'
nginx_start

a=$(new_user ada@example.com)
b=$(new_user bob@example.com)
ka=$(new_key "$a" connections:read,connections:write)
kb=$(new_key "$b" connections:read,connections:write)
conn() {
	printf '{"externalId":"%s","displayName":"%s","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-%s"}}' "$1" "$2" "$1"
}
for n in 1 2 3; do
	as "$ka" POST /api/app-connections "$(conn "a$n" "Ada $n")" >/dev/null
done

# count RESULT: apconn_list_cache_total{result=RESULT}, from loopback.
count() {
	REMOTE_ADDR=127.0.0.1 fcgi GET /api/metrics
	awk -v s="apconn_list_cache_total{result=\"$1\"}" '$1 == s {print $2}' "$TMP/body"
}
names() {
	as "$1" GET "/api/app-connections${2:-}"
	jq -r '[.data[].displayName] | join(",")' <"$TMP/body"
}

m0=$(count miss) h0=$(count hit)
first=$(names "$ka")
check "a first list is read from the database" test "$(count miss)" = $((m0 + 1))
second=$(names "$ka")
check "the same list again is answered from the cache" test "$(count hit)" = $((h0 + 1))
check "... with the same page" test "$first" = "$second" -a "$first" = "Ada 3,Ada 2,Ada 1"

# Every kind of change is seen at once.
id2=$(psql_q "SELECT id FROM apconn.app_connection WHERE external_id = 'a2'")
s0=$(count dropped)
as "$ka" POST "/api/app-connections/$id2" '{"displayName":"Ada two"}'
check "a rename through the API is listed" test "$(names "$ka")" = "Ada 3,Ada two,Ada 1"
check "... the kept page was taken back" test "$(count dropped)" = $((s0 + 1))
psql_q "UPDATE apconn.app_connection SET display_name = 'By hand' WHERE external_id = 'a1'" >/dev/null
check "an UPDATE by hand is listed" test "$(names "$ka")" = "Ada 3,Ada two,By hand"
psql_q "INSERT INTO apconn.app_connection (id, external_id, display_name, piece_name, type, value, owner_id)
    SELECT 'x' || id, 'a4', 'Inserted', piece_name, type, value, owner_id FROM apconn.app_connection WHERE external_id = 'a3'" >/dev/null
check "an INSERT by hand is listed" test "$(names "$ka")" = "Inserted,Ada 3,Ada two,By hand"
psql_q "DELETE FROM apconn.app_connection WHERE external_id = 'a4'" >/dev/null
check "a DELETE by hand is listed" test "$(names "$ka")" = "Ada 3,Ada two,By hand"
psql_q "BEGIN; UPDATE apconn.app_connection SET display_name = 'Rolled back' WHERE external_id = 'a3'; ROLLBACK" >/dev/null
check "a change rolled back is not" test "$(names "$ka")" = "Ada 3,Ada two,By hand"
as "$kb" POST /api/app-connections "$(conn b1 "Bob 1")" >/dev/null
h1=$(count hit)
names "$ka" >/dev/null
check "another owner's change keeps the page" test "$(count hit)" = $((h1 + 1))

# Each query is its own page.
check "a smaller page" test "$(names "$ka" "?limit=1")" = "Ada 3"
check "a filter" test "$(names "$ka" "?displayName=hand")" = "By hand"
check "and the full page again" test "$(names "$ka")" = "Ada 3,Ada two,By hand"

# Who may have it.
check "another user's key with the same query gets its own" test "$(names "$kb")" = "Bob 1"
kid=$(echo "$ka" | cut -d_ -f2)
forged=$(echo "$ka" | sed 's/.$/0/')
[ "$forged" = "$ka" ] && forged=$(echo "$ka" | sed 's/.$/1/')
names "$ka" >/dev/null
as "$forged" GET /api/app-connections
expect_error 401 invalid_token "the kept page's credential id with a wrong secret"
kr=$(new_key "$a" workflows:read)
as "$kr" GET /api/app-connections
expect_error 403 insufficient_scope "the owner's key without connections:read"
names "$ka" >/dev/null
h2=$(count hit)
psql_q "UPDATE apconn.api_keys SET revoked_at = now() WHERE id = '$kid'" >/dev/null
as "$ka" GET /api/app-connections
expect_error 401 token_revoked "a revoked key, though its page is kept"
check "... and it was not served from the cache" test "$(count hit)" = "$h2"
check "the revoked key's id was its own" test \
    "$(psql_q "SELECT count(*) FROM apconn.api_keys WHERE id = '$kid' AND revoked_at IS NOT NULL")" = 1

# Two workers, writes and lists in turn: every list sees the write before.
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null
app_start 2
kc=$(new_key "$a" connections:read,connections:write)
misses=0
for n in $(seq 1 25); do
	names "$kc" >/dev/null
	as "$kc" POST /api/app-connections "$(conn "r$n" "Round $n")"
	[ "$(names "$kc" | cut -d, -f1)" = "Round $n" ] || misses=$((misses + 1))
done
check "25 writes, each listed by the next read on either worker ($misses not)" test $misses = 0
as "$kc" GET "/api/app-connections?limit=100"
expect_json '.data | length' 28 "all of them"

done_testing
