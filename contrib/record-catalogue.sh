#!/bin/sh
# Records the catalogue snapshot that apconn ships (catalogue/pieces.json,
# installed as $(pkgdatadir)/pieces.json and loaded by
# `apconn-sync-pieces --from=FILE` when a catalogue is empty): every
# @activepieces/piece-* package the npm registry holds, at the newest
# version it serves, recorded as the upstream pieces API answers
# GET {base}/pieces/{name}?version= (tests/fixtures/pieces/README says how).
#
#   contrib/record-catalogue.sh                 list the scope, record all
#   contrib/record-catalogue.sh --names=FILE    the packages named in FILE
#                                               (one a line, full or short
#                                               names; # starts a comment)
#
# The packages are listed through the registry's search API
# (text=scope:activepieces, 250 a page).  A registry without that API (a
# mirror) answers 404: then --names=FILE, or else the packages of the
# snapshot in place (catalogue/index.tsv), are recorded again at their
# newest versions.  Packages that fail to install or to load are skipped
# and named with the reason on stderr.  Writes catalogue/pieces.json (a
# JSON array of per-piece answers, one piece a line, sorted by name) and
# catalogue/index.tsv (name, package, version, auth, actions, triggers).
#
# For maintainers: needs node, npm and curl, and the npm registry; takes
# some minutes for a few hundred packages, and a few hundred MB in
# TMPDIR.  Installs with --ignore-scripts: no install script runs.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
dest="$src/catalogue"
names=
case ${1-} in
--names=?*)
	names=$(cd "$(dirname "${1#--names=}")" && pwd)/$(basename "${1#--names=}")
	shift
	;;
esac
[ $# -eq 0 ] || { echo "usage: $0 [--names=FILE]" >&2; exit 2; }

for c in node npm curl; do
	command -v "$c" >/dev/null 2>&1 ||
	    { echo "record-catalogue: needs $c" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/record-catalogue.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The scope's packages, page by page, until a page comes back short.
registry=$(npm config get registry)
registry=${registry%/}
from=0
listed=yes
: >"$work/names"
while :; do
	if ! curl -fsS -o "$work/page.json" \
	    "$registry/-/v1/search?text=scope:activepieces&size=250&from=$from" \
	    2>"$work/curl.err"; then
		echo "record-catalogue: the registry's search API did not answer:" \
		    "$(cat "$work/curl.err")" >&2
		listed=no
		break
	fi
	got=$(node -e '
		const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
		for (const o of r.objects)
			console.log(o.package.name);
		console.error(r.objects.length);
	    ' "$work/page.json" 2>&1 >>"$work/names")
	from=$((from + 250))
	[ "$got" -eq 250 ] || break
done
if [ "$listed" = no ]; then
	if [ -n "$names" ]; then
		echo "record-catalogue: recording the packages in $names" >&2
		sed -e 's/#.*//' "$names" >"$work/names"
	elif [ -f "$dest/index.tsv" ]; then
		echo "record-catalogue: recording again the packages of" \
		    "catalogue/index.tsv" >&2
		tail -n +2 "$dest/index.tsv" | cut -f 2 >"$work/names"
	else
		echo "record-catalogue: no list of packages" >&2
		exit 1
	fi
fi
# Short names of the pieces, without versions (the newest is taken).
short=$(sed -e 's/[[:space:]]//g' -e 's|^@activepieces/piece-||' \
    -e '/^@/d' -e '/^$/d' -e 's/@.*//' "$work/names" | sort -u)
total=$(printf '%s\n' "$short" | grep -c .)
echo "record-catalogue: $total packages" >&2

# shellcheck disable=SC2086
"$src/tests/fixtures/record-pieces.sh" --out="$work/out" $short

recorded=$(ls "$work/out/full" | grep -c '\.json$' || :)
mkdir -p "$dest"
node - "$work/out/full" "$dest/pieces.json.tmp" <<'EOF'
'use strict';
const fs = require('fs'), path = require('path');
const [dir, out] = process.argv.slice(2);
const rows = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
// Each row is already one line of JSON: an array of them, one a line.
fs.writeFileSync(out, '[\n' + rows.join(',\n') + '\n]\n');
EOF
mv "$dest/pieces.json.tmp" "$dest/pieces.json"
cp "$work/out/index.tsv" "$dest/index.tsv"
echo "record-catalogue: recorded $recorded of $total packages" \
    "($(wc -c <"$dest/pieces.json") bytes)" >&2
