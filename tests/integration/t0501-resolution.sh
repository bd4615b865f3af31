#!/bin/sh
# From connection to live credential: a workflow references connections,
# its references are validated (and reported as warnings on save), its
# execution payload is the original executor's, and an executor key
# resolves exactly the connections the workflow references, owned by the
# workflow's owner, refreshing OAuth2 tokens first and auditing every call.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
F="http://127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '1.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[]}')" >/dev/null
app_start 2 --outbound-workers 2
nginx_start

a=$(new_user wendy@example.com)
ka=$(new_key "$a" connections:read,connections:write,workflows:read,workflows:write)
bob=$(new_user bob@example.com)
kb=$(new_key "$bob" connections:read,connections:write,workflows:read,workflows:write)
svc=$(new_user executor@example.com)
kx=$(new_key "$svc" executor)

conn() {	# conn KEY EXTERNAL_ID PIECE TYPE VALUE: prints the id
	as "$1" POST /api/app-connections "{\"externalId\":\"$2\",\"displayName\":\"$2\",\"pieceName\":\"$3\",\"type\":\"$4\",\"value\":$5}"
	jq -r .id "$TMP/body"
}
c_ai=$(conn "$ka" openai-main openai SECRET_TEXT '{"type":"SECRET_TEXT","secret_text":"sk-wendy-1"}')
c_db=$(conn "$ka" db-main postgres CUSTOM_AUTH '{"type":"CUSTOM_AUTH","props":{"host":"h","port":5432,"password":"pw-wendy-2"}}')
c_err=$(conn "$ka" err-conn openai SECRET_TEXT '{"type":"SECRET_TEXT","secret_text":"sk-wendy-3"}')
c_unused=$(conn "$ka" unused openai SECRET_TEXT '{"type":"SECRET_TEXT","secret_text":"sk-wendy-4"}')
c_soon=$(conn "$ka" acme-soon acme OAUTH2 '{"type":"OAUTH2","code":"short-code","client_id":"c","client_secret":"cs-wendy-5","redirect_url":"https://x/cb"}')
c_gone=$(conn "$ka" acme-gone acme OAUTH2 '{"type":"OAUTH2","code":"short-revoked","client_id":"c","client_secret":"cs-wendy-6","redirect_url":"https://x/cb"}')
c_bob=$(conn "$kb" openai-main openai SECRET_TEXT '{"type":"SECRET_TEXT","secret_text":"sk-bob-7"}')
conn "$kb" bobs-only openai SECRET_TEXT '{"type":"SECRET_TEXT","secret_text":"sk-bob-8"}' >/dev/null
psql_q "UPDATE apconn.app_connection SET status = 'ERROR' WHERE id = '$c_err'" >/dev/null
check "eight connections stored" test "$(psql_q "SELECT count(*) FROM apconn.app_connection")" = 8

# A workflow with every kind of reference, right and wrong.
nodes=$(cat <<EOF
[{"id":"t","type":"trigger","data":{"label":"Start","type":"trigger","config":{"triggerType":"Manual"}}},
 {"id":"n1","type":"action","data":{"label":"Ask","config":{"actionType":"openai/ask","integrationId":"$c_ai","auth":"{{connections['openai-main']}}","prompt":"hi"}}},
 {"id":"n2","type":"action","data":{"label":"Query","config":{"actionType":"postgres/query","auth":"{{connections[\"db-main\"]}}","sql":"select 1"}}},
 {"id":"n3","type":"action","data":{"label":"","actionId":"acme/do","auth":"{{connections.acme-soon}}","prompt":"from data","model":"m1","config":{"model":"from config"}}},
 {"id":"n4","type":"action","data":{"label":"Broken","config":{"actionType":"openai/ask","auth":"{{connections['err-conn']}}"}}},
 {"id":"n5","type":"action","data":{"label":"Mixed","config":{"actionType":"openai/ask","integrationId":"$c_db","auth":"{{connections['openai-main']}}"}}},
 {"id":"n6","type":"action","data":{"label":"Wrong piece","config":{"actionType":"slack/send","auth":"{{connections['openai-main']}}"}}},
 {"id":"n7","type":"action","data":{"label":"Nowhere","config":{"service":"openai","action":"ask","auth":"{{connections['nope']}}"}}},
 {"id":"n8","type":"action","data":{"label":"Not mine","config":{"actionType":"openai/ask","auth":"{{connections['bobs-only']}}"}}},
 {"id":"n9","type":"action","data":{"label":"Garbled","config":{"actionType":"openai/ask","auth":"connections openai-main"}}},
 {"id":"n10","type":"action","data":{"label":"No activity"}},
 {"id":"n11","type":"action","data":{"label":"Revoked","config":{"actionType":"acme/do","auth":"{{connections['acme-gone']}}"}}}]
EOF
)
edges='[{"id":"e1","source":"t","target":"n2"},{"id":"e2","source":"n2","target":"n1"},{"id":"e3","source":"t","target":"n3"}]'
as "$ka" POST /api/workflows/create "{\"name\":\"Everything\",\"nodes\":$nodes,\"edges\":$edges}"
expect_status 200 "a workflow with good and bad references is saved"
wf=$(jq -r .id "$TMP/body")
expect_json '[.warnings[] | .nodeId + ":" + .code] | join(",")' \
    "n4:connection_error,n5:reference_mismatch,n6:piece_mismatch,n7:connection_not_found,n8:connection_not_found,n9:invalid_reference" \
    "the save answers its reference problems as warnings"

as "$ka" GET "/api/workflows/$wf/validate-integrations"
expect_status 200 "validate-integrations"
expect_json .valid false "... finds the workflow invalid"
expect_json '[.issues[] | .nodeId + ":" + .code] | join(",")' \
    "n4:connection_error,n5:reference_mismatch,n6:piece_mismatch,n7:connection_not_found,n8:connection_not_found,n9:invalid_reference" \
    "... node by node: ERROR, integrationId and auth disagreeing, another piece, missing, another user's, not a template"
expect_json '.issues[] | select(.nodeId == "n6") | [.pieceName, .connectionPiece] | join(" ")' "slack openai" \
    "... naming the pieces that disagree"
expect_json '.issues[] | select(.nodeId == "n5") | [.externalId, .integrationId] | join(" ")' "openai-main $c_db" \
    "... and both references of a mixed node"
expect_json '.issues[] | select(.nodeId == "n7") | .message' "Connection not found" "... with the original's message"
check "nothing in an answer names another user's connection" sh -c "! grep -q '$c_bob' '$TMP/body'"

as "$kb" GET "/api/workflows/$wf/validate-integrations"
expect_error 404 not_found "another user cannot validate it"
narrow=$(new_key "$a" connections:read)
as "$narrow" GET "/api/workflows/$wf/validate-integrations"
expect_error 403 insufficient_scope "a key without workflows:read"
as "$kx" GET "/api/workflows/$wf/validate-integrations"
expect_json .valid false "the executor validates any workflow"
as "$ka" GET "/api/workflows/nosuchworkflowxxxxxxx/validate-integrations"
expect_error 404 not_found "an unknown workflow"

good="[{\"id\":\"g1\",\"type\":\"action\",\"data\":{\"label\":\"Ask\",\"config\":{\"actionType\":\"openai/ask\",\"integrationId\":\"$c_ai\",\"auth\":\"{{connections['openai-main']}}\"}}}]"
as "$ka" POST /api/workflows/create "{\"name\":\"Good\",\"nodes\":$good,\"edges\":[]}"
expect_json 'has("warnings")' false "a save without problems has no warnings"
wgood=$(jq -r .id "$TMP/body")
as "$ka" GET "/api/workflows/$wgood/validate-integrations"
expect_json '[(.valid|tostring), (.issues|length|tostring)] | join(" ")' "true 0" "... and validates"
as "$ka" PATCH "/api/workflows/$wgood" '{"nodes":[{"id":"g1","data":{"config":{"actionType":"openai/ask","integrationId":"nope"}}}]}'
expect_json '[.warnings[].code] | join(",")' integration_not_found "a patch answers its warnings too"
as "$ka" PATCH "/api/workflows/$wgood" "{\"nodes\":[{\"id\":\"g1\",\"data\":{\"auth\":\"{{connections['openai-main']}}\",\"config\":{\"actionType\":\"openai/ask\",\"integrationId\":null,\"auth\":\"{{connections['openai-main']}}\"}}}]}"
expect_json '.nodes[0].data | [has("auth"), (.config | has("auth") or has("integrationId"))] | map(tostring) | join(" ")' "true false" \
    "clearing a node's integrationId removes its auth (data.auth, not cleared, stays)"
as "$ka" GET "/api/app-connections/$c_ai"
expect_json '.workflowIds | index("'"$wgood"'") != null' true "... and the references follow"

# The execution payload, as the original executor sends it.
as "$ka" GET "/api/workflows/$wf/execution-payload?executionId=ex-1"
expect_status 200 "execution-payload"
expect_json '[.[].node_id] | join(",")' "n4,n5,n6,n7,n8,n9,n11,n2,n3,n1" \
    "action nodes in topological order, the trigger and a node without activity left out"
expect_json '.[] | select(.node_id == "n1") | [.activity_id, .execution_id, .workflow_id, .node_name, .integration_id, .connection_external_id] | join("|")' \
    "openai/ask|ex-1|$wf|Ask|$c_ai|openai-main" "one node's payload"
expect_json '.[] | select(.node_id == "n1") | .input | keys | join(",")' prompt \
    "... its input without actionType, integrationId and auth"
expect_json '.[] | select(.node_id == "n1") | .node_outputs | length' 0 "... and no outputs yet"
expect_json '.[] | select(.node_id == "n2") | [has("integration_id"), .connection_external_id] | map(tostring) | join(" ")' "false db-main" \
    "integration_id left out, not null, when unknown; the double-quoted template read"
expect_json '.[] | select(.node_id == "n3") | [.activity_id, .node_name, .connection_external_id, .input.prompt, .input.model] | join("|")' \
    "acme/do|n3|acme-soon|from data|from config" \
    "data.actionId, the node id for an empty label, data.auth in the legacy form, data's legacy fields under config's"
expect_json '.[] | select(.node_id == "n7") | .activity_id' "openai/ask" "service/action makes the activity id"
expect_json '.[] | select(.node_id == "n9") | has("connection_external_id")' false "text that is no template names nothing"
as "$ka" GET "/api/workflows/$wf/execution-payload"
expect_json '.[0] | has("execution_id")' false "execution_id is left out when none is given"
as "$kb" GET "/api/workflows/$wf/execution-payload"
expect_error 404 not_found "another user cannot read the payload"
as "$kx" GET "/api/workflows/$wf/execution-payload"
expect_status 200 "the executor reads any workflow's payload"

# The template grammar in C (the payload) and in SQL (the references)
# gives the same answers.
tpl=$(jq -n '[
  "{{connections[\u0027a\u0027]}}", "{{connections[\"b-1\"]}}", "{{ connections[\u0027c\u0027] }}",
  "{{connections.d_2:x}}", "{{connections.e}}", "x {{connections[\u0027f\u0027]}} y",
  "{{connections[\u0027g\"]}}", "{{connections[\u0027\u0027]}}", "{{connections[h]}}",
  "{{connections.}}", "{{connections.i j}}", "{connections[\u0027k\u0027]}",
  "{{connections.l}} {{connections[\u0027m\u0027]}}", "{{{connections[\u0027n\u0027]}}}",
  "{{connections[\u0027o]}}", "{{connections.p}", "{{Connections[\u0027q\u0027]}}", ""]
  | to_entries | map({id: ("k\(.key)"), data: {config: {actionType: "x/y", auth: .value}}})')
as "$ka" POST /api/workflows/create "{\"name\":\"Grammar\",\"nodes\":$tpl,\"edges\":[]}"
wg=$(jq -r .id "$TMP/body")
as "$ka" GET "/api/workflows/$wg/execution-payload"
c_side=$(jq -r 'sort_by(.node_id) | map(.node_id + "=" + (.connection_external_id // "-")) | join(",")' "$TMP/body")
sql_side=$(psql_q "SELECT string_agg(e->>'id' || '=' || COALESCE(apconn.template_external_id(e #>> '{data,config,auth}'), '-'), ',' ORDER BY e->>'id' COLLATE \"C\") FROM apconn.workflows w, jsonb_array_elements(w.nodes) e WHERE w.id = '$wg'")
check "C and SQL read every template alike ($c_side)" test "$c_side" = "$sql_side"
check "... and find the ids expected" test "$c_side" = \
    "k0=a,k1=b-1,k10=-,k11=-,k12=m,k13=n,k14=-,k15=-,k16=-,k17=-,k2=c,k3=d_2:x,k4=e,k5=f,k6=g,k7=-,k8=-,k9=-"

# Credential resolution.
resolve() {	# resolve KEY WORKFLOW EXTERNAL_ID [QUERY]
	as "$1" GET "/api/workflows/$2/connections/$3${4:+?$4}"
}
resolve "$kx" "$wf" openai-main "executionId=ex-1&nodeId=n1"
expect_status 200 "the executor resolves a referenced connection"
expect_json '[.id, .externalId, .type, .pieceName, .value.secret_text] | join("|")' \
    "$c_ai|openai-main|SECRET_TEXT|openai|sk-wendy-1" "... the workflow owner's, not another user's of the same external id"
check "... never cached" sh -c "grep -qi '^Cache-Control: no-store' '$TMP/headers'"
resolve "$kx" "$wf" db-main
expect_json '.value.props | [.host, .password] | join(" ")' "h pw-wendy-2" "a CUSTOM_AUTH value whole"
resolve "$ka" "$wf" openai-main
expect_error 403 insufficient_scope "the owner's own key is no executor key"
resolve "$kx" "$wf" unused
expect_error 404 not_referenced "a connection the workflow does not reference"
resolve "$kx" "$wf" openai-main "nodeId=n2"
expect_error 404 not_referenced "... nor the node named"
resolve "$kx" "$wf" bobs-only
expect_error 404 not_found "a reference to another user's connection"
resolve "$kx" "$wf" nope
expect_error 404 not_found "a reference to no connection"
resolve "$kx" nosuchworkflowxxxxxxx openai-main
expect_error 404 not_found "an unknown workflow"
expect_json .error "Workflow not found" "... with the original's message"
resolve "$kx" "$wf" err-conn
expect_error 409 connection_expired "an ERROR connection"
resolve "$kx" "$wf" openai-main "executionId=$(printf '%0300d' 1)"
expect_error 400 invalid_request "an executionId over 255 characters"

sleep 1.2
before=$(grep -c 'grant_type=refresh_token' "$TMP/fake.log")
resolve "$kx" "$wf" acme-soon "executionId=ex-2&nodeId=n3"
expect_status 200 "an OAuth2 token due is resolved"
expect_json '.value.access_token | startswith("at-refreshed-")' true "... after a refresh"
expect_json '.value | [has("refresh_token"), has("client_secret")] | map(tostring) | join(" ")' "false false" \
    "... without refresh_token and client_secret"
check "... one refresh" test $(( $(grep -c 'grant_type=refresh_token' "$TMP/fake.log") - before )) = 1
resolve "$kx" "$wf" acme-soon
check "a fresh token is handed out without another refresh" \
    test $(( $(grep -c 'grant_type=refresh_token' "$TMP/fake.log") - before )) = 1
sleep 1.2
resolve "$kx" "$wf" acme-gone
expect_error 409 connection_expired "a token whose refresh the provider refuses"
check "... leaves the connection ERROR" test "$(psql_q "SELECT status FROM apconn.app_connection WHERE id = '$c_gone'")" = ERROR

# The audit.
check "every resolution left an audit row" test "$(psql_q "SELECT count(*) FROM apconn.credential_access_log")" = 11
check "... with its outcome" test "$(psql_q "SELECT string_agg(outcome || ':' || n, ',' ORDER BY outcome) FROM (SELECT outcome, count(*) n FROM apconn.credential_access_log GROUP BY outcome) s")" = \
    "connection_expired:2,connection_not_found:2,granted:3,not_referenced:2,refreshed:1,workflow_not_found:1"
check "... the executor's key, the execution and the node" test \
    "$(psql_q "SELECT execution_id || ' ' || node_id || ' ' || source || ' ' || integration_type || ' ' || owner_id || ' ' || (key_id IS NOT NULL) FROM apconn.credential_access_log WHERE outcome = 'refreshed'")" = \
    "ex-2 n3 database acme $a true"
check "... the names of the keys handed out, not their values" test \
    "$(psql_q "SELECT credential_keys FROM apconn.credential_access_log WHERE connection_id = '$c_ai' AND outcome = 'granted'")" = '["type", "secret_text"]'
check "no secret in the audit" test "$(psql_q "SELECT count(*) FROM apconn.credential_access_log WHERE row_to_json(credential_access_log)::text ~ '(sk|pw|cs)-(wendy|bob)|at-'")" = 0

# When the audit cannot be written, nothing is handed out.
psql_q "ALTER TABLE apconn.credential_access_log ADD CONSTRAINT no_more CHECK (false) NOT VALID" >/dev/null
resolve "$kx" "$wf" openai-main
expect_error 503 audit_unavailable "an audit that cannot be written refuses the credential"
check "... and the answer carries no secret" sh -c "! grep -q sk-wendy '$TMP/body'"
psql_q "ALTER TABLE apconn.credential_access_log DROP CONSTRAINT no_more" >/dev/null

# A referenced connection deleted: refused with ifUnreferenced, then gone.
as "$ka" DELETE "/api/app-connections/$c_db?ifUnreferenced=true"
expect_error 409 connection_in_use "a referenced connection is kept when asked"
as "$ka" DELETE "/api/app-connections/$c_db"
expect_status 200 "... and deleted when not"
resolve "$kx" "$wf" db-main
expect_error 404 not_found "a deleted connection resolves nothing"
as "$ka" GET "/api/workflows/$wf/validate-integrations"
expect_json '.issues[] | select(.nodeId == "n2") | .code' connection_not_found "... and its nodes fail validation"

# Deleting the workflow ends the resolution.
as "$ka" DELETE "/api/workflows/$wf"
resolve "$kx" "$wf" openai-main
expect_error 404 not_found "a deleted workflow resolves nothing"
check "no secret reached the app or nginx logs" sh -c "! grep -qE '(sk|pw|cs)-(wendy|bob)|at-refreshed' '$TMP'/app.log '$TMP'/nginx*.log"

done_testing
