#!/bin/sh
# apconn-admin migrate: records what it applied, is safe to run twice and
# concurrently, and --dry-run changes nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db

"$ADMIN" migrate --dry-run >"$TMP/dry.out" 2>&1
check "dry run lists the first migration as pending" grep -q "pending 0001_identity" "$TMP/dry.out"
check "dry run applies nothing" test "$(psql_q "SELECT count(*) FROM apconn.schema_migrations")" = 0

"$ADMIN" migrate >"$TMP/m1.out" 2>&1 &
a=$!
"$ADMIN" migrate >"$TMP/m2.out" 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
check "two concurrent runs both succeed" test "$ra$rb" = 00
n=$(cat "$TMP/m1.out" "$TMP/m2.out" | grep -c "applied 0001_identity")
check "the migration was applied exactly once" test "$n" = 1
total=$(ls "$top_srcdir"/sql/migrations/*.sql | wc -l)
check "every migration is recorded" \
    test "$(psql_q "SELECT count(*) FROM apconn.schema_migrations")" = "$total"

"$ADMIN" migrate >"$TMP/m3.out" 2>&1
check "a second run succeeds" test $? = 0
check "a second run says the schema is up to date" grep -q "up to date" "$TMP/m3.out"
check "a second run applies nothing" sh -c "! grep -q applied '$TMP/m3.out'"

DATABASE_URL="host=$TMP/nonexistent dbname=x" "$ADMIN" migrate >"$TMP/bad.out" 2>&1
check "an unreachable database fails the run" test $? = 1
check "and says it cannot connect" grep -q "cannot connect" "$TMP/bad.out"

"$ADMIN" frobnicate >/dev/null 2>&1
check "an unknown command is a usage error (64)" test $? = 64

done_testing
