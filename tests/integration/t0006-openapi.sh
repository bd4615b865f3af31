#!/bin/sh
# openapi.yaml is a valid OpenAPI document (swagger-cli, and redocly's
# recommended rules, pinned by tests/browser/package-lock.json), describes
# every route of the routing table with each of its methods, and names no
# path the table lacks; the answer check of every test refuses what it
# does not declare.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

spec="$top_srcdir/openapi.yaml"
"$FCGI" --routes >"$TMP/routes"
# "path method" pairs from the spec: paths at two spaces, methods at four.
awk '/^paths:/ { p = 1; next }
    p && /^  \/[^ ]*:$/ { path = $1; sub(/:$/, "", path); next }
    p && /^    (get|head|post|put|patch|delete|options):/ {
	m = $1; sub(/:$/, "", m); print path, toupper(m) }
    p && /^[^ ]/ { p = 0 }' "$spec" | sort >"$TMP/spec"
check "the spec lists paths" test -s "$TMP/spec"

while IFS='	' read -r methods pattern flags scopes; do
	path=$(echo "$pattern" | sed -e 's|:\([a-zA-Z]*\)|{\1}|g' -e 's|\*\([a-zA-Z]*\)|{\1}|g')
	for m in $(echo "$methods" | tr -d ' ' | tr ',' ' '); do
		echo "$path $m"
	done
done <"$TMP/routes" | sort >"$TMP/table"

comm -23 "$TMP/table" "$TMP/spec" >"$TMP/missing"
comm -13 "$TMP/table" "$TMP/spec" >"$TMP/extra"
check "every route of the table is in openapi.yaml" test ! -s "$TMP/missing"
cat "$TMP/missing"
check "openapi.yaml names no route the table lacks" test ! -s "$TMP/extra"
cat "$TMP/extra"

cli="${APCONN_BROWSER_MODULES:-$top_srcdir/tests/browser/node_modules}/.bin/swagger-cli"
if [ -x "$cli" ]; then
	"$cli" validate "$spec" >"$TMP/validate.out" 2>&1
	check "swagger-cli validates openapi.yaml ($(head -c 300 "$TMP/validate.out"))" test $? = 0
else
	fail "swagger-cli is not installed (npm ci in tests/browser; scripts/test does it)"
fi

redocly="${APCONN_BROWSER_MODULES:-$top_srcdir/tests/browser/node_modules}/.bin/redocly"
if [ -x "$redocly" ]; then
	"$redocly" lint --format=stylish "$spec" >"$TMP/lint.out" 2>&1
	rc=$?
	check "redocly lint (recommended rules) finds no error in openapi.yaml" test $rc = 0
	check "redocly lint finds no warning in openapi.yaml" sh -c "! grep -Eqi 'warning' '$TMP/lint.out'"
	grep -Ei -A3 'error|warning' "$TMP/lint.out" | grep -v Deprecation | head -n 20
else
	fail "redocly is not installed (npm ci in tests/browser; scripts/test does it)"
fi

# The answer check every test ends with (tests/integration/answers.js)
# refuses what openapi.yaml does not declare.
nm="${APCONN_BROWSER_MODULES:-$top_srcdir/tests/browser/node_modules}"
judge() {	# judge WANT(0|1) METHOD PATH STATUS BODY DESCRIPTION
	rm -rf "$TMP/judge"
	mkdir "$TMP/judge"
	printf '%s' "$5" >"$TMP/judge/a"
	printf 'a\t%s\t%s\t%s\tapplication/json\n' "$2" "$3" "$4" >"$TMP/judge/index"
	NODE_PATH="$nm" node "$top_srcdir/tests/integration/answers.js" "$spec" \
	    "$TMP/judge" >"$TMP/judge.out" 2>&1
	check "$6 ($(head -c 200 "$TMP/judge.out"))" test $? = "$1"
}
conn='{"id":"abcdefghijklmnopqrstu","externalId":"e","displayName":"d","pieceName":"openai","pieceVersion":"0.3.0","type":"SECRET_TEXT","status":"ACTIVE","statusReason":null,"statusAt":null,"scope":"PROJECT","projectIds":[],"platformId":null,"ownerId":"o","metadata":null,"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"}'
judge 0 POST /api/app-connections 201 "$conn" "a declared answer passes"
judge 1 POST /api/app-connections 201 "${conn%\}},\"value\":{}}" "a field the description lacks fails"
judge 1 POST /api/app-connections 201 "$(echo "$conn" | jq 'del(.ownerId)' -c)" "a required field missing fails"
judge 1 POST /api/app-connections 202 "$conn" "an undeclared status fails"
judge 1 POST /api/app-connections 201 "$(echo "$conn" | jq .)" "JSON not written compactly fails"
judge 1 GET /api/nope 200 '{}' "an /api/ path the description lacks fails"
judge 0 GET /api/nope 404 '{"error":"Not found","code":"not_found"}' "an unknown path's 404 error passes"

done_testing
