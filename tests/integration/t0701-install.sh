#!/bin/sh
# make install into a DESTDIR puts every file in its place; the manuals
# are clean mdoc; the unit passes systemd-analyze verify with an exposure
# of 2 or less, the service user and its paths come with it; the
# installed apconn-fcgi, behind nginx running the installed site
# configuration, answers over http and over TLS; the installed sync loads
# the installed catalogue snapshot.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v mandoc >/dev/null 2>&1 || { echo "SKIP: mandoc not installed"; exit 77; }
D="$TMP/root"
# The paths this build was configured with.
set -- $(printf 'apconn-paths:\n\t@echo $(prefix) $(bindir) $(sysconfdir) $(runstatedir) $(mandir) $(docdir) $(pkgdatadir)\n' |
    MAKEFLAGS= make -s --no-print-directory -C "$top_builddir" -f Makefile -f - apconn-paths | grep -v "^make")
PREFIX=$1 BINDIR=$2 SYSCONFDIR=$3 RUNSTATEDIR=$4 MANDIR=$5 DOCDIR=$6 PKGDATADIR=$7
make -s -C "$top_builddir" install DESTDIR="$D" >"$TMP/install.log" 2>&1
check "make install into a DESTDIR" test $? = 0
for f in "$BINDIR/apconn-fcgi" "$BINDIR/apconn-admin" "$BINDIR/apconn-sync-pieces" \
    "$MANDIR/man8/apconn-fcgi.8" "$MANDIR/man8/apconn-admin.8" \
    "$MANDIR/man1/apconn-sync-pieces.1" "$SYSCONFDIR/nginx/conf.d/apconn.conf" \
    "$SYSCONFDIR/nginx/apconn-locations.conf" "$SYSCONFDIR/apconn/apconn.conf" \
    "$PREFIX/lib/systemd/system/apconn.service" "$DOCDIR/examples/spawn-fcgi.example" \
    "$DOCDIR/examples/apconn.conf.sample" "$PKGDATADIR/pieces.json"; do
	check "installed: $f" test -f "$D$f"
done
check "the catalogue snapshot is installed as shipped" \
    cmp -s "$top_srcdir/catalogue/pieces.json" "$D$PKGDATADIR/pieces.json"
"$D$BINDIR/apconn-sync-pieces" --help >"$TMP/help.out"
check "apconn-sync-pieces --help names the installed snapshot" \
    grep -q "^ *$PKGDATADIR/pieces.json\$" "$TMP/help.out"
check "the configuration file is not readable by others" \
    test "$(stat -c %a "$D$SYSCONFDIR/apconn/apconn.conf")" = 640
for m in "$D$MANDIR"/man*/apconn*; do
	check "$(basename "$m") is clean mdoc" sh -c "mandoc -T lint -W warning '$m' >'$TMP/lint' 2>&1 && ! test -s '$TMP/lint'"
	check "$(basename "$m") names installed paths" sh -c "! grep -q '@[a-z]*dir@' '$m'"
done
SITE="$D$SYSCONFDIR/nginx/conf.d/apconn.conf"
UNIT="$D$PREFIX/lib/systemd/system/apconn.service"
check "the nginx site includes the installed locations" \
    grep -q "include $SYSCONFDIR/nginx/apconn-locations.conf;" "$SITE"
check "... and reaches the sockets under runstatedir" \
    grep -q "unix:$RUNSTATEDIR/apconn/apconn.sock" "$SITE"
check "the unit reloads with SIGHUP" grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' "$UNIT"
check "the unit starts the installed program" grep -q "^ExecStart=$BINDIR/apconn-fcgi " "$UNIT"
check "apconn-admin(8) documents check and jobs status" sh -c "mandoc -T ascii '$D$MANDIR/man8/apconn-admin.8' | col -b | grep -q 'jobs status'"

# The service user, its paths, and the unit as systemd reads them.
SYSUSERS="$D$PREFIX/lib/sysusers.d/apconn.conf"
TMPFILES="$D$PREFIX/lib/tmpfiles.d/apconn.conf"
check "installed: the service user for systemd-sysusers" test -f "$SYSUSERS"
check "installed: its paths for systemd-tmpfiles" test -f "$TMPFILES"
check "tmpfiles keeps the configuration root:apconn 0640" \
    grep -qx "z $SYSCONFDIR/apconn/apconn.conf 0640 root apconn -" "$TMPFILES"
check "... and makes the sockets' directory" grep -qx "d $RUNSTATEDIR/apconn 0750 apconn www-data -" "$TMPFILES"
check "the unit reads the configuration as the apconn group" grep -qx "SupplementaryGroups=apconn" "$UNIT"
check "the sockets live under /run by default, where the unit's RuntimeDirectory is" test "$RUNSTATEDIR" = /run
if command -v systemd-analyze >/dev/null 2>&1; then
	# A root with what the unit names: systemd's targets, /bin/kill.  The
	# unit is verified from /etc/systemd/system: a prefix other than /usr
	# or /usr/local (make distcheck's) is not on systemd's search paths.
	mkdir -p "$D/usr/lib/systemd/system" "$D/bin" "$D/etc"
	cp /usr/lib/systemd/system/*.target "$D/usr/lib/systemd/system/"
	cp /bin/kill "$D/bin/"
	: >"$D/etc/passwd"
	: >"$D/etc/group"
	systemd-sysusers --dry-run --root="$D" "$SYSUSERS" >"$TMP/sysusers.out" 2>&1
	check "systemd-sysusers would create the apconn user" \
	    sh -c "[ $? = 0 ] && grep -q \"Creating user 'apconn'\" '$TMP/sysusers.out'"
	mkdir -p "$D/etc/systemd/system"
	cp "$UNIT" "$D/etc/systemd/system/"
	systemd-analyze verify --root="$D" "$D/etc/systemd/system/apconn.service" \
	    >"$TMP/verify.out" 2>&1
	check "systemd-analyze verify finds nothing ($(head -c 200 "$TMP/verify.out"))" \
	    sh -c "[ $? = 0 ] && ! test -s '$TMP/verify.out'"
	systemd-analyze security --offline=true "$UNIT" >"$TMP/security.out" 2>&1
	level=$(sed -n 's/.*Overall exposure level for apconn.service: \([0-9.]*\).*/\1/p' "$TMP/security.out")
	check "systemd-analyze security: exposure $level, at most 2" \
	    sh -c "[ -n '$level' ] && awk -v l='$level' 'BEGIN { exit !(l <= 2.0) }'"
	rm -rf "$D/usr/lib/systemd/system"/*.target "$D/bin/kill" "$D/etc/passwd" \
	    "$D/etc/group" "$D/etc/systemd/system/apconn.service"
else
	fail "systemd-analyze is not installed (Debian's systemd package)"
fi

# The installed programs behind nginx with the installed site.
pg_db
FCGI="$D$BINDIR/apconn-fcgi" ADMIN="$D$BINDIR/apconn-admin"
"$ADMIN" migrate >"$TMP/migrate.log" 2>&1
check "the installed apconn-admin migrates" test $? = 0
mkdir -p "$TMP/run/apconn"
"$FCGI" --listen "unix:$TMP/run/apconn/apconn.sock" --workers 2 \
    --outbound-listen "unix:$TMP/run/apconn/apconn-outbound.sock" --outbound-workers 1 \
    >>"$TMP/app.log" 2>&1 &
APP_PID=$!
PIDS="$PIDS $APP_PID"
wait_for_socket "$TMP/run/apconn/apconn.sock" || { echo "the installed apconn-fcgi did not start"; exit 1; }
cp /etc/nginx/fastcgi_params /etc/nginx/mime.types "$TMP/"
# Only the paths are adapted: sockets and logs here, the DESTDIR prefix.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$TMP/privkey.pem" -out "$TMP/fullchain.pem" >/dev/null 2>&1
sed -i "s|include fastcgi_params;|include $TMP/fastcgi_params;|" "$D$SYSCONFDIR/nginx/apconn-locations.conf"
cat >"$TMP/nginx.conf" <<EOF2
daemon off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 64; }
http {
	client_body_temp_path $TMP/nginx-body;
	fastcgi_temp_path $TMP/nginx-fastcgi;
	proxy_temp_path $TMP/nginx-proxy;
	uwsgi_temp_path $TMP/nginx-uwsgi;
	scgi_temp_path $TMP/nginx-scgi;
	include $TMP/site.conf;
}
EOF2
# Ports of this test's own, tried again when another process has one.
tries=0
while :; do
	HTTP_PORT=$(( (($$ + tries * 7919) % 20000) + 30000 ))
	TLS_PORT=$((HTTP_PORT + 1))
	sed -e "s|$RUNSTATEDIR/|$TMP/run/|g" -e "s|$SYSCONFDIR/|$D$SYSCONFDIR/|g" \
	    -e "s|listen 127.0.0.1:8080;|listen 127.0.0.1:$HTTP_PORT;|" \
	    -e "s|listen 443 ssl;|listen 127.0.0.1:$TLS_PORT ssl;|" \
	    -e "s|/etc/ssl/apconn/|$TMP/|g" \
	    -e "s|/var/log/nginx/|$TMP/|g" "$SITE" >"$TMP/site.conf"
	/usr/sbin/nginx -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" >>"$TMP/nginx.log" 2>&1 &
	NGINX_PID=$!
	n=0
	until curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/health" || [ $n -gt 50 ] ||
	    ! kill -0 "$NGINX_PID" 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
	kill -0 "$NGINX_PID" 2>/dev/null && break
	tries=$((tries + 1))
	[ $tries -lt 5 ] || break
done
PIDS="$PIDS $NGINX_PID"
STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/api/health")
expect_status 200 "health through the installed nginx site and programs"
expect_json .database ok "... with the database"
STATUS=$(curl -s -k -o "$TMP/body" -w '%{http_code}' "https://127.0.0.1:$TLS_PORT/api/health")
expect_status 200 "... and through the site's TLS server"
n=$(jq length "$D$PKGDATADIR/pieces.json")
"$D$BINDIR/apconn-sync-pieces" --from="$D$PKGDATADIR/pieces.json" >"$TMP/sync.out" 2>&1
check "the installed sync loads the installed snapshot" \
    grep -q "^done: $n listed, $n inserted, 0 updated, 0 unchanged, 0 failed" "$TMP/sync.out"
STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/api/pieces")
expect_json length "$n" "... and the installed site lists its $n pieces"

make -s -C "$top_builddir" uninstall DESTDIR="$D" >>"$TMP/install.log" 2>&1
check "make uninstall leaves no file behind except the edited locations" \
    test "$(find "$D" -type f | grep -v apconn-locations.conf | wc -l)" = 0

done_testing
