#!/bin/sh
# The request layer, through nginx and straight to the workers: body size
# limits (413), content type (415), malformed, deep, huge or non-UTF-8
# JSON (400), short bodies, and access logs that carry no secrets and no
# forged lines.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
app_start 2
nginx_start

u=$(new_user carol@example.com)
key=$(new_key "$u" connections:write,workflows:write)

as "$key" POST /api/auth/link '{"anonymousToken":"x"}' -H 'Content-Type: text/plain'
expect_error 415 unsupported_media_type "a JSON route with Content-Type text/plain"
as "$key" POST /api/auth/link '{"anonymousToken":"x"}' -H 'Content-Type: application/json; charset=utf-8'
expect_error 400 invalid_anonymous_token "application/json with a charset is accepted"
as "$key" POST /api/auth/link '{"anonymousToken":'
expect_error 400 invalid_json "truncated JSON"
as "$key" POST /api/auth/link '{"anonymousToken":"x"} trailing'
expect_error 400 invalid_json "JSON with trailing bytes"
as "$key" POST /api/auth/link "{'anonymousToken':'x'}"
expect_error 400 invalid_json "single-quoted JSON"
as "$key" POST /api/auth/link '[1,2,3]'
expect_error 400 invalid_json "a JSON array where an object is required"
check "the message does not echo the input" sh -c "! grep -q '1,2,3' '$TMP/body'"

deep=$(printf '%0.s[' $(seq 1 40))$(printf '%0.s]' $(seq 1 40))
as "$key" POST /api/auth/link "{\"a\":$deep}"
expect_error 400 invalid_json "JSON nested 40 deep"
expect_json .error "request body is nested too deeply" "the depth error says so"

printf '{"anonymousToken":"\377\376"}' >"$TMP/badutf8"
http POST /api/auth/link "" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' --data-binary @"$TMP/badutf8"
expect_error 400 invalid_json "invalid UTF-8"

awk 'BEGIN { printf "{"; for (i = 0; i < 90000; i++) printf "%s\"k%d\":0", (i ? "," : ""), i; printf "}" }' >"$TMP/manykeys"
t0=$(date +%s%N)
http POST /api/auth/link "" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' --data-binary @"$TMP/manykeys"
t1=$(date +%s%N)
expect_error 400 invalid_json "an object with 90,000 keys"
expect_json .error "request body has too many values" "the size error says so"
check "... answered quickly (< 1 s)" test $(( (t1 - t0) / 1000000 )) -lt 1000

head -c 1100000 /dev/zero | tr '\0' 'a' >"$TMP/big"
http POST /api/auth/link "" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' --data-binary @"$TMP/big"
expect_error 413 payload_too_large "a 1.1 MB body, refused by nginx"

# Straight to the workers: the application enforces its own limits.
CT=application/json
fcgi POST /api/auth/link '{"a":1}'
expect_error 401 unauthorized "no credential, straight to a worker"
REQUEST_METHOD=POST DOCUMENT_URI=/api/auth/link CONTENT_LENGTH=2000000 \
    CONTENT_TYPE=application/json cgi-fcgi -bind -connect "$TMP/app.sock" \
    </dev/null >"$TMP/fcgi.out" 2>/dev/null
check "CONTENT_LENGTH over 1 MiB: 413 from the worker" grep -q '^Status: 413' "$TMP/fcgi.out"
check "... in the JSON error shape" grep -q '"code":"payload_too_large"' "$TMP/fcgi.out"
# Input the worker leaves unread must not reset its answer: the body
# itself sent, and a body the parameters did not announce.
REQUEST_METHOD=POST DOCUMENT_URI=/api/auth/link CONTENT_LENGTH=1100000 \
    CONTENT_TYPE=application/json cgi-fcgi -bind -connect "$TMP/app.sock" \
    <"$TMP/big" >"$TMP/fcgi.out" 2>/dev/null
check "a 1.1 MB body sent after its CONTENT_LENGTH: the whole 413" \
    grep -q '"code":"payload_too_large"' "$TMP/fcgi.out"
printf '{"a":1}' | REQUEST_METHOD=POST DOCUMENT_URI=/api/auth/link \
    CONTENT_TYPE=application/json cgi-fcgi -bind -connect "$TMP/app.sock" \
    >"$TMP/fcgi.out" 2>/dev/null
check "a body without CONTENT_LENGTH, left unread: the whole 401" \
    grep -q '"code":"unauthorized"' "$TMP/fcgi.out"
REQUEST_METHOD=POST DOCUMENT_URI=/api/auth/link CONTENT_LENGTH=abc \
    cgi-fcgi -bind -connect "$TMP/app.sock" </dev/null >"$TMP/fcgi.out" 2>/dev/null
check "a malformed CONTENT_LENGTH: 400" grep -q '^Status: 400' "$TMP/fcgi.out"
printf '{"a":1}' | REQUEST_METHOD=POST DOCUMENT_URI=/api/auth/link CONTENT_LENGTH=50 \
    HTTP_AUTHORIZATION="Bearer $key" CONTENT_TYPE=application/json \
    cgi-fcgi -bind -connect "$TMP/app.sock" >"$TMP/fcgi.out" 2>/dev/null
check "a body shorter than CONTENT_LENGTH: 400" grep -q '^Status: 400' "$TMP/fcgi.out"
QS='a=%zz'
fcgi GET /api/health
expect_error 400 bad_request "a malformed query string"
QS=

# Logs: no secret, no forged line.
http GET '/api/health%0a2026-01-01T00:00:00.000Z%20apconn-fcgi%5b1%5d%20info%20forged'
as "$key" GET /api/user '' -H "Cookie: apconn_session=$key"
http GET "/api/user?token=$key&code=verysecretcode"
check "no token in the application log" sh -c "! grep -q -- '$(echo "$key" | cut -c27-)' '$TMP/app.log'"
check "no token in the nginx logs" sh -c "! grep -q -- '$(echo "$key" | cut -c27-)' '$TMP/nginx-access.log' '$TMP/nginx-error.log'"
check "no query string in the nginx access log" sh -c "! grep -q verysecretcode '$TMP/nginx-access.log'"
check "no query string in the application log" sh -c "! grep -q verysecretcode '$TMP/app.log'"
check "a newline in the path cannot forge a log line" sh -c "! grep -q '^2026-01-01T00:00:00.000Z' '$TMP/app.log'"
check "... it is logged escaped" grep -q 'health\\n2026-01-01' "$TMP/app.log"

done_testing
