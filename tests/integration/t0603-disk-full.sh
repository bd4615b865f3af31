#!/bin/sh
# A full disk: the tables live on a small filesystem that is filled up.
# Each write either fits in the space left or answers 503
# database_read_only having changed nothing; reads go on; once space is
# freed, writes succeed again without a restart.
SMALL_FS_SIZE=16m
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

pg_private	# the tablespace is the cluster's
migrate
seed_pieces
app_start 2
nginx_start

u=$(new_user dora@example.com)
k=$(new_key "$u" connections:read,connections:write)
conn() {
	printf '{"externalId":"%s","displayName":"%s","pieceName":"openai","type":"SECRET_TEXT","value":{"type":"SECRET_TEXT","secret_text":"sk-%s"}}' "$1" "$1" "$1"
}

# apconn's tables and indexes onto the small filesystem, then a filler
# there until PostgreSQL reports it full.
psql_q "CREATE TABLESPACE small LOCATION '$APCONN_SMALL_FS'" >/dev/null
psql_q "ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE small" >/dev/null
psql_q "ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE small" >/dev/null
as "$k" POST /api/app-connections "$(conn before)"
expect_status 201 "a write before the disk fills"
psql_q "CREATE TABLE public.filler (t text) TABLESPACE small" >/dev/null
psql_q "ALTER TABLE public.filler ALTER COLUMN t SET STORAGE PLAIN" >/dev/null
full=$(psql_q "DO \$\$
DECLARE n int := 1000;
BEGIN
	LOOP
		BEGIN
			INSERT INTO public.filler
			SELECT repeat(md5(g::text), 60) FROM generate_series(1, n) g;
		EXCEPTION WHEN disk_full THEN
			EXIT WHEN n = 1;
			n := greatest(n / 10, 1);
		END;
	END LOOP;
	RAISE NOTICE 'full';
END \$\$" 2>&1)
check "the filesystem is full (PostgreSQL says disk_full)" sh -c "echo '$full' | grep -q full"
check "... as df says" test "$(df -P "$APCONN_SMALL_FS" | awk 'NR == 2 {print $4}')" -lt 64

# Writes until one needs a page the disk cannot give: each is 201 or a
# clear 503, and only the 201s are stored.
created=0 refused=0 other=""
i=0
while [ $i -lt 60 ] && [ $refused -eq 0 ]; do
	i=$((i + 1))
	as "$k" POST /api/app-connections "$(conn "during$i")"
	case $STATUS in
	201) created=$((created + 1)) ;;
	503) refused=$i
	     code=$(jq -r .code <"$TMP/body")
	     msg=$(jq -r .error <"$TMP/body") ;;
	*) other="$other $STATUS" ;;
	esac
done
check "a write was refused for want of space (after $created that fitted)" test "$refused" -gt 0
check "no other answer ($other)" test -z "$other"
check "the refusal is database_read_only" test "${code:-}" = database_read_only
check "its message says why" test "${msg:-}" = "The database accepts no changes at the moment (read-only or out of disk space); nothing was changed"
check "the refused connection was not stored" test \
    "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE external_id = 'during$refused'")" = 0
check "every accepted one was" test \
    "$(psql_q "SELECT count(*) FROM apconn.app_connection WHERE external_id LIKE 'during%'")" = "$created"
as "$k" POST /api/auth/anonymous ""
check "a session cannot be made either (or fits): $STATUS" test "$STATUS" = 503 -o "$STATUS" = 201
as "$k" GET /api/app-connections
expect_status 200 "reads go on"
expect_json '.data | length' $((created + 1)) "... and see what was stored"

# Space again: the same worker pool writes without a restart.
psql_q "DROP TABLE public.filler" >/dev/null
as "$k" POST /api/app-connections "$(conn after)"
expect_status 201 "a write once space is freed"
as "$k" GET /api/app-connections
expect_json '.data | length' $((created + 2)) "... and it is listed"
check "the workers were never replaced" test "$(grep -c 'exited with\|killed by' "$TMP/app.log" 2>/dev/null || true)" = 0

psql_q "DROP SCHEMA apconn CASCADE" >/dev/null 2>&1
done_testing
