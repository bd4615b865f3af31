#!/bin/sh
# 100,000 mixed requests (reads, writes, credential resolutions, refusals
# and malformed ones) through nginx: no worker dies, and the workers'
# memory and open files stay flat.  In the sanitizer pass (scripts/test)
# the same run is under AddressSanitizer and LeakSanitizer, and any
# report in the workers' log when they exit fails the test.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v wrk >/dev/null 2>&1 || { echo "SKIP: wrk not installed"; exit 77; }
pg_db
migrate
seed_pieces
APCONN_ACCESS_LOG=0 app_start 2
NGINX_LIMIT_KEY='$http_x_apconn_no_limit'
nginx_start
sanitized=0
ldd "$FCGI" 2>/dev/null | grep -q libasan && sanitized=1

u=$(new_user sam@example.com)
k=$(new_key "$u" connections:read,connections:write,workflows:read,workflows:write)
x=$(new_key "$u" executor)
for n in 1 2 3 4 5; do
	as "$k" POST /api/app-connections "{\"externalId\":\"s$n\",\"displayName\":\"S $n\",\"pieceName\":\"openai\",\"type\":\"SECRET_TEXT\",\"value\":{\"type\":\"SECRET_TEXT\",\"secret_text\":\"sk-$n\"}}" >/dev/null
done
one=$(psql_q "SELECT id FROM apconn.app_connection WHERE external_id = 's1'")
as "$k" POST /api/workflows/create '{"name":"Soak","nodes":[{"id":"n1","data":{"config":{"actionType":"openai/ask","auth":"{{connections['"'"'s1'"'"']}}"}}}],"edges":[]}'
wf=$(jq -r .id <"$TMP/body")
check "a workflow to resolve through" test -n "$wf" -a "$wf" != null

cat >"$TMP/mixed.lua" <<EOF2
local k = "Bearer $k"
local x = "Bearer $x"
local reqs = {
	{ "GET", "/api/app-connections?limit=20", k },
	{ "GET", "/api/app-connections?limit=2&displayName=S", k },
	{ "GET", "/api/app-connections/$one", k },
	{ "GET", "/api/app-connections/no-such-id", k },
	{ "GET", "/api/pieces", nil },
	{ "GET", "/api/pieces/openai", nil },
	{ "GET", "/api/health", nil },
	{ "GET", "/api/workflows/$wf/connections/s1?executionId=e&nodeId=n1", x },
	{ "GET", "/api/workflows/$wf/validate-integrations", k },
	{ "POST", "/api/app-connections", k,
	  '{"externalId":"s2","displayName":"S 2","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-2"}}' },
	{ "POST", "/api/app-connections", k, '{"externalId":' },
	{ "POST", "/api/app-connections", k, '{"externalId":"u","pieceName":"no-such-piece","type":"SECRET_TEXT"}' },
	{ "GET", "/api/app-connections", "Bearer apk_nosuchkey0000000000000_0000000000000000000000000000000000000000000" },
	{ "DELETE", "/api/pieces", nil },
}
local i = 0
request = function()
	i = i + 1
	local r = reqs[(i % #reqs) + 1]
	local h = { ["Content-Type"] = "application/json" }
	if r[3] then h["Authorization"] = r[3] end
	return wrk.format(r[1], r[2], h, r[4])
end
EOF2

# snap: the workers' pids, summed RSS (kB) and open files.
snap() {
	pids=$(worker_pids | tr '\n' ' ')
	rss=0 fds=0
	for p in $pids; do
		rss=$((rss + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status")))
		fds=$((fds + $(ls "/proc/$p/fd" | wc -l)))
	done
	echo "$pids|$rss|$fds"
}
# load N: about N requests (wrk runs for a time: the rate decides it).
load() {
	wrk -t2 -c8 -d"$1s" -s "$TMP/mixed.lua" "http://127.0.0.1:$HTTP_PORT" >"$TMP/wrk.out" 2>&1
	awk '/requests in/ {print $1}' "$TMP/wrk.out"
}
# The rate of this build, then a warm-up, then 100,000 requests or more.
n=$(load 2)
secs=$(( 100000 / (n / 2 + 1) + 1 ))
load $(( secs / 5 + 1 )) >/dev/null
before=$(snap)
total=0
while [ $total -lt 100000 ]; do
	got=$(load "$secs")
	total=$((total + ${got:-0}))
	[ "${got:-0}" -gt 0 ] || break
done
after=$(snap)
check "100,000 mixed requests or more ($total)" test $total -ge 100000
check "no socket errors" sh -c "! grep -q 'Socket errors' '$TMP/wrk.out'"
check "no worker died or was replaced" test "${before%%|*}" = "${after%%|*}"
check "no worker exit in the master's log" test "$(grep -c 'exited with\|killed by' "$TMP/app.log")" = 0
rss0=$(echo "$before" | cut -d'|' -f2) rss1=$(echo "$after" | cut -d'|' -f2)
fd0=$(echo "$before" | cut -d'|' -f3) fd1=$(echo "$after" | cut -d'|' -f3)
check "open files flat ($fd0, then $fd1)" test "$fd0" = "$fd1"
if [ $sanitized = 0 ]; then
	check "memory flat (${rss0} kB, then ${rss1} kB, all workers)" \
	    test $((rss1 - rss0)) -le 512
else
	echo "# sanitizer build: RSS not compared (ASan keeps freed memory in quarantine); leaks are reported at exit"
fi
as "$k" GET /api/app-connections
expect_json '.data | length' 5 "the data is as it was"
done_testing
