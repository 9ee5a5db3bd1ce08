#!/usr/bin/env bash
# from-scratch.sh [-r ROOT] [COMMAND...]: prove that the README's two
# commands need nothing installed by hand. A minimal Debian bookworm is
# debootstrapped into ROOT (default /work/deboot/root; kept if it is
# there), this repository's HEAD is cloned into ROOT/src/xpv, only what
# the README says to apt-get first (make, git) is installed, and each
# COMMAND (default: "make demo" then "make check") runs there as root, in
# order, each with its wall time. A host tool, run by hand as root; not a
# test of `make test` (it takes a fresh tree and half an hour).
#
# The tree gets what a real machine has: /proc, /sys (with the cgroup
# hierarchies), /dev (tun, fuse, loop, pts, shm), a tmpfs /run and the
# host's resolv.conf. It is entered with pivot_root in a private mount
# namespace, not chroot(2): the kernel refuses a chrooted process a new
# user namespace (EPERM), and xpv-hv makes one per sim guest; and its root
# is a mount point, as a real root is (making "/" private fails with
# EINVAL otherwise). The real-Xen tier takes its turn on the host's lock
# XEN_LOCK (default /work/wt/notes/xen.lock, when it exists), bound onto
# the clone's build/xen/.lock. Everything mounted is unmounted at exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
root=/work/deboot/root
if [[ ${1:-} == -r ]]; then
	root=$2
	shift 2
fi
mirror=${MIRROR:-http://deb.debian.org/debian}
xen_lock=${XEN_LOCK:-/work/wt/notes/xen.lock}
[[ $# -gt 0 ]] || set -- "make demo" "make check"
[[ $(id -u) -eq 0 ]] || { echo "from-scratch: run it as root"; exit 1; }
command -v debootstrap >/dev/null ||
	{ echo "from-scratch: needs debootstrap on the host (apt-get install debootstrap)"; exit 1; }

mounted=()
undo()
{
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -R "${mounted[i]}" 2>/dev/null || umount -lR "${mounted[i]}"
	done
}
trap undo EXIT
mnt()
{
	local target=${*: -1}
	mount "$@"
	mounted+=("$target")
}

if [[ ! -x $root/usr/bin/apt-get ]]; then
	echo "from-scratch: debootstrap bookworm into $root"
	/usr/bin/time -f "from-scratch: debootstrap %e s" \
		debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log"
fi
if [[ ! -d $root/src/xpv/.git ]]; then
	git clone -q "$top" "$root/src/xpv"
else
	git -C "$root/src/xpv" pull -q --ff-only
fi
echo "from-scratch: $(git -C "$root/src/xpv" log --oneline -1 | cut -c1-72)"

mnt --bind "$root" "$root"
mount --make-private "$root"
mnt -t proc proc "$root/proc"
mnt --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mnt --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mnt -t tmpfs -o mode=755 tmpfs "$root/run"
cp /etc/resolv.conf "$root/etc/resolv.conf"
if [[ -f $xen_lock ]]; then
	mkdir -p "$root/src/xpv/build/xen"
	touch "$root/src/xpv/build/xen/.lock"
	mnt --bind "$xen_lock" "$root/src/xpv/build/xen/.lock"
fi

# inside CMD: run CMD as root of the tree, with a clean environment.
inside()
{
	unshare --mount --propagation private /bin/bash -c '
		set -e
		cd "$1"
		mkdir -p .oldroot
		pivot_root . .oldroot
		cd /
		umount -l /.oldroot
		exec env -i HOME=/root TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/bash -lc "$2"' inside "$root" "$1"
}

inside 'export DEBIAN_FRONTEND=noninteractive
	dpkg-query -W make git >/dev/null 2>&1 || {
		apt-get update -q >/dev/null && apt-get install -y -q make git >/dev/null; }'
rc=0
for cmd in "$@"; do
	start=$(date +%s)
	echo "from-scratch: $(date -u +%FT%TZ) $cmd"
	inside "cd /src/xpv && $cmd" || rc=$?
	echo "from-scratch: $cmd: exit $rc after $(($(date +%s) - start)) s"
	[[ $rc -eq 0 ]] || break
done
exit "$rc"
