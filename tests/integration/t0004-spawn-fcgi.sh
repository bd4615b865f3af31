#!/bin/sh
# Started by spawn-fcgi (listening socket on fd 0), apconn-fcgi runs one
# worker loop per process, as administrators expect of spawn-fcgi -F N.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

for tool in spawn-fcgi cgi-fcgi; do
	command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool missing"; exit 77; }
done

pg_db
migrate
spawn-fcgi -s "$TMP/app.sock" -F 2 -P "$TMP/spawn.pid" -- "$FCGI" \
    >>"$TMP/app.log" 2>&1
wait_for_socket "$TMP/app.sock"
sleep 0.3
spids=$(pgrep -f "^$FCGI\$" | tr '\n' ' ')
PIDS="$PIDS $spids"
check "spawn-fcgi started two single-worker processes" \
    test "$(echo $spids | wc -w)" = 2
for p in $spids; do
	check "process $p serves the socket on its standard input" \
	    sh -c "readlink /proc/$p/fd/0 | grep -q '^socket:'"
done

fcgi GET /api/health
expect_status 200 "health through a spawn-fcgi worker"
expect_json .database ok "the spawn-fcgi worker reaches the database"

fcgi GET /api/missing
expect_error 404 not_found "unknown route through spawn-fcgi"

"$FCGI" </dev/null >"$TMP/usage.out" 2>&1
rc=$?
check "without --listen and no socket on stdin: usage error 64" test $rc = 64

done_testing
