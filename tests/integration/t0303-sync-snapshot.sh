#!/bin/sh
# apconn-sync-pieces --from: the shipped catalogue snapshot
# (catalogue/pieces.json) loads every piece it holds, through the sync's
# own checks and upsert, recorded as a run; the API then lists them.  A
# directory of per-piece files loads too.  A file that is not JSON is
# refused whole, naming the file, and changes nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
SYNC="$top_builddir/apconn-sync-pieces"
SNAP="$top_srcdir/catalogue/pieces.json"
FIX="$top_srcdir/tests/fixtures/pieces"
total=$(jq length "$SNAP")
jq -r '.[].name | sub("^@activepieces/piece-"; "")' "$SNAP" | sort >"$TMP/want.names"
check "the snapshot holds pieces ($total), each once" \
    sh -c "[ '$total' -gt 50 ] && [ \"\$(sort -u '$TMP/want.names' | wc -l)\" = '$total' ]"
# The catalogue's rows, so that a refused run can be seen to change none.
catalogue() {
	psql_q "SELECT count(*) || ':' || COALESCE(md5(string_agg(name || '@' || version || ' ' || synced_at, ',' ORDER BY name, version)), '') FROM apconn.piece_metadata"
}

"$SYNC" --from="$SNAP" --dry-run >"$TMP/dry.out" 2>&1
check "--from with --dry-run succeeds" test $? = 0
check "... lists every piece it would load" test "$(grep -c '^would sync' "$TMP/dry.out")" = "$total"
check "... and stores nothing" test "$(psql_q "SELECT count(*) FROM apconn.piece_metadata")" = 0

"$SYNC" --from="$SNAP" >"$TMP/s1.out" 2>&1
rc=$?
tail -n 1 "$TMP/s1.out"
check "--from=catalogue/pieces.json succeeds" test $rc = 0
check "... inserting every piece" grep -q "^done: $total listed, $total inserted, 0 updated, 0 unchanged, 0 failed" "$TMP/s1.out"
psql_q "SELECT name FROM apconn.piece_metadata ORDER BY name" >"$TMP/got.names"
check "the catalogue then holds every piece of the snapshot, by short name" \
    cmp -s "$TMP/want.names" "$TMP/got.names"
first=$(jq -r '.[0].name' "$SNAP")
short=${first#@activepieces/piece-}
check "... in full (the snapshot's actions of $short)" test \
    "$(psql_q "SELECT count(*) FROM jsonb_object_keys((SELECT actions FROM apconn.piece_metadata WHERE name = '$short'))")" = \
    "$(jq '.[0].actions | length' "$SNAP")"
check "the load is recorded as a run of the sync, naming the snapshot" test \
    "$(psql_q "SELECT ok || ' ' || summary FROM apconn.job_runs WHERE job = 'piece_sync' ORDER BY id DESC LIMIT 1")" = \
    "true $total listed, $total inserted, 0 updated, 0 unchanged, 0 failed, $(sed -n 's/^done: .*, \([0-9.]*s\)$/\1/p' "$TMP/s1.out") (apconn-sync-pieces --from=$SNAP)"

"$SYNC" --from="$SNAP" >"$TMP/s2.out" 2>&1
check "loading it again succeeds" test $? = 0
check "... and changes nothing" grep -q "^done: $total listed, 0 inserted, 0 updated, $total unchanged, 0 failed" "$TMP/s2.out"

app_start 2
nginx_start
http GET /api/pieces
expect_status 200 "GET /api/pieces"
expect_json length "$total" "... lists every piece of the snapshot"
jq -r '.[].name' "$TMP/body" | sort >"$TMP/api.names"
check "... by the snapshot's names" cmp -s "$TMP/want.names" "$TMP/api.names"
http GET "/api/pieces/$short"
expect_json .version "$(jq -r '.[0].version' "$SNAP")" "GET /api/pieces/$short serves the snapshot's version"

# Pieces of the older shape carry their credential in their actions'
# props: the catalogue gives them that prop as their auth (0023).
http GET /api/pieces/gmail
expect_json '.auth.type + " " + .auth.tokenUrl' "OAUTH2 https://oauth2.googleapis.com/token" \
    "gmail@0.2.0 (no top-level auth) gets its actions' \"authentication\" prop as its auth"
expect_json '.actions | to_entries | map(.value.props.authentication.type) | unique | join(",")' OAUTH2 \
    "... which its actions keep"
http GET /api/pieces/stripe
expect_json '.auth.type + " " + .auth.displayName' "SECRET_TEXT API Key" \
    "stripe@0.2.0: the SECRET_TEXT prop every trigger carries (api_key)"
http GET /api/pieces/posthog
expect_json .auth null "posthog@0.2.0: a SECRET_TEXT prop only one action carries is not taken"
http GET /api/pieces/todoist
expect_json '.auth.type + " " + .auth.tokenUrl' "OAUTH2 $(jq -r '.[] | select(.name == "@activepieces/piece-todoist") | .auth.tokenUrl' "$SNAP")" \
    "a top-level auth is kept as it is"
none=$(psql_q "SELECT count(*) FROM apconn.piece_metadata WHERE auth IS NULL")
check "$none pieces of $total without an auth" test "$none" -lt 20
u=$(new_user snapshot@example.com)
k=$(new_key "$u" connections:read,connections:write)
as "$k" POST /api/app-connections '{"externalId":"st","displayName":"Stripe","pieceName":"stripe","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk_test_snapshot"}}'
expect_status 201 "a Stripe connection from the snapshot (SECRET_TEXT)"
as "$k" POST /api/app-connections '{"externalId":"gm","displayName":"Gmail","pieceName":"gmail","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"x"}}'
expect_status 400 "a Gmail connection of another type than its OAuth2 is refused"

# A directory of per-piece answers (the fixtures' full/), with --only.
psql_q "DELETE FROM apconn.piece_metadata" >/dev/null
"$SYNC" --from="$FIX/full" --only=slack,@activepieces/piece-mysql >"$TMP/d1.out" 2>&1
check "--from=DIR loads its .json files (--only slack,mysql)" \
    sh -c "[ $? = 0 ] && grep -q '^done: 2 listed, 2 inserted, 0 updated, 0 unchanged, 0 failed' '$TMP/d1.out'"
check "... at their versions" test \
    "$(psql_q "SELECT string_agg(name || '@' || version, ',' ORDER BY name) FROM apconn.piece_metadata")" = "mysql@0.2.7,slack@0.17.9"
"$SYNC" --from="$FIX/full" >"$TMP/d2.out" 2>&1
check "... and all of them without --only" \
    grep -q "^done: $(ls "$FIX/full" | wc -l) listed, $(($(ls "$FIX/full" | wc -l) - 2)) inserted, 0 updated, 2 unchanged" "$TMP/d2.out"

# Refused whole: a truncated file, a directory with one bad file.
"$SYNC" --from="$SNAP" >/dev/null 2>&1
before=$(catalogue)
runs=$(psql_q "SELECT count(*) FROM apconn.job_runs")
head -c 100000 "$SNAP" >"$TMP/broken.json"
"$SYNC" --from="$TMP/broken.json" >"$TMP/b1.out" 2>&1
rc=$?
cat "$TMP/b1.out"
check "a truncated snapshot exits 1" test $rc = 1
check "... saying which file, where, and why" \
    grep -q "^cannot read the snapshot $TMP/broken.json:[0-9]*: not JSON (it ends too soon)$" "$TMP/b1.out"
check "... storing nothing" test "$(catalogue)" = "$before"
check "... recorded as a failed run" test \
    "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE id > 0 AND NOT ok AND summary LIKE '%(the snapshot could not be read) (apconn-sync-pieces --from=$TMP/broken.json)'")" = 1
check "... and one run only" test "$(psql_q "SELECT count(*) FROM apconn.job_runs")" = $((runs + 1))
mkdir "$TMP/dir"
cp "$FIX/full/delay@0.3.26.json" "$FIX/full/openai@0.3.18.json" "$TMP/dir/"
printf '{"name": "@activepieces/piece-x", "version": ' >"$TMP/dir/x@1.0.0.json"
"$SYNC" --from="$TMP/dir" >"$TMP/b2.out" 2>&1
check "a directory with a bad file exits 1" test $? = 1
check "... naming that file" grep -q "^cannot read the snapshot $TMP/dir/x@1.0.0.json:1: not JSON" "$TMP/b2.out"
check "... storing none of the others" test "$(catalogue)" = "$before"
echo 42 >"$TMP/number.json"
"$SYNC" --from="$TMP/number.json" >"$TMP/b3.out" 2>&1
check "JSON that is not an array of pieces is refused" \
    sh -c "[ $? = 1 ] && grep -q '^cannot read the snapshot $TMP/number.json: not a JSON array of pieces$' '$TMP/b3.out'"
printf '[1, 2] x' >"$TMP/trailing.json"
"$SYNC" --from="$TMP/trailing.json" >"$TMP/b4.out" 2>&1
check "so is more after the JSON" \
    sh -c "[ $? = 1 ] && grep -q '^cannot read the snapshot $TMP/trailing.json:1: not JSON (more after the end)$' '$TMP/b4.out'"
"$SYNC" --from="$TMP/no-such.json" >"$TMP/b5.out" 2>&1
check "a missing snapshot exits 1 naming it" \
    sh -c "[ $? = 1 ] && grep -q '^cannot read the snapshot $TMP/no-such.json: No such file or directory$' '$TMP/b5.out'"
mkdir "$TMP/empty"
"$SYNC" --from="$TMP/empty" >"$TMP/b6.out" 2>&1
check "so does a directory without .json files" \
    sh -c "[ $? = 1 ] && grep -q '^cannot read the snapshot $TMP/empty: no .json files$' '$TMP/b6.out'"
check "none of these changed the catalogue" test "$(catalogue)" = "$before"

# Entries that are not pieces fail one by one, as the list's do.
psql_q "DELETE FROM apconn.piece_metadata" >/dev/null
jq '[.[0], {"name": "@activepieces/piece-nover"}, "text", .[1]]' "$SNAP" >"$TMP/odd.json"
"$SYNC" --from="$TMP/odd.json" >"$TMP/o1.out" 2>&1
check "a snapshot with entries that are not pieces exits 1" test $? = 1
check "... naming them" sh -c "grep -q '^failed entry 2: no name or version$' '$TMP/o1.out' && grep -q '^failed entry 3: no name or version$' '$TMP/o1.out'"
check "... and stores the pieces" grep -q "^done: 2 listed, 2 inserted, 0 updated, 0 unchanged, 2 failed" "$TMP/o1.out"

"$SYNC" --from="$SNAP" --base-url=http://127.0.0.1:1/api/v1 >/dev/null 2>"$TMP/u1.err"
check "--from with --base-url is a usage error" \
    sh -c "[ $? = 64 ] && grep -q -- '--from reads no API: leave out --base-url' '$TMP/u1.err'"
"$SYNC" --from= >/dev/null 2>"$TMP/u2.err"
check "--from= without a path is a usage error" \
    sh -c "[ $? = 64 ] && grep -q -- '--from: needs a file or directory' '$TMP/u2.err'"
"$SYNC" --help >"$TMP/help.out"
check "--help shows --from" grep -q -- '--from PATH' "$TMP/help.out"

done_testing
