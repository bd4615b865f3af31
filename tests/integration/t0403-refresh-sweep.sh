#!/bin/sh
# The OAuth2 refresh sweep: the job process renews tokens that are due
# without anyone using them, records each sweep, and leaves a revoked
# connection ERROR.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
F="http://127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '1.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[]}')" >/dev/null
APCONN_REFRESH_INTERVAL=1 app_start 2
nginx_start

u=$(new_user walt@example.com)
k=$(new_key "$u" connections:read,connections:write)
connect() {
	as "$k" POST /api/app-connections "{\"externalId\":\"$1\",\"displayName\":\"$1\",\"pieceName\":\"acme\",\"type\":\"OAUTH2\",\"value\":{\"type\":\"OAUTH2\",\"code\":\"$2\",\"client_id\":\"c\",\"client_secret\":\"s\",\"redirect_url\":\"https://x/cb\"}}"
	jq -r .id "$TMP/body"
}
fresh=$(connect fresh good-code)
due=$(connect due short-code)
revoked=$(connect revoked short-revoked)
n=0
while [ "$(grep -c 'refresh_token=rt-1' "$TMP/fake.log")" = 0 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
sleep 1.5
check "the sweep refreshed the due token, once" test "$(grep -c 'refresh_token=rt-1' "$TMP/fake.log")" = 1
check "... without touching the fresh one" test "$(grep -c 'grant_type=refresh_token' "$TMP/fake.log")" = 2
check "the revoked one is ERROR" \
    test "$(psql_q "SELECT status FROM apconn.app_connection WHERE id = '$revoked'")" = ERROR
check "the fresh and the refreshed ones are ACTIVE" \
    test "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE status = 'ACTIVE'")" = 2
check "sweeps are recorded" test "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE job = 'oauth2_refresh'")" -ge 2
http GET /api/health
check "/api/health shows the last sweep" sh -c "jq -r .jobs.oauth2_refresh.summary '$TMP/body' | grep -q checked"
check "no token in the log" sh -c "! grep -q -e at-refreshed -e rt-1 '$TMP/app.log'"

done_testing
