#!/bin/sh
# apconn-admin import-workflow-builder against databases in the original
# workflow builder's schema (tests/fixtures/workflow-builder/schema.sql),
# with values encrypted as it encrypts them (node's crypto): users, legacy
# integrations and app connections in both of its formats, and workflows
# with their connection references; bad rows reported and skipped; a dry
# run that writes nothing; a second run that changes nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v node >/dev/null 2>&1 || { echo "SKIP: node not installed"; exit 77; }
pg_db
migrate
seed_pieces
app_start 2
nginx_start

WB="$top_srcdir/tests/fakes/workflow-builder.js"
IKEY=4f1c2a9be07d35866c1e0f5a2b3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e
IKEY_OTHER=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
APKEY=abcdefghijklmnopqrstuvwxyz012345
APKEY_OTHER=zyxwvutsrqponmlkjihgfedcba543210
gcm() { node "$WB" gcm "${2:-$IKEY}" "$1"; }
cbc() { node "$WB" cbc "${2:-$APKEY}" "$1"; }

pg_extra_db orig
ORIG=$EXTRA_DB_URL
oq() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$ORIG" -c "$1"; }
psql -X -q -v ON_ERROR_STOP=1 -d "$ORIG" \
    -f "$top_srcdir/tests/fixtures/workflow-builder/schema.sql" >/dev/null || exit 1

# Someone already uses carol's address in apconn, under another id.
new_user Carol@Example.com >/dev/null

A=alice0000000000000001 B=bob000000000000000002 N=anon00000000000000003 C=carol0000000000000004
oq "INSERT INTO users (id, name, email, image, created_at, updated_at, is_anonymous) VALUES
    ('$A', 'Alice', 'alice@example.com', 'https://img/a.png', '2025-01-02 03:04:05.678', '2025-01-03 00:00:00', false),
    ('$B', 'Bob', 'bob@example.com', NULL, '2025-01-04 10:00:00', '2025-01-04 10:00:00', false),
    ('$N', 'Anonymous', 'temp@$N.com', NULL, '2025-01-05 10:00:00', '2025-01-05 10:00:00', true),
    ('$C', 'Carol', 'carol@example.com', NULL, '2025-01-06 10:00:00', '2025-01-06 10:00:00', false)"

# Legacy integrations: config is a jsonb string holding the GCM text.
integ() {	# integ ID USER NAME TYPE CONFIG_JSON_LITERAL CREATED
	oq "INSERT INTO integrations (id, user_id, name, type, config, created_at, updated_at)
	    VALUES ('$1', '$2', '$3', '$4', '$5'::jsonb, '$6', '$6')"
}
integ integ00000000000000i1 "$A" 'My OpenAI' openai \
    "\"$(gcm '{"apiKey":"sk-legacy-alice"}')\"" '2025-01-02 03:04:05.678'
integ integ00000000000000i2 "$B" '' database \
    "\"$(gcm '{"url":"postgres://u:pw-legacy-bob@db/x"}')\"" '2025-01-07 08:00:00'
integ integ00000000000000i3 "$A" 'Other key' slack \
    "\"$(gcm '{"apiKey":"xoxb-other-key"}' "$IKEY_OTHER")\"" '2025-01-08 08:00:00'
integ integ00000000000000i4 "$A" 'Garbage' github '"zz:not:hex"' '2025-01-08 08:00:00'
integ integ00000000000000i5 "$A" 'Plain' stripe '{"apiKey":"sk-plain-config"}' '2025-01-08 08:00:00'
integ integ00000000000000i6 "$C" 'Carol AI' openai \
    "\"$(gcm '{"apiKey":"sk-legacy-carol"}')\"" '2025-01-08 08:00:00'

# App connections as af0127ce writes them: value is the GCM text.
conn() {	# conn ID OWNER(or NULL) EXTERNAL PIECE TYPE VALUE [VERSION METADATA PROJECTS]
	oq "INSERT INTO app_connection (id, display_name, external_id, type, piece_name, owner_id,
	    value, piece_version, metadata, project_ids, created_at, updated_at)
	    VALUES ('$1', 'Conn $1', '$3', '$5', '$4', $2, '$6', '${7:-0.1.0}', ${8:-NULL},
	    '${9:-[]}', '2025-02-01 12:00:00.5', '2025-02-02 12:00:00')"
}
conn conn0000000000000001 "'$A'" openai-main @activepieces/piece-openai SECRET_TEXT \
    "$(gcm '{"type":"SECRET_TEXT","secret_text":"sk-conn-alice"}')" 0.10.1 "'{\"source\":\"ui\"}'" '["default"]'
conn conn0000000000000002 "'$A'" slack-main @activepieces/piece-slack OAUTH2 \
    "$(gcm '{"type":"OAUTH2","access_token":"xoxb-alice-token","refresh_token":"xoxr-alice","client_id":"cid","client_secret":"cs-alice-secret","expires_in":3600,"claimed_at":1738411200}')" 0.5.0
conn conn0000000000000003 "'$B'" openai-bob openai SECRET_TEXT \
    "$(gcm '{"type":"SECRET_TEXT","secret_text":"sk-conn-bob"}')"
conn conn0000000000000004 NULL orphan openai SECRET_TEXT \
    "$(gcm '{"type":"SECRET_TEXT","secret_text":"sk-conn-orphan"}')"
conn conn0000000000000005 "'$A'" wrong-key openai SECRET_TEXT \
    "$(gcm '{"type":"SECRET_TEXT","secret_text":"sk-conn-wrong"}' "$IKEY_OTHER")"
conn conn0000000000000006 "'$A'" openai-main openai SECRET_TEXT \
    "$(gcm '{"type":"SECRET_TEXT","secret_text":"sk-conn-dup"}')"
conn conn0000000000000007 "'$A'" garbage openai SECRET_TEXT 'hello world'
# An id no apconn id can be (100 characters): refused, not imported.
LONG=$(printf 'L%.0s' $(seq 1 100))
conn "$LONG" "'$A'" long-id openai SECRET_TEXT \
    "$(gcm '{"type":"SECRET_TEXT","secret_text":"sk-conn-long"}')"

# Workflows: a template reference, a legacy integrationId, and one of a
# user who cannot be imported.
oq "INSERT INTO workflows (id, name, description, user_id, nodes, edges, visibility, created_at, updated_at) VALUES
    ('wf00000000000000000a1', 'Alice flow', 'd', '$A', '[
      {\"id\":\"t\",\"type\":\"trigger\",\"position\":{\"x\":0,\"y\":0},\"data\":{\"label\":\"\",\"type\":\"trigger\",\"config\":{\"triggerType\":\"Manual\"}}},
      {\"id\":\"n1\",\"type\":\"action\",\"position\":{\"x\":0,\"y\":1},\"data\":{\"label\":\"Ask\",\"type\":\"action\",\"config\":{\"actionType\":\"openai/ask\",\"integrationId\":\"conn0000000000000001\",\"auth\":\"{{connections[''openai-main'']}}\",\"prompt\":\"hi\"}}},
      {\"id\":\"n2\",\"type\":\"action\",\"position\":{\"x\":0,\"y\":2},\"data\":{\"label\":\"Legacy\",\"type\":\"action\",\"config\":{\"actionType\":\"openai/generate-text\",\"integrationId\":\"integ00000000000000i1\"}}}]',
      '[{\"id\":\"e1\",\"source\":\"t\",\"target\":\"n1\"}]', 'private', '2025-02-03 04:05:06.789', '2025-02-04 00:00:00'),
    ('wf00000000000000000b1', 'Bob flow', NULL, '$B', '[
      {\"id\":\"q\",\"type\":\"action\",\"data\":{\"label\":\"Query\",\"type\":\"action\",\"config\":{\"actionType\":\"database/query\",\"integrationId\":\"integ00000000000000i2\"}}}]',
      '[]', 'public', '2025-02-05 00:00:00', '2025-02-05 00:00:00'),
    ('wf00000000000000000c1', 'Carol flow', NULL, '$C', '[]', '[]', 'private', '2025-02-06 00:00:00', '2025-02-06 00:00:00')"

orig_sum() {
	pg_dump --data-only -d "$ORIG" | grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' | md5sum
}
apconn_sum() {
	psql_q "SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
	    SELECT 'u' || to_jsonb(u)::text AS t FROM apconn.users u UNION ALL
	    SELECT 'c' || to_jsonb(c)::text FROM apconn.app_connection c UNION ALL
	    SELECT 'w' || to_jsonb(w)::text FROM apconn.workflows w UNION ALL
	    SELECT 'r' || to_jsonb(r)::text FROM apconn.workflow_connection_ref r) s"
}
orig_before=$(orig_sum)

imp() {		# imp OUTFILE [options]: the import with both original keys
	_o=$1
	shift
	INTEGRATION_ENCRYPTION_KEY=$IKEY AP_ENCRYPTION_KEY=$APKEY \
	    "$ADMIN" import-workflow-builder --from="$ORIG" "$@" >"$TMP/$_o" 2>&1
}

# Usage and configuration errors.
"$ADMIN" import-workflow-builder >/dev/null 2>&1
check "--from is required (usage error)" test $? = 64
INTEGRATION_ENCRYPTION_KEY=not-hex "$ADMIN" import-workflow-builder --from="$ORIG" >"$TMP/badkey.out" 2>&1
check "a malformed INTEGRATION_ENCRYPTION_KEY is refused" test $? = 1
check "the message says what the key must be" grep -q "64 hex characters" "$TMP/badkey.out"
"$ADMIN" import-workflow-builder --from="host=$TMP dbname=no_such_database_here user=nobody" >"$TMP/nodb.out" 2>&1
check "an unreachable original database is an error" test $? = 1

# The dry run does everything and keeps nothing.
before=$(apconn_sum)
imp dry.out --dry-run
check "a dry run with bad rows exits 1" test $? = 1
check "the dry run counts what it would do" grep -q \
    "^dry run: 10 imported, 0 already there, 0 deleted in apconn since, 11 failed, 3 connection references written (nothing was written)$" "$TMP/dry.out"
check "the dry run writes nothing" test "$(apconn_sum)" = "$before"

# The import.
imp run1.out
check "an import with bad rows exits 1" test $? = 1
check "users: 3 in, carol's address is taken" grep -q "^users: 3 imported, 0 already there, 0 deleted in apconn since, 1 failed$" "$TMP/run1.out"
check "integrations: 2 in, 4 bad" grep -q "^integrations: 2 imported, 0 already there, 0 deleted in apconn since, 4 failed$" "$TMP/run1.out"
check "app_connection: 3 in, 5 bad" grep -q "^app_connection: 3 imported, 0 already there, 0 deleted in apconn since, 5 failed$" "$TMP/run1.out"
check "an id longer than any apconn id is refused, shown cut" grep -q "^failed app_connection $(printf 'L%.0s' $(seq 1 64))~: its id is not 1 to 64 characters of \[0-9A-Za-z_-\]$" "$TMP/run1.out"
check "workflows: 2 in, 1 bad" grep -q "^workflows: 2 imported, 0 already there, 0 deleted in apconn since, 1 failed$" "$TMP/run1.out"
check "the summary" grep -q "^done: 10 imported, 0 already there, 0 deleted in apconn since, 11 failed, 3 connection references written$" "$TMP/run1.out"
for line in \
    "failed users $C: another apconn user has this email address" \
    "failed integrations integ00000000000000i3: the value does not open with INTEGRATION_ENCRYPTION_KEY" \
    "failed integrations integ00000000000000i4: the value does not open with INTEGRATION_ENCRYPTION_KEY" \
    "failed integrations integ00000000000000i5: its config is not the original's encrypted text" \
    "failed integrations integ00000000000000i6: its owner is not an apconn user (was the user imported?)" \
    "failed app_connection conn0000000000000004: it has no owner" \
    "failed app_connection conn0000000000000005: the value does not open with INTEGRATION_ENCRYPTION_KEY" \
    "failed app_connection conn0000000000000006: its owner already has another connection with this external id" \
    "failed app_connection conn0000000000000007: the value does not open with INTEGRATION_ENCRYPTION_KEY" \
    "failed workflows wf00000000000000000c1: its owner is not an apconn user (was the user imported?)"; do
	check "reported: $line" grep -qxF "$line" "$TMP/run1.out"
done
check "no secret in the output" sh -c "! grep -E 'sk-|xox|pw-legacy' '$TMP/run1.out'"
check "the original database is unchanged" test "$(orig_sum)" = "$orig_before"

# Users keep ids, addresses, names and times.
check "users kept" test "$(psql_q "SELECT string_agg(id || ':' || COALESCE(email, '-') || ':' || COALESCE(name, '-') || ':' || is_anonymous, ',' ORDER BY id) FROM apconn.users WHERE id IN ('$A', '$B', '$N', '$C')")" = \
    "$A:alice@example.com:Alice:false,$N:temp@$N.com:Anonymous:true,$B:bob@example.com:Bob:false"
check "a user's creation time, read as UTC" test \
    "$(psql_q "SELECT apconn.iso(created_at) FROM apconn.users WHERE id = '$A'")" = "2025-01-02T03:04:05.678Z"

# Connections keep ids, external ids, owners and short piece names, and
# are sealed under apconn's active key.
ms=$(( $(date -u -d '2025-01-02 03:04:05' +%s) * 1000 + 678 ))
ext1="openai-$ms-integ000"
ext2="database-$(( $(date -u -d '2025-01-07 08:00:00' +%s) * 1000 ))-integ000"
check "connections kept" test "$(psql_q "SELECT string_agg(id || ':' || external_id || ':' || piece_name || ':' || piece_version || ':' || owner_id || ':' || type || ':' || (value->>'kid'), ',' ORDER BY id) FROM apconn.app_connection WHERE owner_id IN ('$A', '$B')")" = \
    "conn0000000000000001:openai-main:openai:0.10.1:$A:SECRET_TEXT:k2,conn0000000000000002:slack-main:slack:0.5.0:$A:OAUTH2:k2,conn0000000000000003:openai-bob:openai:0.1.0:$B:SECRET_TEXT:k2,integ00000000000000i1:$ext1:openai:0.10.1:$A:CUSTOM_AUTH:k2,integ00000000000000i2:$ext2:database:0.0.0:$B:CUSTOM_AUTH:k2"
check "names, metadata, projects and times kept" test "$(psql_q "SELECT display_name || '|' || COALESCE(metadata::text, '-') || '|' || project_ids::text || '|' || apconn.iso(created_at) FROM apconn.app_connection WHERE id = 'conn0000000000000001'")" = \
    'Conn conn0000000000000001|{"source": "ui"}|["default"]|2025-02-01T12:00:00.500Z'
check "a legacy integration is named as the adapter names it" test "$(psql_q "SELECT string_agg(display_name || '|' || metadata::text, ',' ORDER BY id) FROM apconn.app_connection WHERE id LIKE 'integ%'")" = \
    'My OpenAI|{"validated": false},database|{"validated": false}'
check "no secret in apconn's database" sh -c "! pg_dump -n apconn -d '$DATABASE_URL' | grep -E 'sk-legacy|sk-conn|xoxb-alice|cs-alice|pw-legacy'"

# The references, rebuilt from the nodes.
check "references rebuilt" test "$(psql_q "SELECT string_agg(workflow_id || ':' || node_id || ':' || connection_external_id || ':' || piece_name || ':' || owner_id, ',' ORDER BY workflow_id, node_id) FROM apconn.workflow_connection_ref")" = \
    "wf00000000000000000a1:n1:openai-main:openai:$A,wf00000000000000000a1:n2:$ext1:openai:$A,wf00000000000000000b1:q:$ext2:database:$B"

# Through the API: the imported rows open under apconn's ring.
ka=$(new_key "$A" connections:read,workflows:read)
svc=$(new_user executor@example.com)
kx=$(new_key "$svc" executor)
as "$ka" GET "/api/app-connections?projectId=default&limit=1000"
expect_status 200 "alice lists her connections"
expect_json '[.data[].id] | sort | join(",")' \
    "conn0000000000000001,conn0000000000000002,integ00000000000000i1" "alice has her three imported connections"
as "$ka" GET /api/app-connections/integ00000000000000i1
expect_status 200 "an imported legacy integration opens"
expect_json '.value.type + ":" + (.value.props.apiKey == null | tostring) + ":" + (.workflowIds | join(","))' \
    "CUSTOM_AUTH:true:wf00000000000000000a1" "its secret stays out, its workflow is named"
as "$ka" GET /api/integrations
expect_json '[.[] | select(.id == "integ00000000000000i1") | .type + ":" + .name] | join(",")' \
    "openai:My OpenAI" "the legacy list shows it as an integration"
as "$kx" GET "/api/workflows/wf00000000000000000a1/connections/$ext1?nodeId=n2"
expect_status 200 "the executor resolves the legacy integration"
expect_json '.value.props.apiKey' "sk-legacy-alice" "with the original's secret"
as "$kx" GET /api/workflows/wf00000000000000000a1/connections/openai-main
expect_json '.value.secret_text' "sk-conn-alice" "and the app connection's secret"
as "$ka" GET /api/workflows/wf00000000000000000a1
expect_status 200 "the workflow reads back"
expect_json '.name + ":" + (.nodes | length | tostring) + ":" + .createdAt + ":" + .engineType' \
    "Alice flow:3:2025-02-03T04:05:06.789Z:dapr" "with its nodes, times and columns"

# Running it again changes nothing.
before=$(apconn_sum)
imp run2.out
check "a second run still reports the bad rows" test $? = 1
check "a second run imports nothing" grep -q \
    "^done: 0 imported, 10 already there, 0 deleted in apconn since, 11 failed, 0 connection references written$" "$TMP/run2.out"
check "a second run changes nothing" test "$(apconn_sum)" = "$before"

# A reference that went missing (its connection came later, say) is
# written again by a later run.
refs() {
	psql_q "SELECT string_agg(workflow_id || ':' || node_id || ':' || connection_external_id, ',' ORDER BY workflow_id, node_id) FROM apconn.workflow_connection_ref"
}
refs_before=$(refs)
psql_q "DELETE FROM apconn.workflow_connection_ref WHERE node_id = 'q'" >/dev/null
imp run3.out
check "a missing reference is rebuilt" grep -q "0 imported, 10 already there, 0 deleted in apconn since, 11 failed, 1 connection references written$" "$TMP/run3.out"
check "the references are as before" test "$(refs)" = "$refs_before"

# Rows already imported need no key: a run without the original's keys
# counts them as already there, not as failures.
"$ADMIN" import-workflow-builder --from="$ORIG" >"$TMP/nokey.out" 2>&1
check "without the keys, imported rows are already there" grep -q \
    "^app_connection: 0 imported, 3 already there, 0 deleted in apconn since, 5 failed$" "$TMP/nokey.out"
check "... integrations too" grep -q \
    "^integrations: 0 imported, 2 already there, 0 deleted in apconn since, 4 failed$" "$TMP/nokey.out"

# What apconn deleted since is never brought back.
kb=$(new_key "$B" connections:read,connections:write,workflows:read,workflows:write)
as "$kb" DELETE /api/app-connections/conn0000000000000003
expect_status 200 "bob deletes an imported connection"
as "$kb" DELETE /api/workflows/wf00000000000000000b1
expect_status 200 "... and his imported workflow"
imp run4.out
check "a later run does not re-create them" test \
    "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE id = 'conn0000000000000003'") $(psql_q "SELECT count(*) FROM apconn.workflows WHERE id = 'wf00000000000000000b1'")" = "0 0"
check "... says so, row by row" sh -c "grep -qxF 'skipped app_connection conn0000000000000003: deleted in apconn since it was imported' '$TMP/run4.out' &&
    grep -qxF 'skipped workflows wf00000000000000000b1: deleted in apconn since it was imported' '$TMP/run4.out'"
check "... and in the summary" grep -q \
    "^done: 0 imported, 8 already there, 2 deleted in apconn since, 11 failed, 0 connection references written$" "$TMP/run4.out"
as "$kx" GET /api/workflows/wf00000000000000000a1/connections/openai-main
expect_status 200 "what was not deleted still resolves"

# A later original: app_connection.value is jsonb {iv, data} (AES-256-CBC
# under AP_ENCRYPTION_KEY) and the integrations table is gone.
pg_extra_db later
LATER=$EXTRA_DB_URL
lq() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$LATER" -c "$1"; }
psql -X -q -v ON_ERROR_STOP=1 -d "$LATER" \
    -f "$top_srcdir/tests/fixtures/workflow-builder/schema.sql" >/dev/null || exit 1
lq "DROP TABLE integrations; ALTER TABLE app_connection ALTER COLUMN value TYPE jsonb USING '{}'::jsonb"
D=dave0000000000000005
lq "INSERT INTO users (id, name, email, created_at, updated_at) VALUES ('$D', 'Dave', 'dave@example.com', now(), now())"
lconn() {	# lconn ID EXTERNAL VALUE_JSON
	lq "INSERT INTO app_connection (id, display_name, external_id, type, piece_name, owner_id, value, piece_version)
	    VALUES ('$1', '$2', '$2', 'SECRET_TEXT', '@activepieces/piece-openai', '$D', '$3'::jsonb, '0.3.0')"
}
lconn later00000000000001 cbc-good "$(cbc '{"type":"SECRET_TEXT","secret_text":"sk-later-dave"}')"
lconn later00000000000002 cbc-other "$(cbc '{"type":"SECRET_TEXT","secret_text":"sk-later-other"}' "$APKEY_OTHER")"
lconn later00000000000003 cbc-garbage '{"iv":"zz","data":"00"}'
lconn later00000000000004 not-encrypted '{"type":"SECRET_TEXT","secret_text":"sk-plain-later"}'

INTEGRATION_ENCRYPTION_KEY=$IKEY "$ADMIN" import-workflow-builder --from="$LATER" >"$TMP/later0.out" 2>&1
check "without AP_ENCRYPTION_KEY the CBC values are reported" grep -qxF \
    "failed app_connection later00000000000001: AP_ENCRYPTION_KEY is not set" "$TMP/later0.out"
INTEGRATION_ENCRYPTION_KEY=$IKEY AP_ENCRYPTION_KEY=$APKEY \
    "$ADMIN" import-workflow-builder --from="$LATER" >"$TMP/later1.out" 2>&1
check "the later import exits 1 for its bad rows" test $? = 1
check "a missing table is skipped" grep -qxF "integrations: no such table in the original database, skipped" "$TMP/later1.out"
check "one CBC value in, three bad" grep -qxF "app_connection: 1 imported, 0 already there, 0 deleted in apconn since, 3 failed" "$TMP/later1.out"
check "another key is reported" grep -qxF \
    "failed app_connection later00000000000002: the value does not open with AP_ENCRYPTION_KEY" "$TMP/later1.out"
check "garbage is reported" grep -qxF \
    "failed app_connection later00000000000003: the value does not open with AP_ENCRYPTION_KEY" "$TMP/later1.out"
check "an unencrypted value is reported" grep -qxF \
    "failed app_connection later00000000000004: the value is neither \"iv:tag:ciphertext\" nor {iv, data}" "$TMP/later1.out"
kd=$(new_key "$D" connections:read)
check "dave was imported" test "$(psql_q "SELECT email FROM apconn.users WHERE id = '$D'")" = dave@example.com
as "$kd" GET /api/app-connections/later00000000000001
expect_status 200 "the CBC value opens under apconn's ring"
expect_json '.pieceName + ":" + .value.type' "openai:SECRET_TEXT" "as a short-named SECRET_TEXT connection"
check "its secret was sealed, not copied" test "$(psql_q "SELECT (value->>'kid') || ':' || (value ? 'data')::text FROM apconn.app_connection WHERE id = 'later00000000000001'")" = "k2:false"

done_testing
