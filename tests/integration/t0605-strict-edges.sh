#!/bin/sh
# The edges of the API: query parameters are strict (unknown values,
# repetitions beyond what can mean something and malformed numbers are a
# JSON 400), every error nginx answers itself is JSON in the API's shape,
# and an OAuth2 callback that fails in nginx leaves its code and state out
# of every log.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
seed_pieces
app_start 2
# The outbound pool is unreachable: its routes fail in nginx (502).
NGINX_OUTBOUND_SERVERS="server unix:$TMP/nowhere.sock;" nginx_start

u=$(new_user quinn@example.com)
k=$(new_key "$u" connections:read,connections:write)

# Strict query parameters.
bad_query() {	# bad_query QUERY FIELD DESCRIPTION
	as "$k" GET "/api/app-connections?$1"
	expect_error 400 invalid_request "$3"
	expect_json .field "$2" "... naming $2"
}
bad_query "limit=%2B5" limit "limit=+5"
bad_query "limit=%205" limit "limit with a space"
bad_query "limit=5x" limit "limit with trailing letters"
bad_query "limit=0" limit "limit=0"
bad_query "limit=00000000000000000005" limit "limit with 20 digits"
bad_query "limit=5&limit=6" limit "limit given twice"
bad_query "status=ACTIVE&status=BOGUS" status "an unknown status"
nine=$(for i in 1 2 3 4 5 6 7 8; do printf 'status=ACTIVE&'; done)
bad_query "${nine}status=BOGUS" status "an unknown status as the ninth"
bad_query "${nine}status=ACTIVE" status "status nine times"
bad_query "pieceName=a&pieceName=b" pieceName "pieceName given twice"
bad_query "cursor=n.1.a&cursor=n.2.b" cursor "cursor given twice"
as "$k" GET "/api/app-connections?limit=5&status=ACTIVE&status=ERROR"
expect_status 200 "a well-formed query still answers"
http GET "/api/pieces?limit=%2B5"
expect_error 400 invalid_request "the piece list: limit=+5"
http GET "/api/pieces?sortBy=NAME&sortBy=UPDATED"
expect_error 400 invalid_request "the piece list: sortBy twice"
as "$k" DELETE "/api/app-connections/nosuchid?ifUnreferenced=yes"
expect_error 400 invalid_request "ifUnreferenced=yes (true or false only)"

# nginx's own errors.
json_error() {	# json_error STATUS CODE DESCRIPTION: the last answer
	expect_error "$1" "$2" "$3"
	check "... as JSON" sh -c "grep -qi '^Content-Type: application/json' '$TMP/headers'"
}
http GET /no/such/place
json_error 404 not_found "a path outside the API and the page"
http POST /connections/index.html '{}'
json_error 405 method_not_allowed "POST to a static file"
http GET "/api/pieces?q=$(head -c 20000 /dev/zero | tr '\0' a)"
json_error 414 uri_too_long "a URI over nginx's buffers"
printf 'GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' |
    curl -s -i --max-time 5 telnet://127.0.0.1:"$HTTP_PORT" 2>/dev/null >"$TMP/raw.out"
check "a malformed request: 400 as JSON" \
    sh -c "head -n 1 '$TMP/raw.out' | grep -q ' 400 ' && grep -q '\"code\":\"bad_request\"' '$TMP/raw.out'"
http GET /api/workflows/w1/connections/c1
json_error 502 upstream_unavailable "an unreachable pool"

# The callback fails in nginx, twice: neither its code nor its state is
# logged, while the same failure on another route is.
http GET "/api/app-connections/oauth2/callback?code=cb-code-4711&state=cb-state-0815"
json_error 502 upstream_unavailable "a callback whose pool is unreachable"
head -c 1100000 /dev/zero | tr '\0' a >"$TMP/big"
http POST "/api/app-connections/oauth2/callback?code=cb-code-4712&state=cb-state-0816" "" \
    -H 'Content-Type: application/json' --data-binary @"$TMP/big"
json_error 413 payload_too_large "a callback with a body too large"
sleep 0.2
check "the error log still records failures elsewhere" \
    grep -q 'connect() to unix:.*nowhere.sock failed.*/api/workflows/w1/connections/c1' "$TMP/nginx-error.log"
check "no log holds the callback's code or state" \
    sh -c "! grep -q -e cb-code -e cb-state '$TMP'/nginx*.log '$TMP/app.log'"
check "... and the access log has the failures, without the query" \
    sh -c "grep -q '\"GET /api/app-connections/oauth2/callback HTTP/1.1\" 502' '$TMP/nginx-access.log'"

done_testing
