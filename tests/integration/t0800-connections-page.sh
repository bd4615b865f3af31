#!/bin/sh
# The connections page (web/connections/) in a real headless browser:
# Debian's chromium driven by puppeteer-core (tests/browser), against
# nginx, the workers, PostgreSQL and the fake upstream (the OAuth2
# provider and the credential probe).  The scenarios, each with a
# screenshot, are in tests/browser/connections-page.js; this script sets
# the stage, runs them, and checks what the browser cannot see (logs).
#   APCONN_BROWSER_MODULES  a node_modules holding puppeteer-core (else
#                           npm ci from tests/browser into the test's
#                           directory)
#   APCONN_SHOTS            where the screenshots go (else $TMP/screenshots,
#                           kept with APCONN_KEEP_TMP=1)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	echo "SKIP: $CHROMIUM not installed (Debian package chromium)"
	exit 77
fi
command -v node >/dev/null 2>&1 || { echo "SKIP: node not installed"; exit 77; }

# Chromium, npm and node write under HOME and XDG directories: the
# test's own, whoever runs it.
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" \
    XDG_CACHE_HOME="$TMP/home/.cache"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"

mods=${APCONN_BROWSER_MODULES:-}
if [ -z "$mods" ] || [ ! -d "$mods/puppeteer-core" ]; then
	command -v npm >/dev/null 2>&1 || { echo "SKIP: npm not installed"; exit 77; }
	mkdir -p "$TMP/browser"
	cp "$top_srcdir/tests/browser/package.json" \
	    "$top_srcdir/tests/browser/package-lock.json" "$TMP/browser/"
	# puppeteer-core downloads no browser; the variables make sure.
	(cd "$TMP/browser" && PUPPETEER_SKIP_DOWNLOAD=1 \
	    PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 npm_config_cache="$TMP/npm-cache" \
	    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
	    >"$TMP/npm.log" 2>&1 || { echo "npm ci failed"; cat "$TMP/npm.log"; exit 1; }
	mods="$TMP/browser/node_modules"
fi
SHOTS=${APCONN_SHOTS:-$TMP/screenshots}
mkdir -p "$SHOTS"

# browser PHASE: runs the scenarios of tests/browser/connections-page.js
# for PHASE (main, or empty-catalogue); its checks count as this test's.
browser() {
	NODE_PATH="$mods" APCONN_URL="$BASE" APCONN_TOKEN="${key:-}" \
	    APCONN_SHOTS="$SHOTS" APCONN_PHASE="$1" CHROMIUM="$CHROMIUM" \
	    node "$top_srcdir/tests/browser/connections-page.js" \
	    >"$TMP/browser-$1.out" 2>"$TMP/browser-$1.log"
	brc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "browser: ${line#ok * - }" ;;
		"not ok "*) fail "browser: ${line#not ok * - }" ;;
		*) echo "# $line" ;;
		esac
	done <"$TMP/browser-$1.out"
	check "the browser scenarios ($1) exit 0" test "$brc" = 0
	[ "$brc" = 0 ] || tail -n 20 "$TMP/browser-$1.log"
}

pg_db
migrate
fake_start
F="http://127.0.0.1:$FAKE_PORT"

# nginx first: its port makes the origin the workers must know.
nginx_start
BASE="http://127.0.0.1:$HTTP_PORT"
export APCONN_PUBLIC_URL="$BASE" APCONN_APP_URL="$BASE/connections/"
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
app_start 2

# Before any piece is synced: what a new deployment shows.
check "the catalogue starts empty" test "$(psql_q "SELECT count(*) FROM apconn.piece_metadata")" = 0
browser empty-catalogue

seed_pieces
# Two OAuth2 pieces whose provider is the fake: one approves, one denies.
# The openai SECRET_TEXT probe asks the fake whether the key is good.
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, categories, auth) VALUES
    ('w1', 'acme', '1.0.0', 'Acme', '{PRODUCTIVITY}', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[\"read\"],\"pkce\":true,\"required\":true}'),
    ('w2', 'denied', '1.0.0', 'Denied', '{PRODUCTIVITY}', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize?deny=access_denied\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[],\"required\":true}');
    UPDATE apconn.piece_metadata SET categories = '{ARTIFICIAL_INTELLIGENCE}' WHERE name = 'openai';
    UPDATE apconn.piece_metadata SET categories = '{DEVELOPER_TOOLS}' WHERE name = 'postgres';
    INSERT INTO apconn.piece_auth_probe (piece_name, auth_type, method, url, headers, expected_status)
    VALUES ('openai', 'SECRET_TEXT', 'GET', '$F/whoami', '{\"Authorization\":\"Bearer {{secret_text}}\"}', 200)" >/dev/null
printf 'acme-app-secret\n' | admin oauth-app set acme --client-id acme-client >/dev/null

kim=$(new_user kim@example.com)
key=$(new_key "$kim" 'connections:*,workflows:*')

http GET /connections
expect_status 301 "/connections redirects"
check "... to /connections/" sh -c "grep -qi '^Location: .*/connections/' '$TMP/headers'"
http GET /connections/
expect_status 200 "the page is served"
check "as HTML" sh -c "grep -qi '^Content-Type: text/html' '$TMP/headers'"
check "with its own Content-Security-Policy" sh -c \
    "grep -i '^Content-Security-Policy:' '$TMP/headers' | grep -q \"default-src 'self'\""
check "never framed" sh -c "grep -i '^Content-Security-Policy:' '$TMP/headers' | grep -q \"frame-ancestors 'none'\" && grep -qi '^X-Frame-Options: DENY' '$TMP/headers'"
http GET /connections/main.js
expect_status 200 "its script is served"
check "as JavaScript" sh -c "grep -qi '^Content-Type: application/javascript' '$TMP/headers'"
http GET /api/health
check "the API keeps its own policy" sh -c "grep -i '^Content-Security-Policy:' '$TMP/headers' | grep -q \"default-src 'none'\""
check "no page script uses innerHTML, outerHTML, insertAdjacentHTML, document.write or eval" \
    sh -c "! grep -n -E 'innerHTML|outerHTML|insertAdjacentHTML|document\\.write|eval\\(|new Function' '$top_srcdir'/web/connections/*.js"
check "no page script touches localStorage or sessionStorage" \
    sh -c "! grep -n -E 'localStorage|sessionStorage|indexedDB' '$top_srcdir'/web/connections/*.js"
check "the HTML has no inline script, style or event handler" \
    sh -c "! grep -n -i -E '<script>|<script [^>]*>[^<]|<style|style=| on[a-z]+=' '$top_srcdir/web/connections/index.html'"

browser main
nshots=$(ls "$SHOTS"/*.png 2>/dev/null | wc -l)
check "each scenario saved a screenshot ($nshots in $SHOTS)" test "$nshots" -ge 17

check "the OAuth2 flow went through the provider's authorize page" \
    grep -q '"url":"/authorize?' "$TMP/fake.log"
check "the code was exchanged with the server's OAuth app" sh -c \
    "grep '\"/oauth/token\"' '$TMP/fake.log' | grep -q 'client_id=acme-client'"
check "the key the page saved reached the probe" \
    grep -q 'Bearer sk-good-4f7c1e9a2b' "$TMP/fake.log"
check "... and so did the key an update of an ACTIVE connection gave" \
    grep -q 'Bearer sk-good-rotated-6e2d90' "$TMP/fake.log"
check "no secret typed in the page reached a log" sh -c \
    "! grep -q -e sk-good-4f7c1e9a2b -e sk-good-rotated-6e2d90 -e sk-revoked-0d3b55 -e pg-pass-81c2a7 -e my-secret -e '$(echo "$key" | cut -c27-)' '$TMP/app.log' '$TMP/nginx-access.log' '$TMP/nginx-error.log'"
check "the database holds no secret in clear" sh -c \
    "! pg_dump -d '$DATABASE_URL' | grep -q -e sk-good-4f7c1e9a2b -e sk-good-rotated-6e2d90 -e pg-pass-81c2a7"
check "the sessions the page made are in the database" test \
    "$(psql_q "SELECT count(*) FROM apconn.sessions")" -ge 2
check "the token's session names its key" test \
    "$(psql_q "SELECT count(*) FROM apconn.sessions WHERE api_key_id = '$(echo "$key" | cut -c5-25)'")" -ge 1

done_testing
