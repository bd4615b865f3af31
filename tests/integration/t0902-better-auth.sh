#!/bin/sh
# Side by side with the original app (APCONN_AUTH=better-auth): its
# browser session cookie, signed as better-auth signs it, is accepted
# after the signature, the session's token and expiry and its user are
# checked in the original's database (read only); the user becomes the
# apconn user of the same id.  A bad signature, an expired session and
# an unknown token are each a 401.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v node >/dev/null 2>&1 || { echo "SKIP: node not installed"; exit 77; }
pg_db
migrate
seed_pieces
WB="$top_srcdir/tests/fakes/workflow-builder.js"
SECRET="better-auth-secret-for-tests-0123456789"

pg_extra_db orig
ORIG=$EXTRA_DB_URL
oq() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$ORIG" -c "$1"; }
psql -X -q -v ON_ERROR_STOP=1 -d "$ORIG" \
    -f "$top_srcdir/tests/fixtures/workflow-builder/schema.sql" >/dev/null || exit 1
U=ba0user00000000000001 V=ba0anon00000000000002
oq "INSERT INTO users (id, name, email, created_at, updated_at, is_anonymous) VALUES
    ('$U', 'Erin', 'erin@example.com', now(), now(), false),
    ('$V', 'Anonymous', 'temp@$V.com', now(), now(), true)"
# better-auth writes UTC wall-clock times into its timestamp columns.
oq "INSERT INTO sessions (id, token, user_id, expires_at, created_at, updated_at) VALUES
    ('sess-good', 'GoodToken0123456789abcdefABCDEF', '$U', (now() AT TIME ZONE 'UTC') + interval '7 days', now(), now()),
    ('sess-old', 'OldToken0123456789abcdefABCDEFG', '$U', (now() AT TIME ZONE 'UTC') - interval '1 minute', now(), now()),
    ('sess-anon', 'AnonToken0123456789abcdefABCDEF', '$V', (now() AT TIME ZONE 'UTC') + interval '1 hour', now(), now())"
orig_sum() {
	pg_dump --data-only -d "$ORIG" | grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' | md5sum
}
orig_before=$(orig_sum)

# Configuration: the mode needs its secret and the original's database.
APCONN_AUTH=better-auth "$ADMIN" user list >"$TMP/cfg1.out" 2>&1
check "better-auth mode without its secret is refused" test $? = 1
check "the message names what is missing" grep -q "BETTER_AUTH_SECRET and APCONN_BETTER_AUTH_DB" "$TMP/cfg1.out"
APCONN_AUTH=cookies "$ADMIN" user list >/dev/null 2>&1
check "an unknown APCONN_AUTH is refused" test $? = 1

export APCONN_AUTH=better-auth BETTER_AUTH_SECRET="$SECRET" APCONN_BETTER_AUTH_DB="$ORIG"
export APCONN_APP_URL=http://app.example
app_start 2
nginx_start

cookie() { node "$WB" cookie "${2:-$SECRET}" "$1"; }
good=$(cookie GoodToken0123456789abcdefABCDEF)
check "the signed cookie is URL-encoded, as better-call writes it" sh -c "echo '$good' | grep -q '%3D$'"

http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$good"
expect_status 200 "the original's session cookie lists connections"
expect_json '.data | length' 0 "an empty list for a new user"
check "the apconn user was made with the same id, address and name" test \
    "$(psql_q "SELECT email || ':' || name || ':' || is_anonymous FROM apconn.users WHERE id = '$U'")" = "erin@example.com:Erin:false"
http GET /api/app-connections "" -H "Cookie: other=1; __Secure-better-auth.session_token=$good; x=y"
expect_status 200 "the __Secure- cookie of an https deployment"
raw=$(node -e 'process.stdout.write(decodeURIComponent(process.argv[1]))' "$good")
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$raw"
expect_status 200 "an unencoded cookie value"
check "one apconn user for the two requests" test \
    "$(psql_q "SELECT count(*) FROM apconn.users WHERE id = '$U'")" = 1

# A change through the cookie passes the Origin check like apconn's own.
body='{"externalId":"erin-ai","displayName":"Erin AI","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-erin"}}'
http POST /api/app-connections "$body" -H "Cookie: better-auth.session_token=$good"
expect_error 403 origin_mismatch "a cookie change without an Origin"
http POST /api/app-connections "$body" -H "Cookie: better-auth.session_token=$good" -H "Origin: http://app.example"
expect_status 201 "a cookie change from the app's origin"
expect_json '.ownerId' "$U" "owned by the original's user id"
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$good"
expect_json '[.data[].externalId] | join(",")' "erin-ai" "and listed for that user"
http GET /api/user "" -H "Cookie: better-auth.session_token=$good"
expect_json '.id + ":" + .authenticatedBy' "$U:better-auth" "GET /api/user says how"

http GET "/api/workflows/wf-none/connections/erin-ai?executionId=e1&nodeId=n1" "" -H "Cookie: better-auth.session_token=$good"
expect_error 403 insufficient_scope "credential resolution is not a browser session's"

http POST /api/auth/logout "" -H "Cookie: better-auth.session_token=$good" -H "Origin: http://app.example"
expect_error 400 not_a_session "signing out is the original app's"

# Refusals.
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$(cookie GoodToken0123456789abcdefABCDEF another-secret)"
expect_error 401 invalid_token "a signature made with another secret"
forged=$(echo "$good" | sed 's/^GoodToken/EvilToken/')
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$forged"
expect_error 401 invalid_token "another token under a valid signature"
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$(cookie OldToken0123456789abcdefABCDEFG)"
expect_error 401 token_expired "an expired session"
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$(cookie UnknownToken0123456789abcdefABC)"
expect_error 401 invalid_token "an unknown token"
nopad=$(node -e 'const c=require("crypto");const t="GoodToken0123456789abcdefABCDEF";
process.stdout.write(t+"."+c.createHmac("sha256",process.argv[1]).update(t).digest("base64url"))' "$SECRET")
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$nopad"
expect_error 401 invalid_token "a base64url signature (not better-call's shape)"
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=GoodToken0123456789abcdefABCDEF"
expect_error 401 invalid_token "a token without a signature"
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=%zz"
expect_error 401 invalid_token "a malformed escape"
check "nothing was made for the refused requests" test \
    "$(psql_q "SELECT count(*) FROM apconn.users WHERE id <> '$U'")" = 0
http GET /api/workflows "" -H "Cookie: better-auth.session_token=$(cookie OldToken0123456789abcdefABCDEFG)"
expect_status 200 "an expired session reads as none where a session is optional"
expect_json 'length' 0 "and sees nothing"

# An anonymous better-auth user is an anonymous apconn user.
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$(cookie AnonToken0123456789abcdefABCDEF)"
expect_status 200 "an anonymous session"
check "made anonymous" test "$(psql_q "SELECT is_anonymous FROM apconn.users WHERE id = '$V'")" = t

# apconn's own credentials still work, and nothing was written there.
k=$(new_key "$U" connections:read)
as "$k" GET /api/app-connections
expect_json '.data | length' 1 "an apconn key of the same user sees the same connection"
check "the original database is unchanged" test "$(orig_sum)" = "$orig_before"

# The original's database down: 503 for its cookie, apconn's own go on.
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null
APCONN_BETTER_AUTH_DB="host=$TMP/nowhere dbname=none" app_start 2
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$good"
expect_error 503 database_unavailable "the original's database unreachable"
as "$k" GET /api/app-connections
expect_status 200 "an apconn key meanwhile"

# Without the mode the cookie is no credential.
kill "$APP_PID"; wait "$APP_PID" 2>/dev/null
APCONN_AUTH=apconn app_start 2
http GET /api/app-connections "" -H "Cookie: better-auth.session_token=$good"
expect_error 401 unauthorized "the cookie is ignored unless APCONN_AUTH=better-auth"

done_testing
