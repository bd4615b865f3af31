#!/bin/sh
# The original workflow builder's browser client against apconn: its
# calls replayed request by request (tests/integration/contract-client.js,
# written from its lib/api-client.ts at af0127ce) with the browser's
# headers, once with apconn's own session cookie (apconn alone) and once
# with the original's better-auth cookie (apconn beside the original
# app), every answer checked for the fields and types the client reads.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v node >/dev/null 2>&1 || { echo "SKIP: node not installed"; exit 77; }
pg_db
migrate
seed_pieces
psql_q "UPDATE apconn.piece_metadata SET categories = '{ARTIFICIAL_INTELLIGENCE}' WHERE name = 'openai'" >/dev/null
WB="$top_srcdir/tests/fakes/workflow-builder.js"
SECRET="contract-better-auth-secret-0123456789"

# The original's database, for the better-auth session.
pg_extra_db orig
ORIG=$EXTRA_DB_URL
psql -X -q -v ON_ERROR_STOP=1 -d "$ORIG" \
    -f "$top_srcdir/tests/fixtures/workflow-builder/schema.sql" >/dev/null || exit 1
U=contract0user00000001
psql -X -q -v ON_ERROR_STOP=1 -d "$ORIG" -c "
    INSERT INTO users (id, name, email, created_at, updated_at) VALUES ('$U', 'Casey', 'casey@example.com', now(), now());
    INSERT INTO sessions (id, token, user_id, expires_at, created_at, updated_at) VALUES
	('s1', 'ContractToken0123456789abcdefAB', '$U', (now() AT TIME ZONE 'UTC') + interval '1 day', now(), now())" >/dev/null

# A provider for the OAuth2 flow.
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '1.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"https://acme.example/authorize\",\"tokenUrl\":\"http://127.0.0.1:$FAKE_PORT/oauth/token\",\"scope\":[],\"pkce\":true}')" >/dev/null

export APCONN_AUTH=better-auth BETTER_AUTH_SECRET="$SECRET" APCONN_BETTER_AUTH_DB="$ORIG"
export APCONN_APP_URL=http://app.example
app_start 2 --outbound-workers 2
nginx_start

# Another user's connection, for the workflow refusal.
other=$(new_user other@example.com)
ko=$(new_key "$other" connections:read,connections:write)
as "$ko" POST /api/app-connections '{"externalId":"theirs","displayName":"Theirs","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-theirs"}}'
expect_status 201 "another user's connection"
foreign=$(jq -r .id "$TMP/body")

replay() {	# replay LABEL COOKIE
	CONTRACT_COOKIE=$2 CONTRACT_ORIGIN=http://app.example CONTRACT_FOREIGN_ID=$foreign \
	    node "$top_srcdir/tests/integration/contract-client.js" \
	    "http://127.0.0.1:$HTTP_PORT" >"$TMP/replay-$1.out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "$1: ${line#ok - }" ;;
		"not ok - "*) fail "$1: ${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done <"$TMP/replay-$1.out"
	check "$1: the replay ran to its end" test $rc = 0
}

# apconn alone: the session of POST /api/auth/anonymous, in its cookie.
http POST /api/auth/anonymous
expect_status 201 "an anonymous session"
tok=$(jq -r .token "$TMP/body")
replay apconn "apconn_session=$tok"

# Beside the original app: its better-auth session cookie.
replay better-auth "better-auth.session_token=$(node "$WB" cookie "$SECRET" ContractToken0123456789abcdefAB)"

done_testing
