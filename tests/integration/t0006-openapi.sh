#!/bin/sh
# openapi.yaml is a valid OpenAPI document (swagger-cli, pinned by
# tests/browser/package-lock.json), describes every route of the routing
# table with each of its methods, and names no path the table lacks.
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

done_testing
