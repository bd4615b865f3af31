#!/bin/sh
# Abuse: token guessing and sign-up floods meet nginx's rate limits while
# other clients are served; server-side request forgery through piece
# token URLs, credential probes and the sync base URL is refused with one
# generic error; SQL and control characters are stored as data; a forged
# line cannot be written into the logs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
F="http://127.0.0.1:$FAKE_PORT"
app_start 2 --outbound-workers 2
# One rate-limit bucket per X-Client header stands for one per address.
NGINX_LIMIT_KEY='$http_x_client' NGINX_API_RATE=20r/s NGINX_AUTH_RATE=2r/s nginx_start

u=$(new_user ada@example.com)
k=$(new_key "$u" connections:read,connections:write)

# Guessing tokens: past the burst, 429; another client is not slowed.
t0=$(date +%s.%N)
seq 1 400 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    --unix-socket "$TMP/http.sock" -H "X-Client: mallory" \
    -H "Authorization: Bearer apk_aaaaaaaaaaaaaaaaaaaa{}_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" \
    http://localhost/api/app-connections >"$TMP/guesses"
n429=$(grep -c '^429$' "$TMP/guesses")
n401=$(grep -c '^401$' "$TMP/guesses")
# The limit lets the burst (200) and 20 a second through, no more.
allowed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", 200 + 20 * (b - a) + 5 }')
check "a token guesser is cut off by the rate limit ($n429 x 429, $n401 x 401, at most $allowed let through)" \
    test "$n429" -gt 0 -a "$n401" -le "$allowed"
check "... and was answered nothing but 401 and 429" test $((n429 + n401)) = 400
as "$k" GET /api/app-connections "" -H "X-Client: ada"
expect_status 200 "another client is served meanwhile"
mkdir "$TMP/burst"
seq 1 300 | xargs -P 8 -I{} curl -s -o "$TMP/burst/{}" -w '%{http_code} {}\n' \
    --unix-socket "$TMP/http.sock" -H "X-Client: mallory" -H "Authorization: Bearer $k" \
    http://localhost/api/app-connections >"$TMP/burst.codes"
limited=$(awk '$1 == 429 {print $2; exit}' "$TMP/burst.codes")
check "the guesser's own valid key waits too" test -n "$limited"
check "... with a JSON 429" sh -c "jq -e '.code == \"rate_limited\"' '$TMP/burst/$limited' >/dev/null"
seq 1 60 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    --unix-socket "$TMP/http.sock" -X POST -H "X-Client: flood" \
    http://localhost/api/auth/anonymous >"$TMP/signups"
check "a sign-up flood meets the tighter auth limit" test "$(grep -c '^429$' "$TMP/signups")" -gt 20
check "... after creating no more users than the burst allows" \
    test "$(psql_q "SELECT count(*) FROM apconn.users WHERE is_anonymous")" -le 25

# Server-side request forgery: every internal or odd destination is
# refused before a byte is sent, with one generic message.
targets="http://169.254.169.254/latest/meta-data/ http://10.1.2.3/ http://127.0.0.1:1/ http://[::1]:$FAKE_PORT/ok
 http://0x7f.1:$FAKE_PORT/ok http://2130706433:$FAKE_PORT/ok http://[::ffff:127.0.0.1]:$FAKE_PORT/ok
 file:///etc/passwd gopher://127.0.0.1:70/ ftp://127.0.0.1/ http://localhost:1/"
i=0
for t in $targets; do
	i=$((i + 1))
	psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
	    ('s$i', 'ssrf$i', '1.0.0', 'S', '{\"type\":\"OAUTH2\",\"authUrl\":\"https://p/a\",\"tokenUrl\":\"$t\",\"scope\":[]}');
	    INSERT INTO apconn.piece_auth_probe (piece_name, auth_type, method, url) VALUES ('openai', 'SECRET_TEXT', 'GET', '$t')
	    ON CONFLICT (piece_name, auth_type) DO UPDATE SET url = EXCLUDED.url" >/dev/null
	as "$k" POST /api/app-connections "{\"externalId\":\"s$i\",\"displayName\":\"S\",\"pieceName\":\"ssrf$i\",\"type\":\"OAUTH2\",\"value\":{\"type\":\"OAUTH2\",\"code\":\"good-code\",\"client_id\":\"c\",\"client_secret\":\"s\",\"redirect_url\":\"https://x/cb\"}}"
	echo "$STATUS $(jq -c '[.code, .error]' "$TMP/body")" >>"$TMP/ssrf.token"
	echo "$t $STATUS $(jq -c '[.code, .error]' "$TMP/body")" >>"$TMP/ssrf.token.all"
	as "$k" POST /api/app-connections/test '{"pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-x"}}'
	echo "$STATUS $(jq -c '[.status, .message]' "$TMP/body")" >>"$TMP/ssrf.probe"
	echo "$t $STATUS $(jq -c '[.status, .message]' "$TMP/body")" >>"$TMP/ssrf.probe.all"
	"$top_builddir/apconn-sync-pieces" --base-url="$t" >"$TMP/sync.out" 2>&1
	echo "$? $(grep -o -e 'not allowed' -e 'not a URL' "$TMP/sync.out" | head -n 1)" >>"$TMP/ssrf.sync"
	echo "$t: $(tail -n 3 "$TMP/sync.out" | tr '\n' ' ')" >>"$TMP/ssrf.sync.all"
done
check "token URLs: $i targets, one answer ($(sort -u "$TMP/ssrf.token" | head -c 200))" \
    test "$(sort -u "$TMP/ssrf.token" | wc -l)" = 1
check "... a refusal" sh -c "! grep -q '^2' '$TMP/ssrf.token'"
check "probe URLs: one answer ($(sort -u "$TMP/ssrf.probe" | head -c 200))" \
    test "$(sort -u "$TMP/ssrf.probe" | wc -l)" = 1
check "... an error" grep -q '"error"' "$TMP/ssrf.probe"
check "sync base URLs: every run fails, saying why ($(sort -u "$TMP/ssrf.sync" | tr '\n' ' '))" \
    test -z "$(sort -u "$TMP/ssrf.sync" | grep -v -x -e '1 not allowed' -e '64 not a URL')"
check "no connection was stored through a refused token URL" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE external_id LIKE 's%'")" = 0
check "nothing reached the allowed server through a forged name" \
    sh -c "! grep -q 'GET /ok' '$TMP/fake.log'"

# A redirect to an internal host, a body over the cap, a server that
# never answers: refused, cut off, timed out.
for path in "redirect?to=http://169.254.169.254/" "big?bytes=300000" "hang"; do
	psql_q "UPDATE apconn.piece_auth_probe SET url = '$F/$path' WHERE piece_name = 'openai'" >/dev/null
	t0=$(date +%s)
	as "$k" POST /api/app-connections/test '{"pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-x"}}'
	t1=$(date +%s)
	expect_json .status error "a probe to /$path fails"
	check "... within its timeout ($((t1 - t0)) s)" test $((t1 - t0)) -lt 15
done

# SQL and control characters are data.
evil="x'); DROP TABLE apconn.users; --\" \\\\ \\u0001 <script>"
body=$(jq -nc --arg e "$evil" '{externalId:"evil", displayName:$e, pieceName:"openai", type:"SECRET_TEXT", value:{type:"SECRET_TEXT", secret_text:$e}}')
as "$k" POST /api/app-connections "$body"
expect_status 201 "an upsert full of SQL and control characters"
expect_json .displayName "$(printf '%s' "$evil" | jq -Rr 'fromjson? // .' 2>/dev/null || printf '%s' "$evil")" "... stored and answered as data"
check "the users table is still there" test "$(psql_q "SELECT count(*) > 0 FROM apconn.users")" = t
as "$k" GET "/api/app-connections?displayName=%27%3B%20DROP%20TABLE%20x%3B%20--&pieceName=%27%20OR%201%3D1%20--"
expect_json '.data | length' 0 "filters with SQL in them match nothing"

# A forged log line: encoded CR/LF in the path and in headers.
http GET "/api/pieces/x%0d%0aFORGED%20200%20OK" "" -H "X-Client: logs"
http GET /api/health "" -H "X-Client: logs" -H "Referer: a%0aFORGED" -H "User-Agent: FORGED\\nline"
check "no forged line in the app log" sh -c "! grep -q '^FORGED' '$TMP/app.log'"
check "no forged line in nginx's log" sh -c "! grep -q '^FORGED' '$TMP/nginx-access.log'"
check "the path was logged escaped" grep -qF 'x\r\nFORGED' "$TMP/app.log"

done_testing
