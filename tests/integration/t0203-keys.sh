#!/bin/sh
# The key ring: apconn-fcgi refuses a missing or malformed APCONN_KEYS;
# rotate-keys re-seals everything online while writes go on (connection
# values, OAuth app secrets, server-held flows in progress), loses none
# of them, and reports a row it cannot open without stopping, whatever
# the length of its id; check opens every sealed value, per table; the
# Activepieces import opens both of its formats and reports bad rows.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces

K1="k1:wwbn0CJcu4fCX4mRf8iGc2dScV3ELoWCjv86WqKp3hs="
K2="k2:TIRZl9XbmrFgdWvTJ1GytvyiSWOwTu8lvJ6h4WHxt6g="

for bad in "" "k1" "k1:c2hvcnQ=" "bad kid!:$(echo "$K1" | cut -d: -f2)" "$K1,$K1"; do
	APCONN_KEYS="$bad" "$FCGI" --listen "unix:$TMP/never.sock" >"$TMP/refuse.out" 2>&1
	rc=$?
	check "apconn-fcgi refuses APCONN_KEYS='$(echo "$bad" | cut -c1-12)...' (exit 1)" test $rc = 1
	check "... without printing key material" sh -c "! grep -q wwbn0CJcu4fC '$TMP/refuse.out'"
done
check "... and says why" grep -q "APCONN_KEYS" "$TMP/refuse.out"

export APCONN_PUBLIC_URL=https://api.example.test
APCONN_KEYS="$K1" app_start 2
nginx_start
u=$(new_user rot@example.com)
k=$(new_key "$u" connections:read,connections:write)
printf 'app-secret-rot\n' | APCONN_KEYS="$K1" "$ADMIN" oauth-app set slack --client-id rot-client >/dev/null
as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"slack"}'
expect_status 200 "a server-held flow started under k1 (its verifier and secret sealed)"
state=$(jq -r .state "$TMP/body")
i=0
while [ $i -lt 20 ]; do
	as "$k" POST /api/app-connections "{\"externalId\":\"c$i\",\"displayName\":\"C$i\",\"pieceName\":\"postgres\",\"type\":\"CUSTOM_AUTH\",\"value\":{\"type\":\"CUSTOM_AUTH\",\"props\":{\"host\":\"h-0\",\"port\":1,\"password\":\"pw-$i\"}}}"
	i=$((i + 1))
done
check "20 connections sealed under k1" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE value->>'kid' = 'k1'")" = 20

# New ring: k2 active, k1 still readable.  Writes go on during the rotation.
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null
APCONN_KEYS="$K2,$K1" app_start 2
ids=$(psql_q "SELECT id FROM apconn.app_connection WHERE external_id IN ('c1','c2','c3') ORDER BY external_id")
(
	n=1
	while [ $n -le 30 ]; do
		for id in $ids; do
			curl -s -o /dev/null --unix-socket "$TMP/http.sock" -X POST \
			    -H "Authorization: Bearer $k" -H 'Content-Type: application/json' \
			    --data "{\"config\":{\"host\":\"h-$n\"}}" "http://localhost/api/app-connections/$id"
		done
		n=$((n + 1))
	done
) &
WRITER=$!
APCONN_KEYS="$K2,$K1" "$ADMIN" rotate-keys --batch 3 >"$TMP/rotate.out" 2>&1
rrc=$?
wait $WRITER
cat "$TMP/rotate.out" | tail -n 3
check "rotate-keys succeeds" test $rrc = 0
check "it reports progress by batch" test "$(grep -c '^progress:' "$TMP/rotate.out")" -ge 2
check "every value is now under k2" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE value->>'kid' <> 'k2'")" = 0
check "... the OAuth app's secret and the flow in progress too" \
    test "$(psql_q "SELECT (SELECT client_secret->>'kid' FROM apconn.oauth_app) || ' ' || (SELECT string_agg(DISTINCT sealed->>'kid', ',') FROM apconn.oauth2_state WHERE sealed IS NOT NULL)")" = "k2 k2"
check "... each table reported" sh -c "grep -q '^progress: oauth_app: ' '$TMP/rotate.out' && grep -q '^progress: oauth2_state: ' '$TMP/rotate.out'"
APCONN_KEYS="$K2" "$ADMIN" check >"$TMP/check.out" 2>&1
check "check opens every sealed value under the new ring alone, per table" \
    sh -c "grep -q '^ok   app_connection *20 sealed values open' '$TMP/check.out' && grep -q '^ok   oauth_app *1 sealed value open' '$TMP/check.out' && grep -q '^ok   oauth2_state *1 sealed value open' '$TMP/check.out'"

# With k1 retired, the OAuth app still serves the server-held flow.
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null
APCONN_KEYS="$K2" app_start 2
as "$k" POST /api/app-connections/oauth2/start '{"pieceName":"slack"}'
expect_status 200 "after k1 is retired, a server-held flow starts with the re-sealed app secret"
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null
APCONN_KEYS="$K2,$K1" app_start 2
for id in $ids; do
	as "$k" GET "/api/app-connections/$id"
	expect_json .value.props.host h-30 "the last concurrent write survived the rotation ($id)"
done
good=0
for id in $(psql_q "SELECT id FROM apconn.app_connection"); do
	as "$k" GET "/api/app-connections/$id"
	[ "$STATUS" = 200 ] && good=$((good + 1))
done
check "every value opens after the rotation" test $good = 20

# A row that does not open is reported; the rest still rotate.
bad=$(psql_q "SELECT id FROM apconn.app_connection WHERE external_id = 'c7'")
psql_q "UPDATE apconn.app_connection SET value = jsonb_set(value, '{kid}', '\"k0\"') WHERE id = '$bad';
    UPDATE apconn.app_connection SET value = jsonb_set(value, '{kid}', '\"k1\"') WHERE external_id = 'c9'" >/dev/null
APCONN_KEYS="$K2,$K1" "$ADMIN" rotate-keys >"$TMP/rotate2.out" 2>&1
check "a row that does not open fails the run (exit 1)" test $? = 1
bad2=$(psql_q "SELECT id FROM apconn.app_connection WHERE external_id = 'c9'")
check "... and is named" grep -q "failed app_connection $bad: the value does not open with key k0" "$TMP/rotate2.out"
check "the run goes on past it to the next bad row" grep -q "failed app_connection $bad2: the value does not open with key k1" "$TMP/rotate2.out"
check "... and ends with a summary" grep -q "done: 0 re-sealed under k2, 0 written meanwhile, 2 failed" "$TMP/rotate2.out"
APCONN_KEYS="$K2,$K1" "$ADMIN" check >"$TMP/check2.out" 2>&1
check "check fails on them, counting them in their table" \
    sh -c "[ $? != 0 ] && grep -q '^FAIL app_connection *18 sealed values open, 2 do not under the key ring' '$TMP/check2.out'"

# An id longer than any buffer (an import of another system's rows):
# the walk keeps its place in a copy of the whole id and ends.
long=$(printf 'x%.0s' $(seq 1 100))
psql_q "UPDATE apconn.app_connection SET id = '$long' WHERE id = '$bad'" >/dev/null
APCONN_KEYS="$K2,$K1" timeout 30 "$ADMIN" rotate-keys --batch 1 >"$TMP/rotate3.out" 2>&1
rc=$?
check "rotate-keys --batch 1 ends past a 100-character id (exit $rc)" test $rc = 1
check "... having reported it once" test "$(grep -c "failed app_connection $long:" "$TMP/rotate3.out")" = 1

# Activepieces' export: CBC and GCM values, one under another key.
AP_KEY=0123456789abcdef0123456789abcdef
node -e '
const c = require("crypto");
function cbc(key, text) { const iv = c.randomBytes(16);
  const e = c.createCipheriv("aes-256-cbc", Buffer.from(key, "binary"), iv);
  return { iv: iv.toString("hex"), data: e.update(text, "utf8", "hex") + e.final("hex") }; }
function gcm(key, text) { const iv = c.randomBytes(12);
  const e = c.createCipheriv("aes-256-gcm", Buffer.from(key, "binary"), iv);
  const data = e.update(text, "utf8", "hex") + e.final("hex");
  return { iv: iv.toString("hex"), data, authTag: e.getAuthTag().toString("hex") }; }
const k = process.argv[1], other = "ffffffffffffffffffffffffffffffff";
const v = (s) => JSON.stringify({ type: "SECRET_TEXT", secret_text: s });
console.log(JSON.stringify([
  { id: "apconnimport00000001", externalId: "ap-openai", displayName: "AP OpenAI",
    pieceName: "@activepieces/piece-openai", type: "SECRET_TEXT", status: "ACTIVE",
    created: "2025-03-01T10:00:00.000Z", value: cbc(k, v("sk-ap-cbc")) },
  { id: "apconnimport00000002", externalId: "ap-openai-2", displayName: "AP OpenAI 2",
    pieceName: "openai", type: "SECRET_TEXT", status: "ACTIVE", value: gcm(k, v("sk-ap-gcm")) },
  { id: "apconnimport00000003", externalId: "ap-bad", displayName: "Bad",
    pieceName: "openai", type: "SECRET_TEXT", value: cbc(other, v("sk-ap-other")) },
  { externalId: "no-id", displayName: "No id", pieceName: "openai", type: "SECRET_TEXT", value: {} },
  { id: "AbCdEfGhIjKlMnOpQrStU", externalId: "ap-mixed", displayName: "AP mixed case id",
    pieceName: "openai", type: "SECRET_TEXT", value: cbc(k, v("sk-ap-mixed")) },
  { id: "../bad id", externalId: "ap-bad-id", displayName: "Bad id",
    pieceName: "openai", type: "SECRET_TEXT", value: cbc(k, v("sk-ap-bad-id")) }
]));' "$AP_KEY" >"$TMP/export.json"
AP_ENCRYPTION_KEY=$AP_KEY "$ADMIN" import-activepieces --file="$TMP/export.json" --owner=rot@example.com --dry-run >"$TMP/imp0.out" 2>&1
check "a dry run imports nothing" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE id LIKE 'apconnimport%'")" = 0
AP_ENCRYPTION_KEY=$AP_KEY "$ADMIN" import-activepieces --file="$TMP/export.json" --owner=rot@example.com >"$TMP/imp1.out" 2>&1
check "an import with bad rows exits 1" test $? = 1
cat "$TMP/imp1.out"
check "it imports the CBC and the GCM rows and a mixed-case id" grep -q "done: 3 imported, 0 already there, 3 failed" "$TMP/imp1.out"
check "it refuses an id that is no id" grep -q "failed row 6 (../bad id): the id is not" "$TMP/imp1.out"
check "it names the row under another key" grep -q "failed row 3 (apconnimport00000003): the value does not open" "$TMP/imp1.out"
check "it names the row without an id" grep -q "failed row 4 (no id)" "$TMP/imp1.out"
check "ids, external ids and short piece names are kept" test \
    "$(psql_q "SELECT string_agg(id || ':' || external_id || ':' || piece_name || ':' || (value->>'kid'), ',' ORDER BY id) FROM apconn.app_connection WHERE id LIKE 'apconnimport%'")" = \
    "apconnimport00000001:ap-openai:openai:k2,apconnimport00000002:ap-openai-2:openai:k2"
check "the creation time is kept" test \
    "$(psql_q "SELECT apconn.iso(created_at) FROM apconn.app_connection WHERE id = 'apconnimport00000001'")" = "2025-03-01T10:00:00.000Z"
as "$k" GET /api/app-connections/apconnimport00000002
expect_status 200 "an imported value opens under apconn's ring"
AP_ENCRYPTION_KEY=$AP_KEY "$ADMIN" import-activepieces --file="$TMP/export.json" --owner=rot@example.com >"$TMP/imp2.out" 2>&1
check "importing again changes nothing" grep -q "done: 0 imported, 3 already there, 3 failed" "$TMP/imp2.out"
# Paging one row at a time walks past the mixed-case id.
cursor="" seen=""
for i in $(seq 1 20); do
	as "$k" GET "/api/app-connections?limit=1${cursor:+&cursor=$cursor}"
	[ "$STATUS" = 200 ] || break
	seen="$seen $(jq -r '.data[0].id' "$TMP/body")"
	cursor=$(jq -r '.next // empty' "$TMP/body")
	[ -n "$cursor" ] || break
done
check "cursor paging crosses an imported mixed-case id ($seen)" sh -c "echo '$seen' | grep -q AbCdEfGhIjKlMnOpQrStU && test '$STATUS' = 200"
check "no imported secret in the database" sh -c "! pg_dump -d '$DATABASE_URL' | grep -q sk-ap-"
AP_ENCRYPTION_KEY=short "$ADMIN" import-activepieces --file="$TMP/export.json" --owner=rot@example.com >/dev/null 2>&1
check "a malformed AP_ENCRYPTION_KEY is refused" test $? = 1

done_testing
