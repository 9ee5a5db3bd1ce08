# common.sh: what the host side of the real-Xen test bed shares.
# Sourced by check-xen.sh, images.sh, boot.sh and selftest.sh, from the
# top of the tree. Sets the paths below and defines xen_fetch, which brings
# Debian's Xen, kernel and busybox packages into $CACHE without installing
# them (tests/debcache.sh).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD="$top/$BUILD"
CACHE=${CACHE:-$top/build/cache}
XEN_OUT=${XEN_OUT:-$top/build/xen}
XEN_VER=4.17
CROOT="$CACHE/root"

# Packages the dom0 and domU images are built from. The kernel image is
# resolved from linux-image-amd64 (see xen_kernel_pkg).
XEN_PKGS=(xen-hypervisor-$XEN_VER-amd64 xen-utils-$XEN_VER xen-utils-common
	xenstore-utils libxenmisc$XEN_VER libxenstore4 libxencall1
	libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxentoollog1
	libxentoolcore1 libxendevicemodel1 libxenhypfs1 libyajl2
	busybox-static)

xen_log()
{
	echo "check-xen: $*" >&2
}

# The versioned kernel package: one already in the cache wins (so a warm
# cache never needs the mirror); otherwise what linux-image-amd64 depends on.
xen_kernel_pkg()
{
	local deb pkg
	deb=$(compgen -G "$CACHE/debs/linux-image-[0-9]*-amd64_*.deb" | sort -V |
		tail -n 1)
	if [[ -n $deb ]]; then
		pkg=$(basename "$deb")
		echo "${pkg%%_*}"
		return 0
	fi
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' |
		head -n 1)
	[[ -n $pkg ]] || {
		xen_log "cannot resolve linux-image-amd64 (run apt-get update)"
		return 1
	}
	echo "$pkg"
}

# xen_fetch: fill the cache; prints nothing, fails with a message.
xen_fetch()
{
	local kpkg
	kpkg=$(xen_kernel_pkg) || return 1
	CACHE=$CACHE "$top/tests/debcache.sh" "${XEN_PKGS[@]}" "$kpkg" \
		>/dev/null || return 1
	KVER=${kpkg#linux-image-}
	export KVER
}

# xen_lock: one run at a time per $XEN_OUT, since a second would overwrite
# the images and serial logs under the first. Held on fd 9 until exit;
# nested runs (selftest.sh's) inherit it through XEN_LOCKED.
xen_lock()
{
	[[ -n ${XEN_LOCKED:-} ]] && return 0
	mkdir -p "$XEN_OUT"
	exec 9>"$XEN_OUT/.lock"
	if ! flock -n 9; then
		xen_log "waiting for another check-xen run using $XEN_OUT"
		flock 9
	fi
	export XEN_LOCKED=1
}
