#!/bin/sh
# The OAuth2 refresh sweep: the job process renews tokens that are due
# without anyone using them, records each sweep, and leaves a revoked
# connection ERROR; it skips connections whose piece left the catalogue,
# counting them in one summary line, and backs off from a connection
# whose refreshes keep failing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_db
migrate
fake_start
export APCONN_OUTBOUND_ALLOW="127.0.0.1:$FAKE_PORT"
F="http://127.0.0.1:$FAKE_PORT"
psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
    ('o1', 'acme', '1.0.0', 'Acme', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/oauth/token\",\"scope\":[]}'),
    ('o2', 'lcb', '1.0.0', 'Backoff', '{\"type\":\"OAUTH2\",\"authUrl\":\"$F/authorize\",\"tokenUrl\":\"$F/lifecycle/token?ttl=2\",\"scope\":[]}')" >/dev/null
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

# A piece that left the catalogue: nothing could refresh its connections.
psql_q "UPDATE apconn.app_connection SET piece_name = 'vanished' WHERE id = '$fresh'" >/dev/null
last=$(psql_q "SELECT coalesce(max(id), 0) FROM apconn.job_runs")
n=0
until [ "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE id > $last AND summary LIKE '%1 skipped (piece not in the catalogue)%'")" -ge 2 ] || [ $n -ge 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "the sweep skips a connection whose piece is not in the catalogue, and counts it" test $n -lt 100
check "... in its one summary line per sweep, not a line per connection" \
    sh -c "grep -q 'refresh sweep: .* 1 skipped (piece not in the catalogue)' '$TMP/app.log' && ! grep -q '$fresh' '$TMP/app.log'"

# A provider that keeps failing: the sweep waits 1, 2, 4... intervals.
as "$k" POST /api/app-connections '{"externalId":"flaky","displayName":"flaky","pieceName":"lcb","type":"OAUTH2","value":{"type":"OAUTH2","code":"lc-code","client_id":"cid-lcb","client_secret":"cs-lcb","redirect_url":"https://x/cb"}}'
flaky=$(jq -r .id "$TMP/body")
curl -s "$F/lifecycle/mode?set=503" >/dev/null
attempts() { grep '"/lifecycle/token' "$TMP/fake.log" | grep -c 'grant_type=refresh_token'; }
last=$(psql_q "SELECT coalesce(max(id), 0) FROM apconn.job_runs")
sleep 7
sweeps=$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE id > $last")
check "a failing refresh is retried with backoff: $(attempts) attempts in $sweeps sweeps" \
    sh -c "test $(attempts) -ge 2 && test $(attempts) -le 3 && test $sweeps -ge 4"
check "... the sweeps say they are backing off" \
    test "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE id > $last AND summary LIKE '%, 1 backing off'")" -ge 1
check "... and record the failures" \
    test "$(psql_q "SELECT status || '|' || (refresh_failures >= 2)::text || '|' || left(status_reason, 15) FROM apconn.app_connection WHERE id = '$flaky'")" = "ACTIVE|true|refresh failed:"
check "... logging at most $(grep -c "refresh sweep: connection $flaky" "$TMP/app.log") warnings, one per attempt" \
    test "$(grep -c "refresh sweep: connection $flaky" "$TMP/app.log")" -le "$(attempts)"

# An id longer than any buffer (from an older import): the sweep keeps
# its place in a copy of the whole id, so every sweep still ends.
long=$(printf 'y%.0s' $(seq 1 100))
psql_q "UPDATE apconn.app_connection SET id = '$long' WHERE id = '$due'" >/dev/null
last=$(psql_q "SELECT coalesce(max(id), 0) FROM apconn.job_runs")
n=0
until [ "$(psql_q "SELECT count(*) FROM apconn.job_runs WHERE id > $last")" -ge 2 ] || [ $n -ge 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "sweeps still end past a 100-character id" test $n -lt 100

done_testing
