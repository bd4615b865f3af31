#!/bin/sh
# /api/app-connections: upsert with validation against the piece's auth
# definition, the list with filters and cursors, the secret-free single
# read, rename and flat-config updates, delete with references, and the
# sealed value at rest.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
app_start 2
nginx_start

a=$(new_user ann@example.com)
ka=$(new_key "$a" connections:read,connections:write)
ro=$(new_key "$a" connections:read)

up() { as "$ka" POST /api/app-connections "$1"; }

up '{"externalId":"openai-main","displayName":"OpenAI","pieceName":"@activepieces/piece-openai","projectId":"default","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-topsecret-1"}}'
expect_status 201 "upsert a SECRET_TEXT connection"
id1=$(jq -r .id "$TMP/body")
check "the id is 21 characters of [0-9a-z]" sh -c "echo '$id1' | grep -Eq '^[0-9a-z]{21}$'"
expect_json '[.externalId,.displayName,.pieceName,.pieceVersion,.type,.status,.scope,(.projectIds|length),.platformId,.ownerId] | map(tostring) | join(" ")' \
    "openai-main OpenAI openai 0.10.1 SECRET_TEXT ACTIVE PROJECT 0 null $a" "the connection's fields (short name, newest semver version)"
expect_json 'has("value")' false "no value in the answer"
check "createdAt is ISO 8601 with milliseconds" sh -c "jq -r .createdAt '$TMP/body' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$'"
check "the stored value is sealed (v, kid, iv, ct, tag)" test \
    "$(psql_q "SELECT concat_ws(' ', value->>'v', value->>'kid', length(decode(value->>'iv','base64')), length(decode(value->>'tag','base64'))) FROM apconn.app_connection WHERE id = '$id1'")" = "1 k2 12 16"
check "no plaintext secret in the database" sh -c "! pg_dump -d '$DATABASE_URL' | grep -q sk-topsecret"

up '{"externalId":"openai-main","displayName":"OpenAI (renamed)","pieceName":"openai","pieceVersion":"0.3.0","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-topsecret-2"}}'
expect_status 201 "a second upsert of the same externalId"
expect_json .id "$id1" "keeps the id"
expect_json .displayName "OpenAI (renamed)" "updates the name"
expect_json .pieceVersion 0.3.0 "takes the given version"
check "still one row" test "$(psql_q "SELECT count(*) FROM apconn.app_connection")" = 1

# One writer: the upsert's answer, the list's entry and the single read
# (without value and workflowIds) are the same text, compact, byte for byte.
cp "$TMP/body" "$TMP/posted"
check "the upsert's answer is compact JSON (as jq -c writes it)" \
    test "$(cat "$TMP/posted")" = "$(jq -c . "$TMP/posted")"
as "$ka" GET /api/app-connections
check "the list's entry is the upsert's answer, byte for byte" \
    test "$(jq -c '.data[0]' "$TMP/body")" = "$(cat "$TMP/posted")"
check "the list is compact JSON" test "$(cat "$TMP/body")" = "$(jq -c . "$TMP/body")"
as "$ka" GET "/api/app-connections/$id1"
check "the single read is compact JSON" test "$(cat "$TMP/body")" = "$(jq -c . "$TMP/body")"
check "the single read is the upsert's answer with value and workflowIds" \
    test "$(jq -c 'del(.value, .workflowIds)' "$TMP/body")" = "$(cat "$TMP/posted")"
as "$ka" POST "/api/app-connections/$id1" '{"metadata":{"a": [1, 2], "b": "x y"}}'
check "a rename's answer is compact, metadata included" \
    test "$(cat "$TMP/body")" = "$(jq -c . "$TMP/body")"

# Refusals, none of which changes anything.
before=$(psql_q "SELECT md5(string_agg(value::text || display_name, ',')) FROM apconn.app_connection")
for f in externalId displayName pieceName type value; do
	body=$(jq -nc --arg f "$f" '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}} | del(.[$f])')
	up "$body"
	expect_error 400 invalid_request "upsert without $f"
	expect_json .field "$f" "... names $f"
	expect_json .error "Invalid request body" "... with the original's message"
done
up '{"externalId":"x","displayName":"X","pieceName":"openai","type":"MAGIC","value":{}}'
expect_error 400 invalid_request "an unknown type"
up '{"externalId":"x","displayName":"X","pieceName":"slack","type":"CLOUD_OAUTH2","value":{"type":"CLOUD_OAUTH2"}}'
expect_error 400 unsupported_connection_type "CLOUD_OAUTH2"
up '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"BASIC_AUTH","secret_text":"s"}}'
expect_error 400 invalid_value "value.type different from type"
up '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":""}}'
expect_error 400 invalid_value "an empty secret_text"
expect_json .field value.secret_text "... names value.secret_text"
up '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":7}}'
expect_error 400 invalid_value "a numeric secret_text"
up '{"externalId":"x","displayName":"X","pieceName":"nosuchpiece","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
expect_error 400 unknown_piece "SECRET_TEXT for an unknown piece"
up '{"externalId":"x","displayName":"X","pieceName":"openai","type":"BASIC_AUTH","value":{"type":"BASIC_AUTH","username":"u","password":"p"}}'
expect_error 400 auth_type_not_offered "a type the piece does not offer"
up '{"externalId":"x","displayName":"X","pieceName":"openai","pieceVersion":"9.9.9","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
expect_error 400 unknown_version "an unknown version of a known piece"
pg='{"externalId":"db","displayName":"DB","pieceName":"postgres","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":PROPS}}'
up "$(echo "$pg" | sed 's/PROPS/{"port":5432,"password":"pw"}/')"
expect_error 400 invalid_value "CUSTOM_AUTH without a required prop"
expect_json .field value.props.host "... names value.props.host"
up "$(echo "$pg" | sed 's/PROPS/{"host":"h","port":"five","password":"pw"}/')"
expect_error 400 invalid_value "a NUMBER prop that is not a number"
up "$(echo "$pg" | sed 's/PROPS/{"host":"h","port":5432,"password":"pw","ssl":"yes"}/')"
expect_error 400 invalid_value "a CHECKBOX prop that is not a boolean"
up "$(echo "$pg" | sed 's/PROPS/{"host":"h","port":5432,"password":"pw","mode":"admin"}/')"
expect_error 400 invalid_value "a STATIC_DROPDOWN value outside its options"
expect_json .field value.props.mode "... names value.props.mode"
up '{"externalId":"x","displayName":"X","pieceName":"jira-cloud","type":"BASIC_AUTH","value":{"type":"BASIC_AUTH","username":"u"}}'
expect_error 400 invalid_value "BASIC_AUTH without a password"
up '{"externalId":"x","displayName":"X","pieceName":"slack","type":"OAUTH2","value":{"type":"OAUTH2","client_id":"c"}}'
expect_error 400 invalid_value "OAUTH2 without an access token"
up '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"},"metadata":[1]}'
expect_error 400 invalid_request "metadata that is not an object"
as "$ro" POST /api/app-connections '{"externalId":"x","displayName":"X","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
expect_error 403 insufficient_scope "upsert with a read-only key"
check "no refusal changed anything" test "$before" = \
    "$(psql_q "SELECT md5(string_agg(value::text || display_name, ',')) FROM apconn.app_connection")"

# Every type that validates.
up "$(echo "$pg" | sed 's/PROPS/{"host":"db.example","port":"5432","password":"pg-secret-pw","ssl":true,"mode":"rw","extra_token":"undeclared-secret"}/')"
expect_status 201 "a valid CUSTOM_AUTH connection"
idpg=$(jq -r .id "$TMP/body")
expect_json .metadata null "a validated CUSTOM_AUTH has no metadata mark"
up '{"externalId":"jira","displayName":"Jira","pieceName":"jira-cloud","type":"BASIC_AUTH","value":{"type":"BASIC_AUTH","username":"me@example.com","password":"jira-secret"}}'
expect_status 201 "a BASIC_AUTH connection"
up '{"externalId":"slack","displayName":"Slack","pieceName":"slack","type":"OAUTH2","value":{"type":"OAUTH2","access_token":"xoxb-secret","refresh_token":"r-secret","client_id":"cid","client_secret":"cs-secret","scope":"chat:write","data":{"authed_user":{"access_token":"xoxp-secret"}}}}'
expect_status 201 "an OAUTH2 connection with tokens"
idslack=$(jq -r .id "$TMP/body")
up '{"externalId":"web","displayName":"HTTP","pieceName":"http","type":"NO_AUTH","value":{"type":"NO_AUTH"}}'
expect_status 201 "a NO_AUTH connection for a piece without auth"
up '{"externalId":"m1","displayName":"Multi key","pieceName":"multi","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"m"}}'
expect_status 201 "the SECRET_TEXT method of a multi-auth piece"
up '{"externalId":"m2","displayName":"Multi custom","pieceName":"multi","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":{"token":"t"}}}'
expect_error 400 invalid_value "the CUSTOM_AUTH method of a multi-auth piece is validated"
expect_json .field value.props.region "... against its own props"
# The original client's integrations: CUSTOM_AUTH with its own config keys.
up '{"externalId":"openai-1700000000000-abcd1234","displayName":"My OpenAI","pieceName":"openai","projectId":"default","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":{"apiKey":"sk-legacy-secret"}}}'
expect_status 201 "a legacy CUSTOM_AUTH credential for a piece without CUSTOM_AUTH"
idleg=$(jq -r .id "$TMP/body")
expect_json .metadata.validated false "is marked unvalidated"
up '{"externalId":"db-legacy","displayName":"DB","pieceName":"database","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":{"url":"postgres://u:p@h/db"}}}'
expect_status 201 "a legacy CUSTOM_AUTH credential for an unknown piece"

# Placeholders.
up '{"externalId":"later","displayName":"Later","pieceName":"slack","type":"PLACEHOLDER","value":{}}'
expect_status 201 "a placeholder"
expect_json '.type + " " + .status' "NO_AUTH MISSING" "is stored as NO_AUTH, MISSING"
up '{"externalId":"slack","displayName":"Slack","pieceName":"slack","type":"PLACEHOLDER","value":{}}'
expect_status 201 "a placeholder over a real credential"
expect_json '.type + " " + .status' "OAUTH2 ACTIVE" "leaves the credential as it was"

# Reading one: no secret ever.
as "$ka" GET "/api/app-connections/$idslack"
expect_status 200 "GET one OAUTH2 connection"
expect_json '.value | keys | join(",")' "client_id,scope,type" "secrets, tokens and token data are left out"
check "no secret in the answer" sh -c "! grep -q secret '$TMP/body'"
as "$ka" GET "/api/app-connections/$idpg"
expect_json '.value.props | keys | join(",")' "host,mode,port,ssl" "SECRET_TEXT and undeclared props are left out"
check "... the undeclared secret appears nowhere" sh -c "! grep -q undeclared-secret '$TMP/body'"
expect_json '.value.props.host' db.example "other props are shown"
as "$ka" GET "/api/app-connections/$idleg"
expect_json '.value.props | length' 0 "every prop of a legacy credential is left out"
as "$ka" GET "/api/app-connections/$id1"
expect_json '.value | keys | join(",")' type "SECRET_TEXT shows only its type"
expect_json '.workflowIds | length' 0 "no workflow uses it yet"

# References from workflows.
psql_q "INSERT INTO apconn.workflows (id, name, user_id) VALUES ('wf1', 'One', '$a'), ('wf2', 'Two', '$a');
    INSERT INTO apconn.workflow_connection_ref (id, workflow_id, node_id, connection_external_id, owner_id)
    VALUES ('r1', 'wf1', 'n1', 'openai-main', '$a'), ('r2', 'wf2', 'n1', 'openai-main', '$a')" >/dev/null
as "$ka" GET "/api/app-connections/$id1"
expect_json '.workflowIds | sort | join(",")' wf1,wf2 "workflowIds lists the referencing workflows"

# Updates.
as "$ka" POST "/api/app-connections/$id1" '{"displayName":"Renamed","metadata":{"team":"ml"}}'
expect_status 200 "rename"
expect_json '.displayName + " " + .metadata.team' "Renamed ml" "name and metadata changed"
ct=$(psql_q "SELECT value->>'ct' FROM apconn.app_connection WHERE id = '$id1'")
as "$ka" POST "/api/app-connections/$id1" '{"displayName":"","config":{"secret_text":"sk-new"}}'
expect_status 200 "a flat config update"
expect_json .displayName Renamed "an empty displayName keeps the name"
check "the value was re-sealed" test "$ct" != "$(psql_q "SELECT value->>'ct' FROM apconn.app_connection WHERE id = '$id1'")"
as "$ka" POST "/api/app-connections/$idpg" '{"config":{"host":"db2.example","password":""}}'
expect_status 200 "a CUSTOM_AUTH config with only some fields"
as "$ka" GET "/api/app-connections/$idpg"
expect_json '.value.props | [.host, (.port|tostring), .mode] | join(" ")' "db2.example 5432 rw" "merged over the stored props"
as "$ka" POST "/api/app-connections/$idpg" '{"config":{"port":"not a number"}}'
expect_error 400 invalid_value "a config that breaks validation"
as "$ka" POST "/api/app-connections/$idpg" '{"config":{"host":{"nested":1}}}'
expect_error 400 invalid_request "a config with a nested value"
psql_q "UPDATE apconn.app_connection SET status = 'ERROR' WHERE id = '$idpg'" >/dev/null
as "$ka" POST "/api/app-connections/$idpg" '{"config":{"host":"db3.example"}}'
expect_json .status ACTIVE "a config update makes the connection ACTIVE again"

# The list.
as "$ka" GET '/api/app-connections?projectId=default&limit=1000'
expect_status 200 "list"
expect_json '.data | length' 9 "every connection"
expect_json '[.next, .previous] | map(tostring) | join(" ")' "null null" "one page: no cursors"
expect_json '[.data[] | has("value")] | any' false "no value in the list"
as "$ka" GET '/api/app-connections?pieceName=%40activepieces%2Fpiece-openai'
expect_json '[.data[].externalId] | sort | join(",")' "openai-1700000000000-abcd1234,openai-main" "pieceName filter (full name)"
as "$ka" GET '/api/app-connections?pieceName=openai'
expect_json '.data | length' 2 "pieceName filter (short name)"
as "$ka" GET '/api/app-connections?displayName=MULTI'
expect_json '.data | length' 1 "displayName filter is case-insensitive"
as "$ka" GET '/api/app-connections?status=MISSING&status=ERROR'
expect_json '[.data[].externalId] | join(",")' later "status filter (repeatable)"
as "$ka" GET '/api/app-connections?status=BROKEN'
expect_error 400 invalid_request "an unknown status"
as "$ka" GET '/api/app-connections?limit=1001'
expect_error 400 invalid_request "limit over 1000"
as "$ka" GET '/api/app-connections?cursor=n.12x.abc'
expect_error 400 invalid_request "a malformed cursor"
seen=""
cur=""
pages=0
while :; do
	as "$ka" GET "/api/app-connections?limit=2${cur:+&cursor=$cur}"
	seen="$seen $(jq -r '.data[].id' "$TMP/body" | tr '\n' ' ')"
	pages=$((pages + 1))
	cur=$(jq -r '.next // empty' "$TMP/body")
	[ -n "$cur" ] && [ $pages -lt 20 ] || break
done
check "paging by 2 takes 5 pages" test $pages = 5
check "paging visits every connection once" test "$(echo $seen | tr ' ' '\n' | sort -u | wc -l)" = 9
check "... in the same order as one page" test "$(echo $seen)" = \
    "$(as "$ka" GET '/api/app-connections?limit=100'; jq -r '.data[].id' "$TMP/body" | tr '\n' ' ' | sed 's/ $//')"
as "$ka" GET '/api/app-connections?limit=2'
p1=$(jq -r '[.data[].id] | join(",")' "$TMP/body")
as "$ka" GET "/api/app-connections?limit=2&cursor=$(jq -r .next "$TMP/body")"
as "$ka" GET "/api/app-connections?limit=2&cursor=$(jq -r .previous "$TMP/body")"
expect_json '[.data[].id] | join(",")' "$p1" "previous leads back to the first page"

# Another user's ids are 404 and change nothing.
b=$(new_user ben@example.com)
kb=$(new_key "$b" connections:read,connections:write)
snap=$(psql_q "SELECT md5(string_agg(id || value::text || display_name || status, ',' ORDER BY id)) FROM apconn.app_connection")
as "$kb" GET "/api/app-connections/$id1"
expect_error 404 not_found "another user's connection: GET"
expect_json .error "Connection not found" "... with the original's message"
as "$kb" POST "/api/app-connections/$id1" '{"displayName":"mine now"}'
expect_error 404 not_found "another user's connection: rename"
as "$kb" POST "/api/app-connections/$id1" '{"config":{"secret_text":"x"}}'
expect_error 404 not_found "another user's connection: config"
as "$kb" DELETE "/api/app-connections/$id1"
expect_error 404 not_found "another user's connection: DELETE"
as "$kb" GET '/api/app-connections'
expect_json '.data | length' 0 "another user's list is empty"
as "$kb" POST /api/app-connections '{"externalId":"openai-main","displayName":"B","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"b"}}'
expect_status 201 "the same externalId for another user is another connection"
check "another user's requests changed none of ann's rows" test "$snap" = \
    "$(psql_q "SELECT md5(string_agg(id || value::text || display_name || status, ',' ORDER BY id)) FROM apconn.app_connection WHERE owner_id = '$a'")"

# A value moved to another row does not open (AAD = the connection id).
psql_q "UPDATE apconn.app_connection SET value = (SELECT value FROM apconn.app_connection WHERE id = '$idslack') WHERE id = '$idpg'" >/dev/null
as "$ka" GET "/api/app-connections/$idpg"
expect_error 500 value_unreadable "a value copied from another row"
check "the refusal is logged without the value" grep -q "cannot be opened" "$TMP/app.log"
as "$ka" GET '/api/app-connections'
expect_status 200 "the list still works with an unreadable row"

# Concurrent upserts of one new externalId make one row.
i=0
racers=""
while [ $i -lt 10 ]; do
	curl -s -o /dev/null --unix-socket "$TMP/http.sock" -X POST -H "Authorization: Bearer $ka" \
	    -H 'Content-Type: application/json' \
	    --data "{\"externalId\":\"race\",\"displayName\":\"R$i\",\"pieceName\":\"openai\",\"type\":\"SECRET_TEXT\",\"value\":{\"type\":\"SECRET_TEXT\",\"secret_text\":\"s$i\"}}" \
	    http://localhost/api/app-connections &
	racers="$racers $!"
	i=$((i + 1))
done
wait $racers
check "10 concurrent upserts of one externalId make one row" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE external_id = 'race'")" = 1
idrace=$(psql_q "SELECT id FROM apconn.app_connection WHERE external_id = 'race'")
as "$ka" GET "/api/app-connections/$idrace"
expect_status 200 "... and its value opens"

# Delete.
as "$ka" DELETE "/api/app-connections/$id1?ifUnreferenced=true"
expect_error 409 connection_in_use "delete a referenced connection with ifUnreferenced=true"
expect_json '.workflowIds | sort | join(",")' wf1,wf2 "the 409 names the workflows"
check "it is still there" test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE id = '$id1'")" = 1
as "$ka" DELETE "/api/app-connections/$id1"
expect_status 200 "delete a referenced connection"
expect_json '.success' true "success"
expect_json '.detachedWorkflows | sort | join(",")' wf1,wf2 "the workflows that lost it"
as "$ka" GET "/api/app-connections/$id1"
expect_error 404 not_found "a deleted connection"
as "$ka" DELETE "/api/app-connections/$idleg?ifUnreferenced=true"
expect_status 200 "ifUnreferenced=true deletes an unreferenced connection"

# Bounded sizes: what a connection may store, and what a page may hold.
big=$(head -c 9000 /dev/zero | tr '\0' m)
as "$ka" POST /api/app-connections "{\"externalId\":\"meta-big\",\"displayName\":\"M\",\"pieceName\":\"openai\",\"type\":\"SECRET_TEXT\",\"value\":{\"type\":\"SECRET_TEXT\",\"secret_text\":\"s\"},\"metadata\":{\"note\":\"$big\"}}"
expect_error 400 invalid_request "metadata over 8192 bytes"
expect_json .field metadata "... named"
huge=$(head -c 70000 /dev/zero | tr '\0' v)
as "$ka" POST /api/app-connections "{\"externalId\":\"value-big\",\"displayName\":\"V\",\"pieceName\":\"openai\",\"type\":\"SECRET_TEXT\",\"value\":{\"type\":\"SECRET_TEXT\",\"secret_text\":\"$huge\"}}"
expect_error 400 invalid_value "a value over 65536 bytes"
expect_json .field value "... named"
as "$ka" POST /api/app-connections '{"externalId":"small","displayName":"S","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
sid=$(jq -r .id "$TMP/body")
as "$ka" POST "/api/app-connections/$sid" "{\"metadata\":{\"note\":\"$big\"}}"
expect_error 400 invalid_request "an update with metadata over 8192 bytes"
as "$ka" POST "/api/app-connections/$sid" "{\"config\":{\"secret_text\":\"$huge\"}}"
expect_error 400 invalid_request "an update whose config makes the value too large"
expect_json .field config "... named"
check "none of them changed anything" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE external_id IN ('meta-big', 'value-big') OR (id = '$sid' AND metadata IS NOT NULL AND metadata ? 'note')")" = 0

# Rows stored before those limits (1 MB of metadata each): a page still
# answers, and a worker's memory does not grow with what is stored.
i=0
while [ $i -lt 40 ]; do
	as "$ka" POST /api/app-connections "{\"externalId\":\"heavy-$i\",\"displayName\":\"H$i\",\"pieceName\":\"openai\",\"type\":\"SECRET_TEXT\",\"value\":{\"type\":\"SECRET_TEXT\",\"secret_text\":\"s\"}}"
	i=$((i + 1))
done
psql_q "UPDATE apconn.app_connection SET metadata = jsonb_build_object('blob', repeat('x', 1000000)) WHERE external_id LIKE 'heavy-%'" >/dev/null
hwm() {	# the largest peak resident size of the workers, in kB
	for p in $(worker_pids); do
		awk '/^VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null
	done | sort -n | tail -n 1
}
h0=$(hwm)
as "$ka" GET "/api/app-connections?limit=5"
expect_status 200 "a page over rows with 1 MB of metadata each answers"
expect_json '[.data[] | .metadata] | map(tostring) | join(",")' "null,null,null,null,null" "... leaving the oversized metadata out"
for n in 1 2 3 4; do
	as "$ka" GET "/api/app-connections?limit=1000"
done
expect_status 200 "... so does a page of 1000"
h1=$(hwm)
check "... and the workers' peak memory grew by less than 16 MB ($h0 kB, then $h1 kB)" test $((h1 - h0)) -lt 16384

done_testing
