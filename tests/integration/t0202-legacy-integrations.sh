#!/bin/sh
# The original workflow builder's integration calls, replayed as its
# client (lib/api-client.ts) makes them against /api/app-connections, and
# its legacy server API /api/integrations, both over the same rows.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '1.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"http://127.0.0.1:$FAKE_PORT/authorize\",\"tokenUrl\":\"http://127.0.0.1:$FAKE_PORT/oauth/token\",\"scope\":[]}')" >/dev/null
app_start 2
nginx_start

u=$(new_user lee@example.com)
k=$(new_key "$u" connections:read,connections:write)

# api.integration.create({name: "My OpenAI", type: "openai", config})
ext="openai-$(date +%s)000-ab12cd34"
as "$k" POST /api/app-connections "{\"externalId\":\"$ext\",\"displayName\":\"My OpenAI\",\"pieceName\":\"openai\",\"projectId\":\"default\",\"type\":\"CUSTOM_AUTH\",\"value\":{\"type\":\"CUSTOM_AUTH\",\"props\":{\"apiKey\":\"sk-orig-1\"}}}"
expect_status 201 "create: the client's CUSTOM_AUTH body for openai"
id=$(jq -r .id "$TMP/body")
for f in id externalId displayName pieceName createdAt updatedAt; do
	expect_json ".$f | type" string "create answers $f as a string"
done
# api.integration.getAll("openai")
as "$k" GET '/api/app-connections?projectId=default&pieceName=openai&limit=1000'
expect_status 200 "getAll: list by type with limit 1000"
expect_json '.data | map(.id) | join(",")' "$id" "... finds it"
expect_json '.data[0] | [.displayName, .pieceName] | join(" ")' "My OpenAI openai" "... with name and type"
# api.integration.testCredentials({type, config})
as "$k" POST /api/app-connections/test '{"externalId":"openai-test","displayName":"openai","pieceName":"openai","projectId":"default","type":"CUSTOM_AUTH","value":{"type":"CUSTOM_AUTH","props":{"apiKey":"sk-orig-2"}}}'
expect_status 200 "testCredentials"
expect_json '[.status, (.message|type)] | join(" ")' "success string" "... answers status and message"
# api.integration.update(id, {name, config})
as "$k" POST "/api/app-connections/$id" '{"displayName":"Renamed","config":{"apiKey":"sk-orig-3"}}'
expect_status 200 "update with name and config"
expect_json .displayName Renamed "... renames"
# api.integration.update(id, {name}) without config
as "$k" POST "/api/app-connections/$id" '{"displayName":""}'
expect_json .displayName Renamed "an empty name keeps the name"
# api.integration.testConnection(id)
as "$k" POST "/api/app-connections/$id/test"
expect_json .status success "testConnection"
# api.integration.get(id): config is the props, secrets left out
as "$k" GET "/api/app-connections/$id"
expect_json '.value.type' CUSTOM_AUTH "get: value type"
check "get never returns the key" sh -c "! grep -q sk-orig '$TMP/body'"

# The same row through the legacy server API.
as "$k" GET '/api/integrations?type=openai'
expect_status 200 "GET /api/integrations?type="
expect_json 'type' array "a bare array"
expect_json '.[0] | [.id, .name, .type, (.isManaged|tostring)] | join(" ")' "$id Renamed openai false" \
    "the original's list item"
expect_json '.[0] | has("config")' false "no config in the list"
as "$k" GET "/api/integrations/$id"
expect_status 200 "GET /api/integrations/{id}"
expect_json 'keys | join(",")' "config,createdAt,id,name,type,updatedAt" "the original's single shape"
expect_json '.config | length' 0 "the secret apiKey is left out of config"
as "$k" PUT "/api/integrations/$id" '{"name":"Via PUT","config":{"organization":"org-1"}}'
expect_status 200 "PUT /api/integrations/{id}"
expect_json .name "Via PUT" "renamed"
as "$k" POST "/api/integrations" '{"name":"GitHub","type":"github","config":{"token":"ghp-secret"}}'
expect_status 200 "POST /api/integrations answers 200"
gid=$(jq -r .id "$TMP/body")
expect_json 'keys | join(",")' "createdAt,id,name,type,updatedAt" "... with the original's fields"
as "$k" POST "/api/integrations" '{"name":"x"}'
expect_error 400 invalid_request "POST /api/integrations without type and config"
expect_json .error "Type and config are required" "... with the original's message"
as "$k" GET "/api/app-connections/$gid"
expect_json '[.pieceName, .type, (.metadata.validated|tostring)] | join(" ")' "github CUSTOM_AUTH false" \
    "a legacy integration is an unvalidated CUSTOM_AUTH connection"
as "$k" GET '/api/integrations'
expect_json 'length' 2 "both APIs see the same rows"
check "no secret in the database" sh -c "! pg_dump -d '$DATABASE_URL' | grep -q -e ghp-secret -e sk-orig"

b=$(new_user other@example.com)
kb=$(new_key "$b" connections:read,connections:write)
for m in GET PUT DELETE; do
	as "$kb" "$m" "/api/integrations/$id" '{"name":"x"}'
	expect_error 404 not_found "another user's integration: $m"
	expect_json .error "Integration not found" "... with the original's message"
done
as "$k" DELETE "/api/integrations/$gid"
expect_json .success true "DELETE /api/integrations/{id}"
# api.integration.delete(id) through the new API
as "$k" DELETE "/api/app-connections/$id"
expect_json .success true "delete through the new API"
as "$k" GET '/api/integrations'
expect_json 'length' 0 "gone from both"

# GET and PUT round trips of every config field, for each kind of value,
# read back by the owner (secret-free) and by the executor (whole).
kw=$(new_key "$u" connections:read,connections:write,workflows:read,workflows:write)
svc=$(new_user executor@example.com)
kx=$(new_key "$svc" executor)
as "$k" POST "/api/integrations" '{"name":"DB","type":"postgres","config":{"host":"db.example","port":5432,"password":"pw-round-1","ssl":true,"mode":"ro"}}'
pid=$(jq -r .id "$TMP/body")
pext=$(psql_q "SELECT external_id FROM apconn.app_connection WHERE id = '$pid'")
as "$k" POST /api/app-connections '{"externalId":"jira","displayName":"Jira","pieceName":"jira-cloud","type":"BASIC_AUTH","value":{"type":"BASIC_AUTH","username":"ann@example.com","password":"pw-round-2"}}'
bid=$(jq -r .id "$TMP/body")
as "$k" POST /api/app-connections '{"externalId":"acme","displayName":"Acme","pieceName":"acme","type":"OAUTH2","value":{"type":"OAUTH2","code":"good-code","client_id":"cid-round","client_secret":"cs-round","redirect_url":"https://x/cb","scope":"a b"}}'
oid=$(jq -r .id "$TMP/body")
as "$kw" POST /api/workflows/create "{\"name\":\"Round\",\"nodes\":[
  {\"id\":\"n1\",\"data\":{\"config\":{\"actionType\":\"postgres/query\",\"auth\":\"{{connections['$pext']}}\"}}},
  {\"id\":\"n2\",\"data\":{\"config\":{\"actionType\":\"jira-cloud/x\",\"auth\":\"{{connections['jira']}}\"}}},
  {\"id\":\"n3\",\"data\":{\"config\":{\"actionType\":\"acme/x\",\"auth\":\"{{connections['acme']}}\"}}}],\"edges\":[]}"
wf=$(jq -r .id "$TMP/body")

as "$k" GET "/api/integrations/$pid"
expect_json '.config | [.host, (.port|tostring), (.ssl|tostring), .mode, has("password")] | map(tostring) | join(" ")' \
    "db.example 5432 true ro false" "CUSTOM_AUTH: GET shows every non-secret field as stored"
as "$k" PUT "/api/integrations/$pid" '{"config":{"host":"db2.example","password":""}}'
expect_status 200 "... PUT one field"
as "$k" GET "/api/integrations/$pid"
expect_json '.config | [.host, (.port|tostring), (.ssl|tostring), .mode] | join(" ")' \
    "db2.example 5432 true ro" "... GET again: the field changed, the others intact"
as "$kx" GET "/api/workflows/$wf/connections/$pext"
expect_json '.value.props | [.host, (.port|tostring), .password, (.ssl|tostring), .mode] | join(" ")' \
    "db2.example 5432 pw-round-1 true ro" "... and the executor reads the whole value, the secret kept"

as "$k" GET "/api/integrations/$bid"
expect_json '.config | [.username, has("password")] | map(tostring) | join(" ")' "ann@example.com false" \
    "BASIC_AUTH: GET shows the username, not the password"
as "$k" PUT "/api/integrations/$bid" '{"config":{"password":"pw-round-3"}}'
as "$k" GET "/api/integrations/$bid"
expect_json .config.username ann@example.com "... after a PUT of the password, the username intact"
as "$kx" GET "/api/workflows/$wf/connections/jira"
expect_json '.value | [.username, .password] | join(" ")' "ann@example.com pw-round-3" \
    "... and the executor reads the new password"

as "$k" GET "/api/integrations/$oid"
expect_json '.config | [.client_id, .redirect_url, .scope] | join("|")' "cid-round|https://x/cb|a b" \
    "OAUTH2: GET shows client_id, redirect_url and scope"
as "$k" PUT "/api/integrations/$oid" '{"config":{"scope":"a b c"}}'
as "$k" GET "/api/integrations/$oid"
expect_json '.config | [.client_id, .redirect_url, .scope] | join("|")' "cid-round|https://x/cb|a b c" \
    "... after a PUT of the scope, the others intact"
as "$kx" GET "/api/workflows/$wf/connections/acme"
expect_json '.value | [.client_id, .redirect_url, .scope, (.access_token|length > 0|tostring)] | join("|")' \
    "cid-round|https://x/cb|a b c|true" "... and the executor reads them with the token"
check "no config secret in the database" sh -c "! pg_dump -d '$DATABASE_URL' | grep -q -e pw-round -e cs-round"

done_testing
