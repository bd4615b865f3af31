# Shared by scripts/run and scripts/test: packages, the build, and the
# unprivileged user that runs PostgreSQL (which refuses to run as root).

set -eu

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${APCONN_BUILD_DIR:-$SRCDIR/build}
JOBS=$(nproc 2>/dev/null || echo 2)

# Debian 12 packages: build, test and run dependencies (chromium: the
# connections page's browser tests; apache2, libapache2-mod-fcgid and
# lighttpd: the shared-hosting tests, which start their own instances).
PACKAGES="build-essential autoconf automake pkg-config libfcgi-dev
libfcgi-bin libpq-dev libjson-c-dev libssl-dev libcurl4-openssl-dev check
postgresql-15 postgresql-client-15 nginx-light spawn-fcgi wrk curl jq
procps util-linux nodejs openssl mandoc prometheus chromium clang
libclang-rt-dev llvm systemd apache2 libapache2-mod-fcgid lighttpd"

say() {
	printf '==> %s\n' "$*"
}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# ensure_packages: install whatever is missing (apt-get update first).
ensure_packages() {
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "install ok installed" || missing="$missing $p"
	done
	# npm: Debian's package, unless the installed Node.js has its own
	# (a nodejs package that bundles npm conflicts with Debian's).
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
	[ -z "$missing" ] && return 0
	say "installing:$missing"
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 ||
		    die "missing packages:$missing (run as root or install them)"
		SUDO=sudo
	else
		SUDO=
	fi
	$SUDO apt-get update -qq
	# Debian starts the servers it installs (nginx, apache2 and lighttpd
	# all want port 80; PostgreSQL its own cluster): the tests need only
	# the programs, and start their own instances.  invoke-rc.d
	# asks policy-rc.d; one that refuses every start is put in place for
	# the installation when the machine has none.
	_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null &&
		    $SUDO chmod 755 /usr/sbin/policy-rc.d && _policy=1
	fi
	_rc=0
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null || _rc=$?
	if [ -n "$_policy" ]; then
		$SUDO rm -f /usr/sbin/policy-rc.d
	fi
	[ "$_rc" = 0 ] || die "apt-get install failed:$missing"
	# Under systemd, services start without invoke-rc.d: stop those.
	for s in apache2 lighttpd; do
		case " $missing " in
		*" $s "*)
			$SUDO systemctl disable --now "$s" >/dev/null 2>&1 ||
			    $SUDO service "$s" stop >/dev/null 2>&1 || :
			;;
		esac
	done
}

# build [configure options]: autoreconf when needed, configure, make.
build() {
	if [ ! -x "$SRCDIR/configure" ] ||
	    [ "$SRCDIR/configure.ac" -nt "$SRCDIR/configure" ] ||
	    [ "$SRCDIR/Makefile.am" -nt "$SRCDIR/Makefile.in" ]; then
		say "autoreconf"
		(cd "$SRCDIR" && autoreconf -fi) >/dev/null 2>&1 ||
		    (cd "$SRCDIR" && autoreconf -fi)
	fi
	mkdir -p "$BUILDDIR"
	if [ ! -f "$BUILDDIR/Makefile" ] ||
	    [ "$SRCDIR/configure" -nt "$BUILDDIR/Makefile" ]; then
		say "configure $*"
		(cd "$BUILDDIR" && "$SRCDIR/configure" -q "$@")
	fi
	say "make"
	make -s -C "$BUILDDIR" -j"$JOBS" >/dev/null
}

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

# as_user CMD...: run CMD as the unprivileged service user when root.
if [ "$(id -u)" = 0 ]; then
	SERVICE_USER=${APCONN_USER:-postgres}
else
	SERVICE_USER=$(id -un)
fi
as_user() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$SERVICE_USER" -- "$@"
	else
		"$@"
	fi
}
