#!/bin/sh
# GET /api/pieces and /api/pieces/{name}: no authentication needed, one
# summary per name at its newest semantic version, filters and sorting,
# ETag and 304, short and full names, exact, ~ and ^ versions.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('p8', 'openai', '0.9.99', 'OpenAI', NULL), ('p9', 'openai', '0.10.1-beta.1', 'OpenAI', NULL),
    ('p10', 'openai', '1.2.3', 'OpenAI next', NULL), ('p11', 'openai', '1.3.0', 'OpenAI next', NULL),
    ('p12', '@acme/piece-custom', '2.0.0', 'Acme Custom', NULL);
    UPDATE apconn.piece_metadata SET categories = '{ARTIFICIAL_INTELLIGENCE}', description = 'Use the OpenAI models',
    actions = '{\"ask\":{},\"image\":{}}', triggers = '{}' WHERE name = 'openai';
    UPDATE apconn.piece_metadata SET categories = '{COMMUNICATION}', description = 'Team chat',
    actions = '{\"send\":{}}', triggers = '{\"new_message\":{}}', updated_at = now() - interval '1 day' WHERE name = 'slack'" >/dev/null
export APCONN_METRICS_ALLOW=127.0.0.1	# the counters, read without a key
app_start 2
nginx_start

http GET /api/pieces
expect_status 200 "GET /api/pieces without a credential"
expect_json 'length' 7 "one summary per piece name"
expect_json '[.[] | select(.name == "openai") | .version] | join(",")' 1.3.0 "the newest version by semver, not text"
expect_json '[.[] | .displayName] | join(",")' "Acme Custom,HTTP,Jira,Multi,OpenAI next,PostgreSQL,Slack" \
    "default order: by display name"
expect_json '[.[] | select(.name == "slack") | .actions, .triggers] | join(",")' "1,1" "actions and triggers as counts"
expect_json '.[0] | keys | join(",")' \
    "actions,auth,authors,categories,createdAt,description,displayName,i18n,id,logoUrl,maximumSupportedRelease,minimumSupportedRelease,name,packageType,pieceType,platformId,triggers,updatedAt,version" \
    "the original's piece fields"
expect_json '[.[] | .i18n] | unique | map(tostring) | join(",")' null "translations are left to the single piece"
check "Cache-Control allows caching" sh -c "grep -qi '^Cache-Control: public' '$TMP/headers'"
etag=$(header ETag)
check "an ETag is given" test -n "$etag"
http GET /api/pieces "" -H "If-None-Match: $etag"
expect_status 304 "If-None-Match with the same ETag"
check "304 has no body" test ! -s "$TMP/body"
http GET /api/pieces "" -H 'If-None-Match: "other"'
expect_status 200 "If-None-Match with another ETag"

http GET '/api/pieces?searchQuery=team%20CHAT'
expect_json '[.[].name] | join(",")' slack "searchQuery: words in the description, any case"
http GET '/api/pieces?searchQuery=postgre'
expect_json '[.[].name] | join(",")' postgres "searchQuery: the display name"
http GET '/api/pieces?searchQuery=acme'
expect_json '[.[].name] | join(",")' "@acme/piece-custom" "searchQuery: the name"
http GET '/api/pieces?categories=communication&categories=ARTIFICIAL_INTELLIGENCE'
expect_json '[.[].name] | sort | join(",")' "openai,slack" "categories: repeatable, any case"
http GET '/api/pieces?sortBy=UPDATED&orderBy=ASC&limit=1'
expect_json '[.[].name] | join(",")' slack "sortBy UPDATED ASC with limit"
http GET '/api/pieces?sortBy=NAME&orderBy=DESC&limit=2'
expect_json '[.[].displayName] | join(",")' "Slack,PostgreSQL" "sortBy NAME DESC"
http GET '/api/pieces?sortBy=SIZE'
expect_error 400 invalid_request "an unknown sortBy"
http GET '/api/pieces?limit=0'
expect_error 400 invalid_request "limit 0"

http GET /api/pieces/openai
expect_status 200 "one piece by its short name"
expect_json .version 1.3.0 "... at its newest version"
http GET /api/pieces/@activepieces/piece-openai
expect_json .version 1.3.0 "by its full name"
http GET '/api/pieces/%40activepieces%2Fpiece-openai'
expect_json .version 1.3.0 "by its URL-encoded full name"
http GET '/api/pieces/slack'
expect_json '.actions | keys | join(",")' send "full metadata: actions as objects"
expect_json '.auth.type' OAUTH2 "... and the auth definition"
http GET '/api/pieces/openai?version=0.3.0'
expect_json .version 0.3.0 "an exact version"
http GET '/api/pieces/openai?version=%7E0.10.0'
expect_json .version 0.10.1 "~0.10.0"
http GET '/api/pieces/openai?version=%5E0.9.0'
expect_json .version 0.9.99 "^0.9.0 stays below 0.10.0"
http GET '/api/pieces/openai?version=%5E1.2.0'
expect_json .version 1.3.0 "^1.2.0"
http GET '/api/pieces/openai?version=%7E1.2.0'
expect_json .version 1.2.3 "~1.2.0"
http GET '/api/pieces/openai?version=0.10.1-beta.1'
expect_json .version 0.10.1-beta.1 "an exact pre-release"
http GET '/api/pieces/openai?version=%5E3.0.0'
expect_error 404 not_found "a range with no version"
http GET '/api/pieces/openai?version=latest'
expect_error 400 invalid_request "a malformed version"
http GET '/api/pieces/nosuch'
expect_error 404 not_found "an unknown piece"
expect_json .error "Piece not found" "... with the original's message"
http GET '/api/pieces/@acme/piece-custom'
expect_json .name "@acme/piece-custom" "other scopes keep their full name"
etag=$(http GET /api/pieces/slack; header ETag)
http GET /api/pieces/slack "" -H "If-None-Match: $etag"
expect_status 304 "a single piece answers 304 too"

# Workers keep catalogue answers, and drop them as soon as the catalogue
# changes, whoever changes it.
# Counted by the workers themselves (the job runner and other databases'
# work do not count), so the figure holds on a busy machine.
statements() {
	curl -s "http://127.0.0.1:$HTTP_PORT/api/metrics" |
	    awk '/^apconn_db_statements_total\{group="(main|outbound)"\}/ { n += $2 } END { print n + 0 }'
}
for i in 1 2 3 4 5 6; do http GET /api/pieces; http GET /api/pieces/slack; done
c0=$(statements)
for i in $(seq 1 30); do http GET /api/pieces; http GET /api/pieces/slack; done
c1=$(statements)
check "the workers count their statements" test "$c0" -gt 0
check "60 repeated catalogue reads are answered without the database ($((c1 - c0)) statements)" \
    test $((c1 - c0)) -lt 30	# uncached, each read is one: 60 and more
psql_q "UPDATE apconn.piece_metadata SET display_name = 'Slack Renamed' WHERE name = 'slack'" >/dev/null
ok_all=1
for i in 1 2 3 4 5 6; do
	http GET /api/pieces/slack
	[ "$(jq -r .displayName "$TMP/body")" = "Slack Renamed" ] || ok_all=0
	http GET /api/pieces
	[ "$(jq -r '.[] | select(.name == "slack") | .displayName' "$TMP/body")" = "Slack Renamed" ] || ok_all=0
done
check "a change to the catalogue is seen at once by every worker" test "$ok_all" = 1

done_testing
