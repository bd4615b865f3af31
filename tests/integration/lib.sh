# Shared set-up for the integration tests: sourced by every tNNNN-*.sh.
#
# Each test gets its own temporary directory, its own database (in the
# cluster scripts/test started, APCONN_TEST_PGHOST, or in a private cluster
# it starts itself), its own workers and, when it asks, its own nginx.
# PostgreSQL refuses to run as root, so as root the test re-runs itself as
# an unprivileged user (APCONN_TEST_USER, default postgres).
#
# Exit codes follow Automake: 0 pass, 1 fail, 77 skip.

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir

if [ "$(id -u)" = 0 ]; then
	u=${APCONN_TEST_USER:-postgres}
	if ! id "$u" >/dev/null 2>&1; then
		echo "SKIP: running as root and user $u does not exist"
		exit 77
	fi
	# A test that sets SMALL_FS_SIZE before sourcing this file gets a
	# tmpfs of that size, its own, at APCONN_SMALL_FS (owned by $u),
	# mounted around its run.
	if [ -n "${SMALL_FS_SIZE:-}" ] && [ -z "${APCONN_SMALL_FS:-}" ]; then
		fs=$(mktemp -d "${TMPDIR:-/tmp}/apconn-smallfs.XXXXXX") || exit 1
		if ! mount -t tmpfs -o "size=$SMALL_FS_SIZE,mode=0700,uid=$(id -u "$u"),gid=$(id -g "$u")" \
		    tmpfs "$fs"; then
			rmdir "$fs"
			echo "SKIP: cannot mount a tmpfs"
			exit 77
		fi
		runuser -u "$u" -- env top_srcdir="$top_srcdir" \
		    top_builddir="$top_builddir" APCONN_SMALL_FS="$fs" \
		    /bin/sh "$0" "$@"
		rc=$?
		umount -l "$fs" && rmdir "$fs"
		exit $rc
	fi
	exec runuser -u "$u" -- env top_srcdir="$top_srcdir" \
	    top_builddir="$top_builddir" /bin/sh "$0" "$@"
fi
if [ -n "${SMALL_FS_SIZE:-}" ] && [ -z "${APCONN_SMALL_FS:-}" ]; then
	echo "SKIP: a small filesystem needs root to mount it (or APCONN_SMALL_FS)"
	exit 77
fi

TEST_NAME=$(basename "$0" .sh)
# A fixed test key ring (two keys: the first is active).
: "${APCONN_KEYS:=k2:TIRZl9XbmrFgdWvTJ1GytvyiSWOwTu8lvJ6h4WHxt6g=,k1:wwbn0CJcu4fCX4mRf8iGc2dScV3ELoWCjv86WqKp3hs=}"
export APCONN_KEYS
# The background piece sync stays off unless a test turns it on.
: "${APCONN_SYNC_INTERVAL:=0}"
export APCONN_SYNC_INTERVAL
: "${APCONN_REFRESH_INTERVAL:=0}"
export APCONN_REFRESH_INTERVAL
# So does the delivery of connection events (t0410 turns it on): with all
# three off, the master starts no job process.
: "${APCONN_EVENT_DELIVERY:=0}"
export APCONN_EVENT_DELIVERY
TMP=$(mktemp -d "${TMPDIR:-/tmp}/apconn-$TEST_NAME.XXXXXX")
chmod 755 "$TMP"
mkdir "$TMP/answers"
chmod 777 "$TMP/answers"
APCONN_ANSWERS="$TMP/answers"	# node clients keep their answers here too
export APCONN_ANSWERS
PIDS=""
PG_PRIVATE=0
EXTRA_DBS=""
FAILS=0
CHECKS=0

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
ADMIN="$top_builddir/apconn-admin"
FCGI="$top_builddir/apconn-fcgi"

for tool in curl jq; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done

cleanup() {
	rc=$?
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	# A sanitizer report anywhere fails the test, even if every check passed.
	if grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP"/*.log \
	    >"$TMP/sanitizer.hits" 2>/dev/null; then
		echo "not ok - sanitizer reports in: $(cat "$TMP/sanitizer.hits")"
		grep -h -A 30 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP"/*.log | head -n 80
		rc=1
	fi
	if [ "$PG_PRIVATE" = 1 ]; then
		"$PGBIN/pg_ctl" -D "$TMP/pg" -m immediate stop >/dev/null 2>&1
	elif [ -n "${TEST_DB:-}" ]; then
		for d in $EXTRA_DBS; do
			dropdb --if-exists "$d" >/dev/null 2>&1
		done
		dropdb --if-exists "$TEST_DB" >/dev/null 2>&1
	fi
	if [ $rc -ne 0 ] || [ "$FAILS" -ne 0 ]; then
		for f in "$TMP"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $f (last 30 lines)"
			tail -n 30 "$f"
		done
	fi
	if [ -z "${APCONN_KEEP_TMP:-}" ]; then
		rm -rf "$TMP"
	else
		echo "kept $TMP"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ok DESCRIPTION / fail DESCRIPTION: record one check.
ok() {
	CHECKS=$((CHECKS + 1))
	echo "ok $CHECKS - $*"
}
fail() {
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
	echo "not ok $CHECKS - $*"
}
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
# Secrets that must never be logged: whole tokens, Authorization values,
# and what the suite's token server hands out (tests/fakes/upstream.js).
SECRET_RE='ap[ks]_[0-9a-z]{21}_[A-Za-z0-9_-]{20,}|Bearer [A-Za-z0-9]|at-[0-9]{13}|at-refreshed-|rt-(1|chain|revoked)([^0-9a-z]|$)|(good|short)-code|short-(revoked|chain|norefresh)|code_verifier=|client_secret=|(at|rt)-lc[a-z]+-[0-9]+|cs-lc[a-z]+|lc-code'

# done_testing: the script's last line.  Also fails the test when any
# secret reached the app's or nginx's logs, or when they are not clean
# text (text_clean).
done_testing() {
	answers_check
	for f in "$TMP/app.log" "$TMP"/nginx*.log "$TMP"/apache*.log \
	    "$TMP"/lighttpd*.log; do
		[ -f "$f" ] || continue
		text_clean "$f" || fail "$(basename "$f") is valid UTF-8 without NUL"
		if grep -Eq "$SECRET_RE" "$f"; then
			fail "no secret in $(basename "$f"): $(grep -Eo ".{0,40}($SECRET_RE).{0,20}" "$f" | head -n 1 | sed -E 's/(ap[ks]_[0-9a-z]{21}_).*/\1.../')"
		fi
	done
	echo "$CHECKS checks, $FAILS failed"
	[ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ]
	exit $?
}

# pg_private: start a cluster of this test's own (for tests that stop it).
pg_private() {
	if [ ! -x "$PGBIN/initdb" ]; then
		echo "SKIP: no PostgreSQL server binaries"
		exit 77
	fi
	"$PGBIN/initdb" -D "$TMP/pg" -A trust -U apconn -E UTF8 --no-sync \
	    >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log"; exit 1; }
	PG_PRIVATE=1
	pg_up
	PGHOST=$TMP PGUSER=apconn PGDATABASE=postgres
	export PGHOST PGUSER PGDATABASE
	TEST_DB=apconn
	createdb "$TEST_DB" || exit 1
	DATABASE_URL="host=$TMP user=apconn dbname=$TEST_DB"
	export DATABASE_URL
}

# pg_up / pg_down: start or stop the private cluster (PG_EXTRA_OPTS: more
# server options).
pg_up() {
	"$PGBIN/pg_ctl" -D "$TMP/pg" -w -t 30 -l "$TMP/postgres.log" \
	    -o "-k $TMP -c listen_addresses='' -c fsync=off -c full_page_writes=off ${PG_EXTRA_OPTS:-}" \
	    start >/dev/null || exit 1
}
pg_down() {
	"$PGBIN/pg_ctl" -D "$TMP/pg" -w -m fast stop >/dev/null
}

# pg_db: a fresh database for this test, in the shared cluster when
# scripts/test started one, else in a private cluster.
pg_db() {
	if [ -n "${APCONN_TEST_PGHOST:-}" ]; then
		PGHOST=$APCONN_TEST_PGHOST PGUSER=apconn PGDATABASE=postgres
		export PGHOST PGUSER PGDATABASE
		TEST_DB=$(echo "t_${TEST_NAME}_$$" | tr -c 'a-z0-9_\n' '_')
		createdb "$TEST_DB" || exit 1
		DATABASE_URL="host=$PGHOST user=apconn dbname=$TEST_DB"
		export DATABASE_URL
	else
		pg_private
	fi
}

# pg_extra_db SUFFIX: another database beside the test's (dropped at
# exit), its conninfo in EXTRA_DB_URL.
pg_extra_db() {
	_xd="${TEST_DB}_$1"
	createdb "$_xd" || exit 1
	EXTRA_DBS="$EXTRA_DBS $_xd"
	EXTRA_DB_URL="host=$PGHOST user=$PGUSER dbname=$_xd"
}

# migrate: apply the migrations to the test database.
migrate() {
	"$ADMIN" migrate >"$TMP/migrate.log" 2>&1 || {
		cat "$TMP/migrate.log"
		exit 1
	}
}

# psql_q SQL: run one query in the test database, unaligned output.
psql_q() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1"
}

# wait_for_socket PATH: wait up to 10 s for a unix socket to appear.
wait_for_socket() {
	n=0
	while [ ! -S "$1" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ -S "$1" ]
}

# app_start [WORKERS] [extra apconn-fcgi options]: the prefork master on
# $TMP/app.sock (and $TMP/outbound.sock), its pid in APP_PID.
app_start() {
	w=${1:-2}
	[ $# -gt 0 ] && shift
	rm -f "$TMP/app.sock"
	"$FCGI" --listen "unix:$TMP/app.sock" --workers "$w" \
	    --outbound-listen "unix:$TMP/outbound.sock" --outbound-workers 1 \
	    "$@" >>"$TMP/app.log" 2>&1 &
	APP_PID=$!
	PIDS="$PIDS $APP_PID"
	wait_for_socket "$TMP/app.sock" || { echo "apconn-fcgi did not start"; exit 1; }
	sleep 0.2
}

# healthy_within MS: GET /api/health answers 200 four times in a row (so
# that each worker has recovered) within MS milliseconds; 0 when it did.
healthy_within() {
	_ht0=$(date +%s%N)
	while [ $(( ($(date +%s%N) - _ht0) / 1000000 )) -lt "$1" ]; do
		_hgood=0
		for _hi in 1 2 3 4; do
			http GET /api/health
			[ "$STATUS" = 200 ] && _hgood=$((_hgood + 1))
		done
		[ $_hgood = 4 ] && return 0
		sleep 0.1
	done
	return 1
}

# worker_pids: the master's current children.
worker_pids() {
	pgrep -P "$APP_PID" | sort
}

# reload_replaces TENTHS: SIGHUP to the master, then up to TENTHS tenths
# of a second for none of its workers of before to be left; 0 when none
# is, with the wait in RELOAD_MS.
reload_replaces() {
	_old=$(worker_pids)
	kill -HUP "$APP_PID"
	_n=0
	while [ $_n -lt "$1" ]; do
		sleep 0.1
		_n=$((_n + 1))
		[ "$(printf '%s\n%s\n' "$_old" "$(worker_pids)" | sort | uniq -d | wc -l)" = 0 ] && break
	done
	RELOAD_MS=$((_n * 100))
	[ "$(printf '%s\n%s\n' "$_old" "$(worker_pids)" | sort | uniq -d | wc -l)" = 0 ]
}

# nginx_start: nginx in front of the workers, on $TMP/http.sock and
# 127.0.0.1:$HTTP_PORT.  NGINX_LIMIT_KEY may switch rate limiting off ("").
# NGINX_MAIN_SERVERS and NGINX_OUTBOUND_SERVERS may replace app_start's
# sockets in the upstreams ("server unix:A; server unix:B;": several hosts).
nginx_start() {
	mkdir -p "$TMP/www"
	echo static >"$TMP/www/static.txt"
	cp /etc/nginx/fastcgi_params /etc/nginx/mime.types "$TMP/"
	cp "$top_srcdir/nginx/apconn-locations.conf" "$TMP/"
	tries=0
	while :; do
		HTTP_PORT=$(( (($$ + tries * 7919) % 20000) + 30000 ))
		sed -e "s|server unix:@TMP@/app.sock;|${NGINX_MAIN_SERVERS:-server unix:$TMP/app.sock;}|" \
		    -e "s|server unix:@TMP@/outbound.sock;|${NGINX_OUTBOUND_SERVERS:-server unix:$TMP/outbound.sock;}|" \
		    -e "s|@TMP@|$TMP|g" -e "s|@PORT@|$HTTP_PORT|g" \
		    -e "s|@LIMIT_KEY@|${NGINX_LIMIT_KEY-\$binary_remote_addr}|g" \
		    -e "s|@API_RATE@|${NGINX_API_RATE:-1000r/s}|g" \
		    -e "s|@AUTH_RATE@|${NGINX_AUTH_RATE:-200r/s}|g" \
		    -e "s|@WEB@|$top_srcdir/web|g" \
		    "$top_srcdir/nginx/test.conf.in" >"$TMP/nginx.conf"
		rm -f "$TMP/http.sock"
		tries=$((tries + 1))
		# A port something already listens on is skipped.
		if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$HTTP_PORT/"; then
			[ $tries -lt 20 ] || { echo "no free port for nginx"; exit 1; }
			continue
		fi
		/usr/sbin/nginx -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" \
		    >>"$TMP/nginx.log" 2>&1 &
		NGINX_PID=$!
		# Up means both listeners answer, not just the socket file.
		n=0
		while [ $n -lt 50 ]; do
			if kill -0 "$NGINX_PID" 2>/dev/null && [ -S "$TMP/http.sock" ] &&
			    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$HTTP_PORT/static.txt"; then
				break 2
			fi
			kill -0 "$NGINX_PID" 2>/dev/null || break
			sleep 0.1
			n=$((n + 1))
		done
		kill "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
		[ $tries -lt 20 ] || { echo "nginx did not start"; cat "$TMP/nginx-error.log"; exit 1; }
	done
	PIDS="$PIDS $NGINX_PID"
}

# text_clean FILE: 0 when FILE is valid UTF-8 holding no NUL, neither as
# a byte nor, in JSON, as an escape.
text_clean() {
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 &&
	    [ "$(tr -d '\000' <"$1" | wc -c)" = "$(wc -c <"$1")" ] &&
	    ! grep -q '\\u0000' "$1"
}

# answer_clean WHAT: fails the test's check count when the last answer
# (text, not an image) is not clean text.
answer_clean() {
	_ctype=$(header Content-Type 2>/dev/null)
	case "$_ctype" in
	image/*|application/octet-stream|font/*) return 0 ;;
	esac
	text_clean "$TMP/body" ||
	    fail "the answer to $1 is valid UTF-8 without NUL: $(head -c 200 "$TMP/body" | od -c | head -n 3)"
}

# _hcurl PATH [curl options...]: curl to nginx's socket, or to HTTP_URL
# (http://127.0.0.1:PORT) when a test serves through another web server.
_hcurl() {
	_hu=$1
	shift
	if [ -n "${HTTP_URL:-}" ]; then
		curl "$@" "$HTTP_URL$_hu"
	else
		curl --unix-socket "$TMP/http.sock" "$@" "http://localhost$_hu"
	fi
}

# http METHOD PATH [BODY] [curl options...]: through nginx (or HTTP_URL).
# Sets STATUS, writes the body to $TMP/body and the headers to
# $TMP/headers.
http() {
	_hm=$1 _hp=$2
	shift 2
	_hb=""
	if [ $# -gt 0 ]; then _hb=$1; shift; fi
	rm -f "$TMP/body" "$TMP/headers"
	: >"$TMP/body"
	_hct="Content-Type: application/json"
	case "$*" in *Content-Type:*) _hct="X-No-Default: 1" ;; esac
	if [ -n "$_hb" ]; then
		STATUS=$(_hcurl "$_hp" -sS -o "$TMP/body" -D "$TMP/headers" \
		    -w '%{http_code}' -X "$_hm" \
		    -H "$_hct" --data-binary "$_hb" "$@")
	elif [ "$_hm" = HEAD ]; then
		STATUS=$(_hcurl "$_hp" -sS -o "$TMP/body" -D "$TMP/headers" \
		    -w '%{http_code}' --head "$@")
	else
		STATUS=$(_hcurl "$_hp" -sS -o "$TMP/body" -D "$TMP/headers" \
		    -w '%{http_code}' -X "$_hm" "$@")
	fi
	answer_clean "$_hm $_hp"
	answer_record "$_hm" "$_hp"
}

# answer_record METHOD PATH: keeps the last answer for done_testing's
# check against openapi.yaml (tests/integration/answers.js).
answer_record() {
	_hf=$(mktemp "$TMP/answers/a.XXXXXX") || return 0
	cp "$TMP/body" "$_hf"
	printf '%s\t%s\t%s\t%s\t%s\n' "${_hf##*/}" "$1" "$2" "$STATUS" \
	    "$_ctype" >>"$TMP/answers/index"
}

# answers_check: every answer the test received through nginx is one
# openapi.yaml declares, with the declared status, content type and
# shape.
answers_check() {
	[ -s "$TMP/answers/index" ] || return 0
	_nm="${APCONN_BROWSER_MODULES:-$top_srcdir/tests/browser/node_modules}"
	if [ ! -d "$_nm/ajv" ] || ! command -v node >/dev/null 2>&1; then
		fail "node and tests/browser's modules check the answers against openapi.yaml (npm ci in tests/browser; scripts/test does it)"
		return
	fi
	_na=$(wc -l <"$TMP/answers/index")
	if NODE_PATH="$_nm" node "$top_srcdir/tests/integration/answers.js" \
	    "$top_srcdir/openapi.yaml" "$TMP/answers" >"$TMP/answers.out" 2>&1; then
		ok "the $_na answers received are the ones openapi.yaml declares"
	else
		fail "the $_na answers received are the ones openapi.yaml declares: $(wc -l <"$TMP/answers.out") are not"
		head -n 200 "$TMP/answers.out"
	fi
}

# fcgi METHOD PATH [BODY]: straight to the workers, no nginx (cgi-fcgi), on
# FCGI_SOCK (default app_start's socket).  Extra CGI parameters (such as
# REMOTE_ADDR or HTTP_AUTHORIZATION) may be exported before the call.
fcgi() {
	body=${3-}
	REQUEST_METHOD=$1 DOCUMENT_URI=$2 REQUEST_URI=$2 QUERY_STRING=${QS:-} \
	CONTENT_TYPE=${CT:-application/json} CONTENT_LENGTH=${#body} \
	    cgi-fcgi -bind -connect "${FCGI_SOCK:-$TMP/app.sock}" <<EOF2 >"$TMP/fcgi.out"
$body
EOF2
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$TMP/fcgi.out" | head -n 1)
	sed '1,/^\r*$/d' "$TMP/fcgi.out" >"$TMP/body"
	sed '/^\r*$/q' "$TMP/fcgi.out" >"$TMP/headers"
	answer_clean "$1 $2 (FastCGI)"
}

# expect_status WANT DESCRIPTION
expect_status() {
	if [ "$STATUS" = "$1" ]; then
		ok "$2 ($1)"
	else
		fail "$2: status $STATUS, want $1: $(head -c 300 "$TMP/body")"
	fi
}

# expect_json JQ-EXPR WANT DESCRIPTION: the body's value (raw) equals WANT.
expect_json() {
	got=$(jq -r "$1" <"$TMP/body" 2>/dev/null)
	if [ "$got" = "$2" ]; then
		ok "$3"
	else
		fail "$3: $1 is '$got', want '$2'"
	fi
}

# expect_error STATUS CODE DESCRIPTION: an error body of DESIGN.md section 6.
expect_error() {
	expect_status "$1" "$3"
	got=$(jq -r 'if (.error|type) == "string" then .code else "no error string" end' \
	    <"$TMP/body" 2>/dev/null)
	if [ "$got" = "$2" ]; then
		ok "$3: code $2"
	else
		fail "$3: code '$got', want '$2': $(head -c 300 "$TMP/body")"
	fi
}

# header NAME: the value of a response header (last one), without CR.
header() {
	grep -i "^$1:" "$TMP/headers" | tail -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# admin ARGS...: apconn-admin against the test database.
admin() {
	"$ADMIN" "$@"
}

# new_user EMAIL: creates a real user, prints its id.
new_user() {
	"$ADMIN" user create --email "$1" --name "${1%@*}"
}

# new_key USER SCOPES: creates an API key, prints the token.
new_key() {
	"$ADMIN" token create --user "$1" --scopes "$2"
}

# as TOKEN METHOD PATH [BODY] [curl options]: http with a Bearer token.
as() {
	_at=$1 _am=$2 _ap=$3
	shift 3
	_ab=""
	if [ $# -gt 0 ]; then _ab=$1; shift; fi
	http "$_am" "$_ap" "$_ab" -H "Authorization: Bearer $_at" "$@"
}

# seed_pieces: a few pieces with every kind of auth definition.
seed_pieces() {
	psql_q "INSERT INTO apconn.piece_metadata (id, name, version, display_name, auth) VALUES
	('p1', 'openai', '0.3.0', 'OpenAI', '{\"type\":\"SECRET_TEXT\",\"displayName\":\"API Key\",\"required\":true}'),
	('p2', 'openai', '0.10.1', 'OpenAI', '{\"type\":\"SECRET_TEXT\",\"displayName\":\"API Key\",\"required\":true}'),
	('p3', 'slack', '0.5.0', 'Slack', '{\"type\":\"OAUTH2\",\"authUrl\":\"https://slack.com/oauth/v2/authorize\",\"tokenUrl\":\"https://slack.com/api/oauth.v2.access\",\"scope\":[\"chat:write\"],\"required\":true}'),
	('p4', 'postgres', '0.2.0', 'PostgreSQL', '{\"type\":\"CUSTOM_AUTH\",\"required\":true,\"props\":{
	    \"host\":{\"type\":\"SHORT_TEXT\",\"displayName\":\"Host\",\"required\":true},
	    \"port\":{\"type\":\"NUMBER\",\"displayName\":\"Port\",\"required\":true},
	    \"password\":{\"type\":\"SECRET_TEXT\",\"displayName\":\"Password\",\"required\":true},
	    \"ssl\":{\"type\":\"CHECKBOX\",\"displayName\":\"SSL\",\"required\":false},
	    \"mode\":{\"type\":\"STATIC_DROPDOWN\",\"displayName\":\"Mode\",\"required\":false,
		\"options\":{\"options\":[{\"label\":\"Read\",\"value\":\"ro\"},{\"label\":\"Write\",\"value\":\"rw\"}]}}}}'),
	('p5', 'jira-cloud', '0.1.0', 'Jira', '{\"type\":\"BASIC_AUTH\",\"username\":{\"displayName\":\"Email\"},\"password\":{\"displayName\":\"Token\"},\"required\":true}'),
	('p6', 'http', '0.4.0', 'HTTP', NULL),
	('p7', 'multi', '1.0.0', 'Multi', '[{\"type\":\"SECRET_TEXT\",\"displayName\":\"Key\",\"required\":true},
	    {\"type\":\"CUSTOM_AUTH\",\"required\":true,\"props\":{\"token\":{\"type\":\"SECRET_TEXT\",\"required\":true},\"region\":{\"type\":\"SHORT_TEXT\",\"required\":true}}}]')" >/dev/null
}

# fake_start: the recorded-data HTTP server (tests/fakes/upstream.js) on
# 127.0.0.1:$FAKE_PORT.
fake_start() {
	command -v node >/dev/null 2>&1 || { echo "SKIP: node not installed"; exit 77; }
	rm -f "$TMP/fake.port"
	node "$top_srcdir/tests/fakes/upstream.js" --port-file "$TMP/fake.port" \
	    --max-seconds 600 "$@" >>"$TMP/fake.log" 2>&1 &
	FAKE_PID=$!
	PIDS="$PIDS $FAKE_PID"
	n=0
	while [ ! -s "$TMP/fake.port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	FAKE_PORT=$(cat "$TMP/fake.port" 2>/dev/null)
	[ -n "$FAKE_PORT" ] || { echo "the fake server did not start"; exit 1; }
}

# home_install: the shared-hosting install, as this unprivileged user:
# ./configure --prefix=$HOME/apconn && make install, with HOME the test's
# $TMP/home; then the account's configuration file there (mode 0600:
# the database and the key ring), and FCGI, ADMIN and PREFIX naming the
# installed programs.  DATABASE_URL and APCONN_KEYS leave the
# environment, so that every program reads them from that file.
home_install() {
	HOME="$TMP/home"
	export HOME
	mkdir -p "$HOME" "$TMP/build"
	if ! (cd "$TMP/build" &&
	    "$top_srcdir/configure" -q --prefix="$HOME/apconn" >"$TMP/configure.log" 2>&1 &&
	    make -j2 >"$TMP/make.log" 2>&1 && make install >"$TMP/install.log" 2>&1); then
		tail -n 20 "$TMP/configure.log" "$TMP/make.log" "$TMP/install.log"
		echo "configure --prefix=\$HOME/apconn && make install failed"
		exit 1
	fi
	PREFIX="$HOME/apconn"
	FCGI="$PREFIX/bin/apconn-fcgi" ADMIN="$PREFIX/bin/apconn-admin"
	CONF="$PREFIX/etc/apconn/apconn.conf"
	_hk=$APCONN_KEYS _hd=$DATABASE_URL
	unset APCONN_KEYS DATABASE_URL APCONN_SYNC_INTERVAL APCONN_REFRESH_INTERVAL
	DATABASE_URL=$_hd	# psql_q's, no longer exported
	{
		echo "DATABASE_URL = $_hd"
		echo "APCONN_KEYS = $_hk"
		echo "APCONN_PUBLIC_URL = http://localhost:8080"
	} >"$CONF"
	chmod 600 "$CONF"
}

# free_port: a port nothing on 127.0.0.1 answers on, in HTTP_PORT.
free_port() {
	_fp=0
	while :; do
		HTTP_PORT=$(( (($$ + _fp * 7919) % 20000) + 30000 ))
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$HTTP_PORT/" || return 0
		_fp=$((_fp + 1))
		[ $_fp -lt 20 ] || { echo "no free port"; exit 1; }
	done
}

# wait_http URL: up to 10 s for a web server to answer (any status).
wait_http() {
	_wn=0
	until curl -s -o /dev/null --max-time 1 "$1"; do
		_wn=$((_wn + 1))
		[ $_wn -lt 100 ] || return 1
		sleep 0.1
	done
}

# hosted_reads TOKEN EXECUTOR CID SECRET: through a foreign web server
# (t0720, t0721), after connection CID ("ai", holding SECRET) was saved
# with TOKEN: the list, the connection, the OAuth2 callback's refusal, a
# workflow referencing it (its id in WF, its nodes in NODES) and the
# executor's resolution with EXECUTOR, which must hand out SECRET.
hosted_reads() {
	as "$1" GET /api/app-connections
	expect_json '.data | length' 1 "the list shows it"
	as "$1" GET "/api/app-connections/$3"
	expect_json .externalId ai "one connection"
	http GET "/api/app-connections/oauth2/callback?code=c&state=0123456789abcdef"
	expect_status 400 "the OAuth2 callback refuses a state it never issued"
	expect_json .status error "... in the original's shape"
	NODES='[{"id":"n1","type":"action","data":{"label":"Ask","config":{"actionType":"openai/ask","auth":"{{connections['"'"'ai'"'"']}}"}}}]'
	as "$1" POST /api/workflows/create "{\"name\":\"Hosted\",\"nodes\":$NODES,\"edges\":[]}"
	expect_status 200 "a workflow referencing it"
	WF=$(jq -r .id "$TMP/body")
	as "$2" GET "/api/workflows/$WF/connections/ai"
	expect_status 200 "the executor's resolution (outbound pool)"
	expect_json .value.secret_text "$4" "... hands out the credential"
}

# kill_mid_write SERVER TOKEN WF NODES NAME: PATCHes workflow WF (named
# NAME) through $HTTP_URL while its references are locked, so that the
# statement waits inside its transaction; SIGKILLs the main pool (their
# pids in KILLED) and releases the lock.  Checks that SERVER answers the
# request in the API's error shape, that no backend is left idle in
# transaction or waiting, and that the workflow keeps NAME.
kill_mid_write() {
	psql -X -q -d "$DATABASE_URL" -c "BEGIN; LOCK TABLE apconn.workflow_connection_ref IN SHARE MODE; SELECT pg_sleep(3); COMMIT" >/dev/null 2>&1 &
	_kl=$!
	sleep 0.3
	curl -s -o "$TMP/patch.body" -D "$TMP/patch.headers" -w '%{http_code}' -X PATCH \
	    -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
	    --data-binary "{\"name\":\"Half written\",\"nodes\":$4,\"edges\":[]}" \
	    "$HTTP_URL/api/workflows/$3" >"$TMP/patch.status" &
	_kp=$!
	_kn=0
	until [ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'apconn' AND wait_event_type = 'Lock'")" = 1 ] ||
	    [ $_kn -gt 40 ]; do sleep 0.05; _kn=$((_kn + 1)); done
	check "a worker's transaction waits on the lock, mid-write" test $_kn -le 40
	KILLED=$(fcgi_pids ' --pool main' | tr '\n' ' ')
	kill -9 $KILLED
	wait $_kp
	STATUS=$(cat "$TMP/patch.status")
	cp "$TMP/patch.body" "$TMP/body"
	cp "$TMP/patch.headers" "$TMP/headers"
	answer_clean "PATCH /api/workflows/$3"
	answer_record PATCH "/api/workflows/$3"
	check "the request in flight is answered by $1 ($STATUS)" sh -c "[ '$STATUS' = 500 ] || [ '$STATUS' = 502 ] || [ '$STATUS' = 503 ]"
	expect_json '.code|type' string "... in the API's error shape"
	wait $_kl
	_kn=0
	until [ "$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'apconn' AND (state LIKE 'idle in transaction%' OR wait_event_type = 'Lock')")" = 0 ] ||
	    [ $_kn -gt 50 ]; do sleep 0.1; _kn=$((_kn + 1)); done
	check "no backend is left idle in transaction or waiting" test $_kn -le 50
	check "the killed transaction left nothing: the workflow keeps its name" \
	    test "$(psql_q "SELECT name FROM apconn.workflows WHERE id = '$3'")" = "$5"
}

# fcgi_pids PATTERN: the pids of this test's installed apconn-fcgi
# processes whose command line matches PATTERN (after the program).
fcgi_pids() {
	pgrep -f "^$FCGI${1:-}" | sort
}
