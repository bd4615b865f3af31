#!/bin/sh
# /api/workflows in the original's shapes, and the references every save
# rewrites: which workflows use a connection is always current.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
app_start 2
nginx_start

a=$(new_user wendy@example.com)
ka=$(new_key "$a" connections:read,connections:write,workflows:read,workflows:write)
bob=$(new_user other@example.com)
kb=$(new_key "$bob" connections:read,connections:write,workflows:read,workflows:write)
as "$ka" POST /api/app-connections '{"externalId":"slack-main","displayName":"S","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"s"}}'
ca=$(jq -r .id "$TMP/body")
as "$kb" POST /api/app-connections '{"externalId":"bobs-only","displayName":"B","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"b"}}'
cb=$(jq -r .id "$TMP/body")

http GET /api/workflows
expect_status 200 "the list without a credential"
expect_json 'length' 0 "... is empty"
as "$ka" POST /api/workflows/create '{"name":"","nodes":[],"edges":[]}'
expect_error 400 invalid_request "create without a name"
expect_json .error "Name, nodes, and edges are required" "... with the original's message"
as "$ka" POST /api/workflows/create '{"name":"Untitled Workflow","nodes":[],"edges":[]}'
expect_status 200 "create answers 200"
expect_json .name "Untitled 1" "'Untitled Workflow' becomes 'Untitled N'"
expect_json '.nodes[0] | [.type, .data.config.triggerType, .data.status] | join(" ")' "trigger Manual idle" "empty nodes get a trigger"
expect_json 'has("isOwner")' false "create has no isOwner"
expect_json 'keys | join(",")' "createdAt,daprOrchestratorUrl,daprWorkflowName,description,edges,engineType,id,name,nodes,updatedAt,userId,visibility" \
    "the original's row"

nodes="[{\"id\":\"n1\",\"type\":\"action\",\"data\":{\"label\":\"Send\",\"config\":{\"actionType\":\"openai/ask\",\"integrationId\":\"$ca\",\"auth\":\"{{connections['slack-main']}}\"}}},
  {\"id\":\"n2\",\"type\":\"action\",\"data\":{\"label\":\"Legacy\",\"auth\":\"{{connections.slack-main}}\"}},
  {\"id\":\"n3\",\"type\":\"action\",\"data\":{\"label\":\"Guess\",\"config\":{\"auth\":\"{{connections[\\\"bobs-only\\\"]}}\"}}}]"
as "$ka" POST /api/workflows "{\"name\":\"Flow\",\"description\":\"d\",\"nodes\":$nodes,\"edges\":[{\"id\":\"e1\",\"source\":\"n1\",\"target\":\"n2\"}]}"
expect_status 200 "create with connection references"
wf=$(jq -r .id "$TMP/body")
as "$ka" GET "/api/app-connections/$ca"
expect_json '.workflowIds | join(",")' "$wf" "the save recorded which workflow uses the connection"
check "the references name each node" test \
    "$(psql_q "SELECT string_agg(node_id || ':' || connection_external_id || ':' || piece_name, ',' ORDER BY node_id) FROM apconn.workflow_connection_ref WHERE workflow_id = '$wf'")" = \
    "n1:slack-main:openai,n2:slack-main:,n3:bobs-only:"
check "another user's external id neither blocked the save nor gained a reference" \
    test "$(psql_q "SELECT count(*) FROM apconn.workflow_connection_ref WHERE owner_id = '$bob'")" = 0
as "$kb" GET "/api/app-connections/$cb"
expect_json '.workflowIds | length' 0 "... and it shows no workflow of someone else"

foreign="[{\"id\":\"x\",\"data\":{\"config\":{\"integrationId\":\"$cb\"}}}]"
as "$ka" POST /api/workflows/create "{\"name\":\"Steal\",\"nodes\":$foreign,\"edges\":[]}"
expect_error 403 invalid_integration_references "another user's integrationId"
expect_json .error "Invalid integration references in workflow" "... with the original's message"
as "$ka" POST /api/workflows/create "{\"name\":\"Steal\",\"nodes\":[{\"id\":\"x\",\"data\":{\"integrationId\":\"$cb\"}}],\"edges\":[]}"
expect_error 403 invalid_integration_references "... also in data.integrationId"
check "nothing was created" test "$(psql_q "SELECT count(*) FROM apconn.workflows WHERE name = 'Steal'")" = 0

as "$ka" GET /api/workflows
expect_json 'length' 2 "the owner's list"
as "$ka" GET "/api/workflows/$wf"
expect_json .isOwner true "the owner reads it, isOwner"
expect_json '.nodes[0].data.config.integrationId' "$ca" "... with its references"
as "$kb" GET "/api/workflows/$wf"
expect_error 404 not_found "another user's private workflow"
narrow=$(new_key "$a" connections:read)
as "$narrow" GET /api/workflows
expect_json 'length' 0 "a key without workflows:read lists nothing"
as "$narrow" GET "/api/workflows/$wf"
expect_error 404 not_found "... and reads no private workflow, even its owner's"
expect_json .error "Workflow not found" "... with the original's message"
as "$ka" PATCH "/api/workflows/$wf" '{"visibility":"shared"}'
expect_error 400 invalid_request "an unknown visibility"
expect_json .error "Invalid visibility value. Must be 'private' or 'public'" "... with the original's message"
as "$ka" PATCH "/api/workflows/$wf" '{"visibility":"public"}'
expect_json '[.visibility, (.isOwner|tostring)] | join(" ")' "public true" "PATCH makes it public"
http GET "/api/workflows/$wf"
expect_status 200 "a public workflow without a credential"
expect_json .isOwner false "... isOwner false"
expect_json '[.nodes[] | .data | (has("integrationId") or has("auth") or ((.config // {}) | has("integrationId") or has("auth")))] | any' \
    false "... with every integrationId and auth stripped"
expect_json '.nodes[0].data.config.actionType' openai/ask "... and the rest kept"
as "$kb" PATCH "/api/workflows/$wf" '{"name":"mine"}'
expect_error 404 not_found "another user cannot patch it"
as "$ka" PATCH "/api/workflows/$wf" "{\"nodes\":$foreign}"
expect_error 403 invalid_integration_references "a patch with another user's integrationId"
as "$ka" PATCH "/api/workflows/$wf" '{"nodes":[{"id":"n1","data":{"config":{"actionType":"openai/ask"}}}]}'
expect_status 200 "a patch that clears the references"
as "$ka" GET "/api/app-connections/$ca"
expect_json '.workflowIds | length' 0 "the references follow the save"

as "$ka" PATCH "/api/workflows/$wf" "{\"nodes\":$nodes}"

# Duplicate, as the original.
as "$ka" POST "/api/workflows/$wf/duplicate"
expect_status 200 "duplicate answers 200"
expect_json '[.name, .visibility, (.isOwner|tostring)] | join("|")' "Flow (Copy)|private|true" "a private 'X (Copy)'"
expect_json '[.nodes[].id] | map(select(. == "n1" or . == "n2" or . == "n3")) | length' 0 "new node ids"
expect_json '[.nodes[].id | test("^[A-Za-z0-9_-]{21}$")] | all' true "... of nanoid's alphabet"
n0=$(jq -r '.nodes[0].id' "$TMP/body")
n1=$(jq -r '.nodes[1].id' "$TMP/body")
expect_json ".edges[0] | [(.id != \"e1\"), (.source == \"$n0\"), (.target == \"$n1\")] | all" true "new edge ids, source and target remapped"
expect_json '[.nodes[].data.status] | unique | join(",")' idle "every node idle"
expect_json '.nodes[0].data.config.integrationId' "$ca" "the owner's copy keeps its references"
dup=$(jq -r .id "$TMP/body")
as "$ka" GET "/api/app-connections/$ca"
expect_json '.workflowIds | length' 2 "... and records them"
as "$ka" POST "/api/workflows/$wf/duplicate"
expect_json .name "Flow (Copy) 2" "a second copy is 'X (Copy) 2'"
as "$kb" POST "/api/workflows/$dup/duplicate"
expect_error 404 not_found "another user cannot copy a private workflow"
as "$kb" POST "/api/workflows/$wf/duplicate"
expect_status 200 "another user copies a public workflow"
expect_json '[.nodes[] | .data | (has("integrationId") or has("auth") or ((.config // {}) | has("integrationId") or has("auth")))] | any' \
    false "... without any reference"
expect_json '.userId' "$bob" "... as their own"

# The autosave row.
as "$kb" GET /api/workflows/current
expect_json '[(.nodes|length), (.edges|length), has("id")] | map(tostring) | join(" ")' "0 0 false" "no autosave yet"
as "$kb" POST /api/workflows/current '{"nodes":[]}'
expect_error 400 invalid_request "an autosave without edges"
expect_json .error "Nodes and edges are required" "... with the original's message"
as "$kb" POST /api/workflows/current "{\"nodes\":[{\"id\":\"x\",\"data\":{\"config\":{\"integrationId\":\"$ca\"}}}],\"edges\":[]}"
expect_error 403 invalid_integration_references "an autosave with another user's integrationId"
as "$kb" POST /api/workflows/current '{"nodes":[{"id":"a"}],"edges":[]}'
expect_status 200 "autosave"
cur=$(jq -r .id "$TMP/body")
expect_json '.nodes[0].id' a "... answers {id, nodes, edges}"
as "$kb" POST /api/workflows/current '{"nodes":[{"id":"b"}],"edges":[]}'
expect_json .id "$cur" "a second autosave updates the same row"
as "$kb" GET /api/workflows/current
expect_json '.nodes[0].id' b "GET reads the last autosave"

as "$ka" DELETE "/api/app-connections/$ca?ifUnreferenced=true"
expect_error 409 connection_in_use "deleting a connection a workflow uses, carefully"
as "$kb" DELETE "/api/workflows/$wf"
expect_error 404 not_found "another user cannot delete it"
as "$ka" DELETE "/api/workflows/$wf"
expect_json .success true "delete"
check "its references went with it" test "$(psql_q "SELECT count(*) FROM apconn.workflow_connection_ref WHERE workflow_id = '$wf'")" = 0

# A save still in progress and a careful delete of what it references:
# the delete waits for the save, then sees the reference.  The save is
# held open by a row lock on its workflow, taken here.
as "$ka" POST /api/app-connections '{"externalId":"racy","displayName":"Racy","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-racy"}}'
racy=$(jq -r .id "$TMP/body")
as "$ka" POST /api/workflows/create '{"name":"Race","nodes":[{"id":"t","data":{"type":"trigger","config":{"triggerType":"Manual"}}}],"edges":[]}'
wr=$(jq -r .id "$TMP/body")
psql -X -q -d "$DATABASE_URL" -c "BEGIN; SELECT 1 FROM apconn.workflows WHERE id = '$wr' FOR UPDATE; SELECT pg_sleep(2); ROLLBACK" >/dev/null 2>&1 &
holder=$!
sleep 0.3
curl -s -o "$TMP/save.out" -w '%{http_code}' --unix-socket "$TMP/http.sock" -X PATCH \
    -H "Authorization: Bearer $ka" -H 'Content-Type: application/json' \
    --data '{"nodes":[{"id":"n1","data":{"config":{"actionType":"openai/ask","auth":"{{connections['"'"'racy'"'"']}}"}}}]}' \
    "http://localhost/api/workflows/$wr" >"$TMP/save.status" &
saver=$!
sleep 0.3
t0=$(date +%s%N)
as "$ka" DELETE "/api/app-connections/$racy?ifUnreferenced=true"
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $saver $holder
check "the save went through ($(cat "$TMP/save.status"))" test "$(cat "$TMP/save.status")" = 200
expect_error 409 connection_in_use "a careful delete during that save waits for it and is refused (waited ${waited} ms)"
check "... the connection is still there" test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE id = '$racy'")" = 1
check "... and the saved reference points at it" \
    test "$(psql_q "SELECT count(*) FROM apconn.workflow_connection_ref r JOIN apconn.app_connection c ON c.owner_id = r.owner_id AND c.external_id = r.connection_external_id WHERE r.workflow_id = '$wr'")" = 1

# The list, a page at a time: by rows (limit) and by bytes (8 MB but for
# a page's first row), the next page named by X-Next-Cursor.
c=$(new_user carl@example.com)
kc=$(new_key "$c" workflows:read,workflows:write)
label=$(head -c 400000 /dev/zero | tr '\0' l)
printf '{"name":"Heavy","nodes":[{"id":"t","data":{"label":"%s","type":"trigger","config":{"triggerType":"Manual"}}}],"edges":[]}' "$label" >"$TMP/heavy.json"
i=0
made=0
while [ $i -lt 25 ]; do
	as "$kc" POST /api/workflows/create "" -H 'Content-Type: application/json' \
	    --data-binary @"$TMP/heavy.json"
	[ "$STATUS" = 200 ] && made=$((made + 1))
	i=$((i + 1))
done
check "25 workflows of 400 kB saved ($made; the last: $STATUS $(head -c 100 "$TMP/body"))" test $made = 25
as "$kc" GET /api/workflows
expect_status 200 "a list of 25 workflows of 400 kB each"
n1=$(jq length "$TMP/body")
check "... stops at 8 MB ($n1 rows, $(wc -c <"$TMP/body") bytes)" \
    sh -c "[ $n1 -lt 25 ] && [ $(wc -c <"$TMP/body") -le $((8 * 1048576 + 500000)) ]"
check "... and names the next page" test -n "$(header X-Next-Cursor)"
seen=$(jq -r '.[].id' "$TMP/body")
pages=1
while [ -n "$(header X-Next-Cursor)" ] && [ $pages -lt 30 ]; do
	as "$kc" GET "/api/workflows?limit=10&cursor=$(header X-Next-Cursor)"
	[ "$STATUS" = 200 ] || break
	seen="$seen
$(jq -r '.[].id' "$TMP/body")"
	pages=$((pages + 1))
done
check "following the cursors reads each of the 25 once ($pages pages)" \
    test "$(echo "$seen" | grep -c .) $(echo "$seen" | sort -u | grep -c .)" = "25 25"
check "... most recently updated first" test "$(echo "$seen" | tr '\n' ,)" = \
    "$(psql_q "SELECT string_agg(id, ',' ORDER BY updated_at DESC, id DESC) FROM apconn.workflows WHERE user_id = '$c'"),"
as "$kc" GET "/api/workflows?limit=2"
expect_json length 2 "limit=2: two rows"
as "$kc" GET "/api/workflows?limit=%2B2"
expect_error 400 invalid_request "limit=+2"
as "$kc" GET "/api/workflows?cursor=p.1.abc"
expect_error 400 invalid_request "a cursor going back"
as "$kc" POST /api/workflows/create "{\"name\":\"$(head -c 300 /dev/zero | tr '\0' n)\",\"nodes\":[],\"edges\":[]}"
expect_error 400 invalid_request "a name over 255 characters"
expect_json .field name "... named"
wid=$(echo "$seen" | head -n 1)
as "$kc" PATCH "/api/workflows/$wid" "{\"description\":\"$(head -c 5000 /dev/zero | tr '\0' d)\"}"
expect_error 400 invalid_request "a description over 4096 characters"
expect_json .field description "... named"

done_testing
