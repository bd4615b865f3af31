#!/bin/sh
# The programs' command lines (--help, --version, usage errors exit 64
# naming the option), apconn-admin check (one line per check, non-zero on
# any failure) and apconn-admin jobs status.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

SYNC="$top_builddir/apconn-sync-pieces"
run() {	# run CMD...: $RC, $OUT, $ERR
	"$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}
for prog in "$FCGI" "$ADMIN" "$SYNC"; do
	name=$(basename "$prog")
	run "$prog" --help
	check "$name --help: usage on standard output, exit 0" sh -c "[ $RC = 0 ] && echo \"\$0\" | grep -q '^usage: $name'" "$OUT"
	run "$prog" --version
	check "$name --version" test "$RC:$OUT" = "0:$name $(sed -n 's/^AC_INIT(\[apconn\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")"
	run "$prog" --no-such-option
	check "$name: an unknown option is a usage error naming it" sh -c "[ $RC = 64 ] && echo \"\$0\" | grep -q -- '--no-such-option'" "$ERR"
done
for sub in migrate "user create" "user list" "token create" "token revoke" "token list" rotate-keys \
    "oauth-app set" import-activepieces check "jobs status"; do
	run "$ADMIN" $sub --help
	check "apconn-admin $sub --help" sh -c "[ $RC = 0 ] && echo \"\$0\" | grep -q '^usage: apconn-admin'" "$OUT"
done
for bad in "migrate --bogus" "user create --bogus" "token list --bogus" "rotate-keys --bogus" \
    "import-activepieces --bogus" "check --bogus" "jobs bogus"; do
	run "$ADMIN" $bad
	check "apconn-admin $bad: exit 64 naming it" sh -c "[ $RC = 64 ] && echo \"\$0\" | grep -q -- bogus" "$ERR"
done
run "$FCGI" --workers many --listen "unix:$TMP/x.sock"
check "a bad value names its option (apconn-fcgi --workers)" sh -c "[ $RC = 64 ] && echo \"\$0\" | grep -q -- --workers" "$ERR"
run "$SYNC" --limit=lots
check "a bad value names its option (apconn-sync-pieces --limit)" sh -c "[ $RC = 64 ] && echo \"\$0\" | grep -q -- --limit" "$ERR"
run "$ADMIN" rotate-keys --batch zero
check "a bad value names its option (apconn-admin rotate-keys --batch)" sh -c "[ $RC = 64 ] && echo \"\$0\" | grep -q -- --batch" "$ERR"
run "$ADMIN" token create --user x --scopes executor --expires-days soon
check "a bad value names its option (--expires-days)" sh -c "[ $RC = 64 ] && echo \"\$0\" | grep -q -- --expires-days" "$ERR"

# check: a sound deployment, then one fault at a time.
pg_db
export APCONN_PUBLIC_URL=https://apconn.example
run "$ADMIN" check
check "check on a database without the schema fails" test "$RC" = 1
check "... naming the pending migrations ($(echo "$OUT" | grep migrations))" sh -c "echo \"\$0\" | grep -q '^FAIL migrations .*pending'" "$OUT"
migrate
app_start 1
run "$ADMIN" check --socket="$TMP/app.sock"
check "check on a sound deployment passes ($(echo "$OUT" | grep -c '^ok') checks)" test "$RC" = 0
for what in config "key ring" database migrations statements "public URL" socket; do
	check "... with a line for $what" sh -c "echo \"\$0\" | grep -q '^ok   $what'" "$OUT"
done
check "... and no secret in it" sh -c "! echo \"\$0\" | grep -qF '$(echo "$APCONN_KEYS" | cut -d: -f2 | cut -c1-12)'" "$OUT"
psql_q "ALTER TABLE apconn.app_connection RENAME COLUMN display_name TO display_name_was" >/dev/null
run "$ADMIN" check
psql_q "ALTER TABLE apconn.app_connection RENAME COLUMN display_name_was TO display_name" >/dev/null
check "a schema this build's statements do not fit fails ($(echo "$OUT" | grep statements))" \
    sh -c "[ $RC = 1 ] && echo \"\$0\" | grep -q '^FAIL statements  *[1-9][0-9]* of [0-9]* do not prepare'" "$OUT"
check "... naming a statement and the server's reason" sh -c "echo \"\$0\" | grep -q 'display_name.*does not exist'" "$ERR"
APCONN_KEYS="k1:short" run "$ADMIN" check
check "a bad key ring fails" sh -c "[ $RC = 1 ] && echo \"\$0\" | grep -q '^FAIL key ring'" "$OUT"
DATABASE_URL="host=$TMP/nowhere user=apconn dbname=x connect_timeout=2" run "$ADMIN" check
check "an unreachable database fails" sh -c "[ $RC = 1 ] && echo \"\$0\" | grep -q '^FAIL database'" "$OUT"
APCONN_PUBLIC_URL="http://apconn.example/?x=1" run "$ADMIN" check
check "a public URL over plain http or with a query fails" sh -c "[ $RC = 1 ] && echo \"\$0\" | grep -q '^FAIL public URL'" "$OUT"
run "$ADMIN" check --socket="$TMP/nowhere/app.sock"
check "a socket that cannot be created fails" sh -c "[ $RC = 1 ] && echo \"\$0\" | grep -q '^FAIL socket'" "$OUT"
printf 'APCONN_KEYS = %s\n' "$APCONN_KEYS" >"$TMP/apconn.conf"
chmod 0644 "$TMP/apconn.conf"
(unset APCONN_KEYS; run "$ADMIN" -c "$TMP/apconn.conf" check; echo "$RC" >"$TMP/rc.wr")
check "a world-readable file with secrets is refused" test "$(cat "$TMP/rc.wr")" = 1
chmod 0640 "$TMP/apconn.conf"
(unset APCONN_KEYS; run "$ADMIN" -c "$TMP/apconn.conf" check; echo "$RC $OUT" >"$TMP/rc.ok")
check "the same file, not world-readable, passes and is named" sh -c "grep -q '^0 ok   config .*apconn.conf' '$TMP/rc.ok'"

# jobs status
run "$ADMIN" jobs status
check "jobs status before any run" sh -c "[ $RC = 0 ] && echo \"\$0\" | grep -q '^piece_sync .*never run'" "$OUT"
psql_q "INSERT INTO apconn.job_runs (job, host, started_at, finished_at, ok, summary) VALUES
    ('piece_sync', 'host-a', '2026-01-02 03:00:00Z', '2026-01-02 03:04:05Z', true, '53 listed, 53 inserted'),
    ('oauth2_refresh', 'host-b', '2026-01-02 03:00:00Z', '2026-01-02 03:00:01Z', false, '2 checked, 0 unusable, 1 failed')" >/dev/null
APCONN_SYNC_INTERVAL=3600 APCONN_REFRESH_INTERVAL=300 run "$ADMIN" jobs status
check "jobs status shows the last run, its host, result and summary" sh -c "echo \"\$0\" | grep -q '^piece_sync .*last 2026-01-02T03:04:05.000Z on host-a: ok (53 listed, 53 inserted)'" "$OUT"
check "... the next run from the interval" sh -c "echo \"\$0\" | grep -q 'piece_sync .*next about 2026-01-02T04:04:05Z'" "$OUT"
check "... and a failed run" sh -c "echo \"\$0\" | grep -q '^oauth2_refresh .*on host-b: FAILED (2 checked, 0 unusable, 1 failed); next about 2026-01-02T03:05:01Z'" "$OUT"

# Every command apconn-admin lists, and every variable it reads beyond
# apconn-fcgi's, has its entry in the manual.
missing=""
for cmd in $("$ADMIN" --help | sed -n 's/^  \([a-z-]*\).*/\1/p' | sort -u); do
	grep -q "^\.It Cm $cmd" "$top_srcdir/man/apconn-admin.8.in" || missing="$missing $cmd"
done
for var in $(grep -ho '"[A-Z][A-Z_]*_KEY"' "$top_srcdir"/tools/*.c | tr -d '"' | sort -u); do
	grep -q "^\.It Ev $var" "$top_srcdir/man/apconn-admin.8.in" || missing="$missing $var"
done
check "apconn-admin(8) documents every command and variable${missing:+ (missing:$missing)}" test -z "$missing"

done_testing
