#!/bin/sh
# apconn-sync-pieces against a local upstream serving recorded piece
# metadata (tests/fixtures/pieces): the original's flags, full metadata
# for each new piece, idempotence, and faults that fail one piece only.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
SYNC="$top_builddir/apconn-sync-pieces"
FIX="$top_srcdir/tests/fixtures/pieces"
total=$(jq length "$FIX/list.json")

# Faults: a copy of the recordings with one truncated piece, one missing,
# and one list entry without a version.
mkdir -p "$TMP/broken/full"
cp "$FIX"/full/*.json "$TMP/broken/full/"
chmod -R u+w "$TMP/broken"
head -c 200 "$FIX/full/slack@0.17.9.json" >"$TMP/broken/full/slack@0.17.9.json"
rm "$TMP/broken/full/mysql@0.2.7.json"
jq '. + [{"name":"@activepieces/piece-nover","displayName":"No version"}]' "$FIX/list.json" >"$TMP/broken/list.json"

fake_start --fixtures "$TMP/broken"
BROKEN=$FAKE_PORT
fake_start --fixtures "$FIX" --piece-delay 400
SLOW=$FAKE_PORT
fake_start --fixtures "$FIX"
export APCONN_OUTBOUND_ALLOW="127.0.0.1"
base="http://127.0.0.1:$FAKE_PORT/api/v1"

"$SYNC" --base-url="$base" --dry-run >"$TMP/dry.out" 2>&1
check "--dry-run succeeds" test $? = 0
check "... lists what it would sync" test "$(grep -c '^would sync' "$TMP/dry.out")" = "$total"
check "... and stores nothing" test "$(psql_q "SELECT count(*) FROM apconn.piece_metadata")" = 0

"$SYNC" --base-url="$base/" --api-key=k-123 >"$TMP/s1.out" 2>&1
rc=$?
tail -n 1 "$TMP/s1.out"
check "a full sync succeeds" test $rc = 0
check "... inserting every piece" grep -q "^done: $total listed, $total inserted, 0 updated, 0 unchanged, 0 failed" "$TMP/s1.out"
check "every piece is stored" test "$(psql_q "SELECT count(*) FROM apconn.piece_metadata")" = "$total"
check "pieces are stored by short name" test "$(psql_q "SELECT count(*) FROM apconn.piece_metadata WHERE name LIKE '@activepieces/%'")" = 0
check "full metadata, not the list's counts: slack has its 72 actions" \
    test "$(psql_q "SELECT count(*) FROM jsonb_object_keys((SELECT actions FROM apconn.piece_metadata WHERE name = 'slack'))")" = 72
check "an array auth is stored as an array" \
    test "$(psql_q "SELECT jsonb_typeof(auth) || ':' || jsonb_array_length(auth) FROM apconn.piece_metadata WHERE name = 'slack'")" = "array:2"
check "a piece without auth has none" \
    test "$(psql_q "SELECT auth IS NULL FROM apconn.piece_metadata WHERE name = 'delay'")" = t
check "the api-key header was sent" grep -q '"api-key":"k-123"' "$TMP/fake.log"
singles=$(grep -c '/api/v1/pieces/' "$TMP/fake.log")

"$SYNC" --base-url="$base" >"$TMP/s2.out" 2>&1
check "a second sync succeeds" test $? = 0
check "... and changes nothing" grep -q "^done: $total listed, 0 inserted, 0 updated, $total unchanged, 0 failed" "$TMP/s2.out"
check "... without fetching any piece again" test "$(grep -c '/api/v1/pieces/' "$TMP/fake.log")" = "$singles"

psql_q "DELETE FROM apconn.piece_metadata" >/dev/null
"$SYNC" --base-url="$base" --only=slack,@activepieces/piece-openai >"$TMP/s3.out" 2>&1
check "--only takes short and full names" grep -q "^done: 2 listed, 2 inserted" "$TMP/s3.out"
"$SYNC" --base-url="$base" --limit=3 >"$TMP/s4.out" 2>&1
check "--limit caps the list" grep -q "^done: 3 listed" "$TMP/s4.out"

app_start 2
nginx_start
http GET /api/pieces/openai
expect_json '.auth.props | keys | join(",")' "apiKey,apiVersion,baseUrl" "a synced piece is served in full"
http GET /api/pieces
expect_json '[.[] | select(.name == "slack") | .actions] | join(",")' 72 "and summarised with counts"

psql_q "DELETE FROM apconn.piece_metadata" >/dev/null
"$SYNC" --base-url="http://127.0.0.1:$BROKEN/api/v1" >"$TMP/s5.out" 2>&1
rc=$?
cat "$TMP/s5.out" | grep -v '^synced'
check "a sync with bad pieces exits 1" test $rc = 1
check "the truncated piece fails" grep -q "^failed slack@0.17.9: the answer is not a JSON object" "$TMP/s5.out"
check "the missing piece fails" grep -q "^failed mysql@0.2.7: HTTP 404" "$TMP/s5.out"
check "the entry without a version fails" grep -q "^failed entry $((total + 1)): no name or version" "$TMP/s5.out"
check "every other piece is stored" test "$(psql_q "SELECT count(*) FROM apconn.piece_metadata")" = $((total - 2))

"$SYNC" --base-url="http://127.0.0.1:1/api/v1" >"$TMP/s6.out" 2>&1
check "an unreachable upstream exits 1" test $? = 1
check "... saying it cannot read the list" grep -q "cannot read the piece list" "$TMP/s6.out"
APCONN_OUTBOUND_ALLOW= "$SYNC" --base-url="$base" >"$TMP/s7.out" 2>&1
check "a loopback upstream outside the allow-list is refused, naming the setting" \
    grep -q "cannot read the piece list at $base/pieces: .*not allowed.*; see APCONN_OUTBOUND_ALLOW" "$TMP/s7.out"
"$SYNC" --bogus >/dev/null 2>"$TMP/bogus.err"
check "an unknown option is a usage error (64)" test $? = 64
check "... said in one line, then where to look" test \
    "$(cat "$TMP/bogus.err")" = "apconn-sync-pieces: --bogus: unknown option
see apconn-sync-pieces --help"
"$SYNC" -h >"$TMP/help.out" 2>&1
check "-h prints the options (exit 0)" sh -c "[ $? = 0 ] && grep -q -- '--dry-run' '$TMP/help.out'"
"$SYNC" --base-url=notaurl >/dev/null 2>"$TMP/nourl.err"
check "--base-url=notaurl is a usage error saying so" \
    sh -c "[ $? = 64 ] && grep -q 'not a URL' '$TMP/nourl.err'"
"$SYNC" --base-url="http://127.0.0.1:$FAKE_PORT/status/503" >"$TMP/s9.out" 2>&1
check "an unexpected answer names its status and URL" \
    grep -q "cannot read the piece list: HTTP 404 from http://127.0.0.1:$FAKE_PORT/status/503/pieces" "$TMP/s9.out"
"$SYNC" -c "$TMP/no-such.conf" >/dev/null 2>"$TMP/noconf.err"
check "-c names the configuration file" sh -c "[ $? = 1 ] && grep -q 'no-such.conf' '$TMP/noconf.err'"
"$SYNC" --base-url "$base" --limit 3 --dry-run >"$TMP/s10.out" 2>&1
check "--limit 3 (a separate value) as --limit=3" grep -q "^dry run: 3 listed" "$TMP/s10.out"
"$SYNC" --base-url="$base" --only=slack,no-such-piece >"$TMP/s11.out" 2>&1
check "--only with a name the list lacks exits 1" test $? = 1
check "... naming it" grep -q "^--only: no piece of the list is called no-such-piece$" "$TMP/s11.out"
script -qec "'$SYNC' --base-url='$base' --dry-run" /dev/null >"$TMP/tty.out" 2>&1
check "on a terminal it shows its progress" grep -q "of $total pieces, [0-9]* s left" "$TMP/tty.out"
check "... and not when its output is a file" sh -c "! grep -q 'pieces, [0-9]* s left' '$TMP/s10.out'"

psql_q "DELETE FROM apconn.piece_metadata" >/dev/null
t0=$(date +%s%N)
"$SYNC" --base-url="http://127.0.0.1:$SLOW/api/v1" >"$TMP/s8.out" 2>&1
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "$total pieces, 400 ms each upstream: synced in $ms ms"
check "pieces are fetched several at a time ($total x 400 ms in < $((total * 400 / 3)) ms)" \
    test "$ms" -lt $((total * 400 / 3))
check "... and all stored" grep -q "^done: $total listed, $total inserted" "$TMP/s8.out"

done_testing
