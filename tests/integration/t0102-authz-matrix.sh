#!/bin/sh
# Every route in the routing table (apconn-fcgi --routes) that needs a
# credential refuses a missing, malformed, unknown, revoked or expired one
# with 401, and a key without the route's scopes with 403, and never
# changes the database while refusing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
app_start 2
nginx_start

u=$(new_user dave@example.com)
revoked=$(new_key "$u" connections:read,connections:write,credentials:read,workflows:read,workflows:write,executor)
admin token revoke "$revoked" >/dev/null
expired=$(new_key "$u" connections:read,connections:write,credentials:read,workflows:read,workflows:write,executor)
psql_q "UPDATE apconn.api_keys SET expires_at = now() - interval '1 minute' WHERE id = '$(echo "$expired" | cut -c5-25)'" >/dev/null
noscope=$(new_key "$u" admin)
http POST /api/auth/anonymous
session=$(jq -r .token "$TMP/body")
psql_q "UPDATE apconn.sessions SET expires_at = now() - interval '1 minute'" >/dev/null
unknown="apk_000000000000000000000_$(echo "$revoked" | cut -c27-)"
dump() {
	pg_dump --data-only -d "$DATABASE_URL" --exclude-table=apconn.api_keys \
	    --exclude-table=apconn.sessions | grep -v '^.\(un\)*restrict' >"$1"
}
dump "$TMP/before.sql"

"$FCGI" --routes >"$TMP/routes"
n=0
while IFS='	' read -r methods pattern flags scopes; do
	case $flags in *auth,*) ;; *) continue ;; esac
	case $flags in *optauth,*) continue ;; esac
	path=$(echo "$pattern" | sed -e 's|:[a-zA-Z]*|aaaaaaaaaaaaaaaaaaaaa|g' -e 's|\*[a-zA-Z]*|x|g')
	m=$(echo "$methods" | cut -d, -f1)
	n=$((n + 1))
	body='{}'
	http "$m" "$path" "$body"
	expect_error 401 unauthorized "$m $pattern without a credential"
	for cred in "Basic Zm9vOmJhcg==" "Bearer" "Bearer $unknown" "Bearer $revoked" \
	    "Bearer $expired" "Bearer $session"; do
		http "$m" "$path" "$body" -H "Authorization: $cred"
		expect_status 401 "$m $pattern with '$(echo "$cred" | cut -c1-12)...'"
	done
	http "$m" "$path" "$body" -H "Cookie: apconn_session=$session"
	expect_status 401 "$m $pattern with an expired session cookie"
	if [ "$scopes" != 0 ]; then
		http "$m" "$path" "$body" -H "Authorization: Bearer $noscope"
		expect_error 403 insufficient_scope "$m $pattern with a key lacking its scopes"
	fi
done <"$TMP/routes"
check "the matrix covered the authenticated routes" test "$n" -ge 3
# Routes that authenticate inside their own query answer as precisely.
http GET "/api/app-connections" "" -H "Authorization: Bearer $expired"
expect_error 401 token_expired "the list tells an expired key apart"
http GET "/api/app-connections?limit=0" "" -H "Authorization: Bearer $revoked"
expect_error 401 token_revoked "a revoked key with a bad query string is refused as revoked first"
http GET "/api/app-connections" "" -H "Cookie: apconn_session=$session"
expect_error 401 token_expired "... and an expired session cookie"
dump "$TMP/after.sql"
check "no refused request changed the database" cmp -s "$TMP/before.sql" "$TMP/after.sql"
diff "$TMP/before.sql" "$TMP/after.sql" | head -n 20

# Every route that takes an id, with a second user's full-scope key
# against the first user's real connection: 404, and nothing changes.
seed_pieces
own=$(new_key "$u" connections:read,connections:write)
as "$own" POST /api/app-connections '{"externalId":"mine","displayName":"Mine","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
cid=$(jq -r .id "$TMP/body")
wkey=$(new_key "$u" workflows:read,workflows:write)
as "$wkey" POST /api/workflows/create '{"name":"Private","nodes":[],"edges":[]}'
wid=$(jq -r .id "$TMP/body")
eve=$(new_user eve@example.com)
evekey=$(new_key "$eve" connections:read,connections:write,credentials:read,workflows:read,workflows:write)
snap() {
	psql_q "SELECT md5(string_agg(id || external_id || display_name || status || value::text || updated_at::text, ',' ORDER BY id)) FROM apconn.app_connection"
	psql_q "SELECT md5(string_agg(id || name || visibility || nodes::text || updated_at::text, ',' ORDER BY id)) FROM apconn.workflows"
}
s0=$(snap)
ni=0
while IFS='	' read -r methods pattern flags scopes; do
	case $pattern in *:id*) ;; *) continue ;; esac
	case $pattern in
	/api/workflows/*) path=$(echo "$pattern" | sed "s|:id|$wid|") ;;
	*) path=$(echo "$pattern" | sed "s|:id|$cid|") ;;
	esac
	for m in $(echo "$methods" | tr -d ' ' | tr ',' ' '); do
		[ "$m" = HEAD ] && continue
		ni=$((ni + 1))
		http "$m" "$path" '{"displayName":"stolen","config":{"secret_text":"x"},"name":"stolen"}' \
		    -H "Authorization: Bearer $evekey"
		case $pattern in
		*:externalId*)
			# Credentials go only to executor keys, which are
			# deployment-wide (t0501 tests their refusals).
			expect_error 403 insufficient_scope "$m $pattern with another user's id and no executor scope" ;;
		*)
			expect_error 404 not_found "$m $pattern with another user's id" ;;
		esac
	done
done <"$TMP/routes"
check "every route with an id was tried" test "$ni" -ge 8
check "another user's requests changed nothing" test "$s0" = "$(snap)"
as "$own" GET "/api/app-connections/$cid"
expect_status 200 "the owner still reads it"

done_testing
