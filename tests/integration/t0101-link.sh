#!/bin/sh
# POST /api/auth/link: an anonymous user's connections, workflows and
# references move to the real caller in one transaction; external id
# collisions are renamed on the anonymous side, reported, and the moved
# workflows rewritten to keep naming the same credentials.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
app_start 2
nginx_start

bob=$(new_user bob@example.com)
bobkey=$(new_key "$bob" connections:read,connections:write,workflows:read,workflows:write)

anon_session() {
	http POST /api/auth/anonymous
	ANON_TOKEN=$(jq -r .token "$TMP/body")
	ANON_ID=$(jq -r .user.id "$TMP/body")
}
conn() {	# conn ID OWNER EXTERNAL_ID PIECE
	psql_q "INSERT INTO apconn.app_connection (id, external_id, display_name,
	    piece_name, type, value, owner_id) VALUES ('$1', '$3', '$3', '$4',
	    'SECRET_TEXT', '{}', '$2')" >/dev/null
}

anon_session
conn anonslack000000000001 "$ANON_ID" slack slack
conn anongithub0000000001 "$ANON_ID" github github
conn bobslack000000000001 "$bob" slack slack
psql_q "INSERT INTO apconn.workflows (id, name, user_id, nodes) VALUES
    ('wfanon', 'Anon flow', '$ANON_ID', '[
      {\"id\":\"n1\",\"type\":\"action\",\"data\":{\"label\":\"Post\",\"config\":{\"actionType\":\"slack/send\",\"auth\":\"{{connections[''slack'']}}\"}}},
      {\"id\":\"n2\",\"type\":\"action\",\"data\":{\"label\":\"Legacy\",\"auth\":\"{{connections.slack}}\"}},
      {\"id\":\"n3\",\"type\":\"action\",\"data\":{\"label\":\"Issue\",\"config\":{\"auth\":\"{{connections[\\\"github\\\"]}}\"}}}]'),
    ('wfanoncur', '~~__CURRENT__~~', '$ANON_ID', '[]'),
    ('wfbobcur', '~~__CURRENT__~~', '$bob', '[]'),
    ('wfbob', 'Bob flow', '$bob', '[{\"id\":\"b1\",\"data\":{\"config\":{\"auth\":\"{{connections[''slack'']}}\"}}}]')" >/dev/null
psql_q "INSERT INTO apconn.workflow_connection_ref (id, workflow_id, node_id,
    connection_external_id, piece_name, owner_id) VALUES
    ('r1', 'wfanon', 'n1', 'slack', 'slack', '$ANON_ID'),
    ('r2', 'wfanon', 'n3', 'github', 'github', '$ANON_ID'),
    ('r3', 'wfbob', 'b1', 'slack', 'slack', '$bob')" >/dev/null

# Refusals first: each changes nothing.
as "$ANON_TOKEN" POST /api/auth/link "{\"anonymousToken\":\"$ANON_TOKEN\"}"
expect_error 403 anonymous_caller "an anonymous caller cannot link"
as "$bobkey" POST /api/auth/link '{}'
expect_error 400 invalid_request "no anonymousToken"
expect_json .field anonymousToken "the error names the field"
as "$bobkey" POST /api/auth/link '{"anonymousToken":42}'
expect_error 400 invalid_request "a non-string anonymousToken"
as "$bobkey" POST /api/auth/link '{"anonymousToken":"aps_nope"}'
expect_error 400 invalid_anonymous_token "a malformed anonymousToken"
wrong=$(echo "$ANON_TOKEN" | cut -c1-26)AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
as "$bobkey" POST /api/auth/link "{\"anonymousToken\":\"$wrong\"}"
expect_error 400 invalid_anonymous_token "an anonymousToken with a wrong secret"
as "$bobkey" POST /api/auth/link "{\"anonymousToken\":\"$bobkey\"}"
expect_error 400 invalid_anonymous_token "an API key is not an anonymous session"
check "nothing moved after the refusals" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE owner_id = '$ANON_ID'")" = 2

# A failure inside the transaction leaves everything where it was.
psql_q "CREATE FUNCTION pg_temp_fail() RETURNS trigger LANGUAGE plpgsql AS
    \$\$BEGIN RAISE EXCEPTION 'injected'; END\$\$;
    CREATE TRIGGER fail_delete BEFORE DELETE ON apconn.users
    FOR EACH ROW EXECUTE FUNCTION pg_temp_fail()" >/dev/null
as "$bobkey" POST /api/auth/link "{\"anonymousToken\":\"$ANON_TOKEN\"}"
expect_error 500 internal "a failure in the last step"
check "the failed link moved no connection" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE owner_id = '$ANON_ID'")" = 2
check "the failed link renamed nothing" \
    test "$(psql_q "SELECT external_id FROM apconn.app_connection WHERE id = 'anonslack000000000001'")" = slack
check "the failed link moved no workflow" \
    test "$(psql_q "SELECT user_id FROM apconn.workflows WHERE id = 'wfanon'")" = "$ANON_ID"
psql_q "DROP TRIGGER fail_delete ON apconn.users" >/dev/null

as "$bobkey" POST /api/auth/link "{\"anonymousToken\":\"$ANON_TOKEN\"}"
expect_status 200 "link"
expect_json .anonymousUserId "$ANON_ID" "the answer names the anonymous user"
expect_json '.moved.connections | sort | join(",")' anongithub0000000001,anonslack000000000001 "both connections moved"
expect_json '.moved.workflows | sort | join(",")' wfanon,wfanoncur "both workflows moved"
expect_json .moved.references 2 "both references moved"
expect_json '.collisions | length' 1 "one collision"
expect_json '.collisions[0].externalId' slack "the collision is on slack"
expect_json '.collisions[0].connectionId' anonslack000000000001 "the anonymous connection was renamed"
expect_json '.collisions[0].renamedTo' slack-anonslac "renamed deterministically"

check "bob keeps his own slack" \
    test "$(psql_q "SELECT owner_id || ' ' || external_id FROM apconn.app_connection WHERE id = 'bobslack000000000001'")" = "$bob slack"
check "the anonymous slack is bob's under its new name" \
    test "$(psql_q "SELECT owner_id || ' ' || external_id FROM apconn.app_connection WHERE id = 'anonslack000000000001'")" = "$bob slack-anonslac"
check "github moved unchanged" \
    test "$(psql_q "SELECT owner_id || ' ' || external_id FROM apconn.app_connection WHERE id = 'anongithub0000000001'")" = "$bob github"
check "the moved workflow's config.auth names the renamed connection" \
    test "$(psql_q "SELECT nodes->0->'data'->'config'->>'auth' FROM apconn.workflows WHERE id = 'wfanon'")" = "{{connections['slack-anonslac']}}"
check "the legacy data.auth template was rewritten too" \
    test "$(psql_q "SELECT nodes->1->'data'->>'auth' FROM apconn.workflows WHERE id = 'wfanon'")" = "{{connections['slack-anonslac']}}"
check "the github template is untouched" \
    test "$(psql_q "SELECT nodes->2->'data'->'config'->>'auth' FROM apconn.workflows WHERE id = 'wfanon'")" = '{{connections["github"]}}'
check "bob's own workflow still names his slack" \
    test "$(psql_q "SELECT nodes->0->'data'->'config'->>'auth' FROM apconn.workflows WHERE id = 'wfbob'")" = "{{connections['slack']}}"
check "the references follow the rename and the owner" \
    test "$(psql_q "SELECT string_agg(id || ':' || connection_external_id || ':' || (owner_id = '$bob'), ',' ORDER BY id) FROM apconn.workflow_connection_ref")" = \
    "r1:slack-anonslac:true,r2:github:true,r3:slack:true"
check "bob has one autosave row" \
    test "$(psql_q "SELECT count(*) FROM apconn.workflows WHERE user_id = '$bob' AND name = '~~__CURRENT__~~'")" = 1
check "the anonymous autosave is kept under another name" \
    test "$(psql_q "SELECT name FROM apconn.workflows WHERE id = 'wfanoncur'")" = "Autosave (from anonymous session)"
check "the anonymous user is removed" \
    test "$(psql_q "SELECT count(*) FROM apconn.users WHERE id = '$ANON_ID'")" = 0
check "its sessions are gone" \
    test "$(psql_q "SELECT count(*) FROM apconn.sessions WHERE user_id = '$ANON_ID'")" = 0
as "$ANON_TOKEN" GET /api/user
expect_error 401 invalid_token "the anonymous token no longer works"
as "$bobkey" POST /api/auth/link "{\"anonymousToken\":\"$ANON_TOKEN\"}"
expect_error 400 invalid_anonymous_token "linking the same session twice"

done_testing
