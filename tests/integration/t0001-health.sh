#!/bin/sh
# GET /api/health through nginx: database reachability, the error shape
# for unknown routes and methods, the request id round trip.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
app_start 2
nginx_start

http GET /api/health
expect_status 200 "health with the database up"
expect_json .status ok "health says ok"
expect_json .database ok "health says the database is ok"
rid=$(header X-Request-Id)
check "X-Request-Id is nginx's request id (32 hex)" \
    sh -c "echo '$rid' | grep -Eq '^[0-9a-f]{32}$'"
check "the request id is in the access log" grep -q "$rid GET /api/health 200" "$TMP/app.log"

http HEAD /api/health
expect_status 200 "HEAD health"

http GET /api/nope
expect_error 404 not_found "unknown route"

http DELETE /api/health
expect_error 405 method_not_allowed "wrong method"
check "405 names the allowed methods" sh -c "grep -qi '^Allow: GET, HEAD' '$TMP/headers'"

check "security headers from nginx" grep -qi '^X-Content-Type-Options: nosniff' "$TMP/headers"

done_testing
