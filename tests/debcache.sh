#!/usr/bin/env bash
# debcache.sh PKG...: fetch Debian packages into $CACHE (default build/cache)
# without installing them, and unpack each into $CACHE/root. Prints the root.
#
# Used for what must never be installed on the host: Xen's hypervisor and
# tools (the reference xenstored, test-xenstore, xl), and the guest kernel.
# A package already in $CACHE/debs is not fetched again, so a second run
# takes seconds. PKG may be a regex-free name or a name=version.
#
# A machine-wide store of downloaded packages, $XPV_DEB_STORE (default
# /var/cache/xpv/debs when it can be written; empty: none), spares a fresh
# clone the download (docs/testing.md, "What CI runs"). It is keyed by
# content: a .deb is taken from it only when its SHA256 is the one apt's
# index names for the version apt would fetch now, so a package that
# changes in the mirror (after `apt-get update`) is fetched again and the
# store never serves a stale one. Without an index entry (a name=version
# apt does not know, no apt lists) it is not used: the download is the
# path, as on a machine without the store.
set -euo pipefail

CACHE=${CACHE:-$(cd "$(dirname "$0")/.." && pwd)/build/cache}
debs="$CACHE/debs"
root="$CACHE/root"
mkdir -p "$debs" "$root"

# One fill at a time per cache: the test tier (the reference xenstored)
# and the real-Xen tier may both ask, and dpkg -x into one root at once
# would let one see the other's half-written files.
exec 8>"$CACHE/.lock"
flock 8

STORE=${XPV_DEB_STORE-/var/cache/xpv/debs}
if [[ -n $STORE ]] && ! mkdir -p "$STORE" 2>/dev/null; then
	STORE=
fi

# INDEX[PKG]: "SHA256 FILE" of the version apt would download now, from
# the local index (no network), read once for every package not yet in
# $debs (one apt-cache run costs about a second).
declare -A INDEX
load_index()
{
	local pkg sha file need=()
	[[ -n $STORE ]] || return 0
	for pkg in "$@"; do
		compgen -G "$debs/${pkg%%=*}_*.deb" >/dev/null || need+=("$pkg")
	done
	[[ ${#need[@]} -gt 0 ]] || return 0
	while read -r pkg sha file; do
		INDEX[$pkg]="$sha $file"
	done < <(apt-cache show --no-all-versions "${need[@]}" 2>/dev/null | awk '
		/^Package: / { p = $2 } /^SHA256: / { s = $2 }
		/^Filename: / { n = split($2, a, "/"); f = a[n] }
		/^$/ { if (p != "" && s != "" && f != "") print p, s, f; p = s = f = "" }
		END { if (p != "" && s != "" && f != "") print p, s, f }')
}

# from_store PKG: copy PKG's indexed .deb from the store, if there and
# intact; fails otherwise.
from_store()
{
	local sha file
	[[ -n $STORE ]] || return 1
	[[ -n ${INDEX[${1%%=*}]:-} ]] || return 1
	read -r sha file <<<"${INDEX[${1%%=*}]}"
	[[ -f $STORE/$sha.deb ]] || return 1
	cp "$STORE/$sha.deb" "$debs/$file.tmp"
	if [[ $(sha256sum <"$debs/$file.tmp") != "$sha  -" ]]; then
		rm -f "$debs/$file.tmp" "$STORE/$sha.deb"
		return 1
	fi
	mv "$debs/$file.tmp" "$debs/$file"
}

# to_store DEB: keep a downloaded .deb in the store under its SHA256
# (written aside, then renamed: another clone may be reading the store).
to_store()
{
	local deb=$1 sha
	[[ -n $STORE ]] || return 0
	sha=$(sha256sum <"$deb" | cut -d' ' -f1)
	[[ -f $STORE/$sha.deb ]] && return 0
	cp "$deb" "$STORE/.$sha.$$" && mv "$STORE/.$sha.$$" "$STORE/$sha.deb" ||
		rm -f "$STORE/.$sha.$$"
}

download()
{
	(cd "$debs" && apt-get download -q "$1" >/dev/null 2>&1)
}

fetch()
{
	local pkg=$1
	compgen -G "$debs/${pkg%%=*}_*.deb" >/dev/null && return 0
	if from_store "$pkg"; then
		echo "debcache: $pkg from $STORE" >&2
		return 0
	fi
	echo "debcache: fetching $pkg" >&2
	if ! download "$pkg"; then
		apt-get update -q >/dev/null 2>&1 || true
		(cd "$debs" && apt-get download -q "$pkg" >/dev/null) || {
			echo "debcache: cannot download $pkg; is a Debian mirror reachable?" >&2
			return 1
		}
	fi
	to_store "$(ls "$debs/${pkg%%=*}"_*.deb | head -n 1)"
}

load_index "$@"
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
