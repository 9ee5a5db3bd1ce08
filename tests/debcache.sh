#!/usr/bin/env bash
# debcache.sh PKG...: fetch Debian packages into $CACHE (default build/cache)
# without installing them, and unpack each into $CACHE/root. Prints the root.
#
# Used for what must never be installed on the host: Xen's hypervisor and
# tools (the reference xenstored, test-xenstore, xl), and the guest kernel.
# A package already in $CACHE/debs is not fetched again, so a second run
# takes seconds. PKG may be a regex-free name or a name=version.
set -euo pipefail

CACHE=${CACHE:-$(cd "$(dirname "$0")/.." && pwd)/build/cache}
debs="$CACHE/debs"
root="$CACHE/root"
mkdir -p "$debs" "$root"

fetch()
{
	local pkg=$1
	compgen -G "$debs/${pkg%%=*}_*.deb" >/dev/null && return 0
	echo "debcache: fetching $pkg" >&2
	if ! (cd "$debs" && apt-get download -q "$pkg" >/dev/null 2>&1); then
		apt-get update -q >/dev/null 2>&1 || true
		(cd "$debs" && apt-get download -q "$pkg" >/dev/null) || {
			echo "debcache: cannot download $pkg; is a Debian mirror reachable?" >&2
			return 1
		}
	fi
}

for pkg in "$@"; do
	fetch "$pkg"
	deb=$(ls "$debs/${pkg%%=*}"_*.deb | head -n 1)
	stamp="$root/.unpacked.$(basename "$deb")"
	if [[ ! -e $stamp ]]; then
		dpkg -x "$deb" "$root"
		touch "$stamp"
	fi
done
echo "$root"
