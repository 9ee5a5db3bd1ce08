#!/usr/bin/env bash
# images.sh: build the initramfs images of the real-Xen test bed.
#
#   $XEN_OUT/domU.cpio.gz  the test guest: busybox, the Xen frontend modules,
#                          xenstore-utils, $BUILD/bin/xenbus-smoke,
#                          tests/xen/domU/init
#   $XEN_OUT/dom0.cpio.gz  dom0: busybox, the Xen backend and device
#                          modules, Debian's Xen tools and xenstore-utils,
#                          everything in $BUILD/bin, the shared libraries all
#                          of these need, the guest's kernel and image, and
#                          the plan (tests/xen/dom0/)
#
# Everything comes from $CACHE (Debian packages unpacked, never installed)
# and the host's own glibc (the same bookworm). Needs xen_fetch first (KVER).
set -euo pipefail
source "$(dirname "$0")/common.sh"

: "${KVER:?images.sh: KVER unset; run xen_fetch first}"
MODDIR="$CROOT/lib/modules/$KVER"
LIBPATH="$CROOT/usr/lib/x86_64-linux-gnu"

# dom0: the grant/event devices first (xenfs needs privcmd), then the
# backends; bridge and loop serve the guest's NIC and disk.
DOM0_MODS=(xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc xen-blkback
	xen-netback bridge loop tun)
# domU: the frontends, and the devices a user-space frontend needs (tun:
# our netfront's NIC, tests/xen/dom0/plan-net.sh).
DOMU_MODS=(xen-blkfront xen-netfront xen-privcmd xenfs xen-evtchn
	xen-gntdev xen-gntalloc tun)

XEN_TOOLS=(xl xenstored xen-init-dom0 xenconsoled test-xenstore
	libxl-save-helper xenstore-control)
XS_TOOLS=(xenstore-read xenstore-write xenstore-ls xenstore-list
	xenstore-rm xenstore-watch xenstore-exists xenstore-chmod)

# module_file NAME: the .ko of module NAME ('-' and '_' are the same).
module_file()
{
	local n=$1 f
	f=$(find "$MODDIR/kernel" \( -name "$n.ko" -o -name "${n//-/_}.ko" \
		-o -name "${n//_/-}.ko" \) -print -quit)
	[[ -n $f ]] || {
		xen_log "module $n not in $MODDIR"
		return 1
	}
	echo "$f"
}

# add_module DIR NAME: copy NAME and its dependencies into DIR/lib/xpv
# and append them, dependencies first, to DIR/lib/xpv/order.
add_module()
{
	local dir=$1 n=$2 f dep
	grep -qx "${n//_/-}" "$dir/lib/xpv/order" 2>/dev/null && return 0
	f=$(module_file "$n")
	for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
		add_module "$dir" "$dep"
	done
	cp "$f" "$dir/lib/xpv/${n//_/-}.ko"
	echo "${n//_/-}" >>"$dir/lib/xpv/order"
}

add_busybox()
{
	local dir=$1 app
	mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin}
	cp "$CROOT/bin/busybox" "$dir/bin/busybox"
	for app in $("$CROOT/bin/busybox" --list-full); do
		[[ -e $dir/$app ]] || ln -s /bin/busybox "$dir/$app"
	done
}

# add_libs DIR FILE: the shared libraries FILE needs, by the host's ldd with
# the cache's Xen libraries first.
add_libs()
{
	local dir=$1 file=$2 lib
	for lib in $(LD_LIBRARY_PATH=$LIBPATH ldd "$file" 2>/dev/null |
		sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\t\(\/[^ ]*\) .*/\1/p'); do
		[[ -e $dir/lib/x86_64-linux-gnu/$(basename "$lib") ]] && continue
		cp -L "$lib" "$dir/lib/x86_64-linux-gnu/"
	done
}

# add_bin DIR SRC DEST: a program and its libraries.
add_bin()
{
	local dir=$1 src=$2 dest=$3
	mkdir -p "$dir/$(dirname "$dest")"
	# a busybox applet of that name is an absolute link (/bin/busybox):
	# cp would write through it into the host's own busybox
	rm -f "$dir/$dest"
	cp -L "$src" "$dir/$dest"
	add_libs "$dir" "$src"
}

# add_e2fsprogs DIR: the host's mke2fs (also as mkfs.ext4), e2fsck and
# debugfs, the same bookworm as the images' glibc: ext4 made and checked
# in a guest, and read in dom0 (tests/xen/dom0/plan-blk.sh).
add_e2fsprogs()
{
	local dir=$1 t
	for t in mke2fs e2fsck debugfs; do
		add_bin "$dir" "/usr/sbin/$t" "sbin/$t"
	done
	ln -sf mke2fs "$dir/sbin/mkfs.ext4"
	cp /etc/mke2fs.conf "$dir/etc/mke2fs.conf"
}

skeleton()
{
	local dir=$1
	rm -rf "$dir"
	mkdir -p "$dir"/{dev,proc,sys,run,tmp,etc,root,mnt,lib/xpv,var/log,var/lib}
	mkdir -p "$dir"/lib/x86_64-linux-gnu "$dir"/lib64
	ln -s /run "$dir/var/run"
	add_busybox "$dir"
}

pack()
{
	local dir=$1 out=$2
	(cd "$dir" && find . -print0 | cpio --null -o -H newc --quiet) |
		gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
}

build_domU()
{
	local dir="$XEN_OUT/domU-root" m
	skeleton "$dir"
	for m in "${DOMU_MODS[@]}"; do add_module "$dir" "$m"; done
	# User space on the guest's own xenbus: xenstore-utils, and the
	# frontend's xenbus-smoke once built.
	for t in xenstore-read xenstore-write xenstore-ls; do
		add_bin "$dir" "$CROOT/usr/bin/$t" "usr/bin/$t"
	done
	[[ -x $BUILD/bin/xenbus-smoke ]] &&
		add_bin "$dir" "$BUILD/bin/xenbus-smoke" xpv/bin/xenbus-smoke
	# blkfront in user space (xpv_break=userblk), against the kernel's
	# xen-blkback (tests/xen/dom0/plan-blk.sh)
	[[ -x $BUILD/bin/xpv-blk-guest ]] &&
		add_bin "$dir" "$BUILD/bin/xpv-blk-guest" xpv/bin/xpv-blk-guest
	# netfront in user space (xpv_net=...,user), against the kernel's
	# xen-netback (tests/xen/dom0/plan-net.sh)
	[[ -x $BUILD/bin/xpv-netfront ]] &&
		add_bin "$dir" "$BUILD/bin/xpv-netfront" xpv/bin/xpv-netfront
	add_e2fsprogs "$dir"
	# Relative: a copy into this image unpacked in dom0 (hv/xen's
	# domu-run.sh repacks it) must not write through to dom0's own loader.
	ln -sf ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
		"$dir/lib64/ld-linux-x86-64.so.2"
	cp "$top/tests/xen/domU/init" "$dir/init"
	mkdir -p "$dir/xpv"
	cp "$top/tests/xen/domU/net-guest.sh" "$dir/xpv/net-guest.sh"
	cp "$top/tests/xen/domU/fs-guest.sh" "$dir/xpv/fs-guest.sh"
	# ext2 for plan-xpv.sh's guest (through ext4, which wants crc32c at
	# every mount); it writes raw data without them.
	{ add_module "$dir" crc32c_generic && add_module "$dir" ext4; } ||
		xen_log "no ext4 or crc32c module: the guest uses its raw disk"
	cp "$top/tests/xen/domU/blk-guest.sh" "$dir/xpv/blk-guest.sh"
	cp "$top/tests/xen/domU/poweroff" "$dir/sbin/poweroff.xpv"
	chmod +x "$dir/init" "$dir/sbin/poweroff.xpv"
	pack "$dir" "$XEN_OUT/domU.cpio.gz"
}

build_dom0()
{
	local dir="$XEN_OUT/dom0-root" m t f
	skeleton "$dir"
	for m in "${DOM0_MODS[@]}"; do add_module "$dir" "$m"; done
	for t in "${XEN_TOOLS[@]}"; do
		add_bin "$dir" "$CROOT/usr/lib/xen-$XEN_VER/bin/$t" \
			"usr/lib/xen-$XEN_VER/bin/$t"
	done
	for t in "${XS_TOOLS[@]}"; do
		add_bin "$dir" "$CROOT/usr/bin/$t" "usr/bin/$t"
	done
	# A qcow2 image is made and judged by qemu-img, ext4 in it by
	# e2fsprogs (qemu-utils and e2fsprogs are in DEB_PACKAGES); a qcow2
	# disk is a qdisk to xl, which starts the stand-in in QEMU's place
	# (tests/xen/dom0/qemu-standin, plan-blk.sh).
	add_bin "$dir" /usr/bin/qemu-img usr/bin/qemu-img
	add_e2fsprogs "$dir"
	add_bin "$dir" "$top/tests/xen/dom0/qemu-standin" \
		usr/libexec/xen-qemu-system-i386
	# glibc dlopens libgcc_s for pthread_cancel: xl aborts without it.
	cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$dir/lib/x86_64-linux-gnu/"
	ln -sf ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
		"$dir/lib64/ld-linux-x86-64.so.2"
	mkdir -p "$dir/xpv/bin"
	for f in "$BUILD"/bin/*; do
		[[ -f $f && -x $f ]] || continue
		add_bin "$dir" "$f" "xpv/bin/$(basename "$f")"
	done
	mkdir -p "$dir/guest" "$dir/etc/xen/scripts" "$dir/var/lib/xen" \
		"$dir/var/log/xen/console"
	cp "$CROOT/boot/vmlinuz-$KVER" "$dir/guest/vmlinuz"
	cp "$XEN_OUT/domU.cpio.gz" "$dir/guest/initrd.gz"
	cp "$top"/tests/xen/dom0/hotplug-* "$dir/etc/xen/scripts/"
	# Our vif-bridge and its common file, as a drop-in for Xen's (bash,
	# as Xen's scripts are; tests/xen/dom0/plan-net.sh).
	cp "$top/hotplug/vif-bridge" "$top/hotplug/block" \
		"$top/hotplug/xpv-hotplug-common.sh" "$dir/etc/xen/scripts/"
	add_bin "$dir" /bin/bash bin/bash
	# hotplug/block's lock (busybox has no flock; util-linux's is
	# the host's, in DEB_PACKAGES)
	add_bin "$dir" /usr/bin/flock usr/bin/flock
	: >"$dir/etc/xen/xl.conf"
	cp "$top/tests/xen/dom0/init" "$dir/init"
	# xpv check's schemas, where xpv looks beside its bin/ (plan-xpv.sh)
	mkdir -p "$dir/xpv/xenstore-schemas"
	cp "$top"/xenstore-schemas/*.schema "$dir/xpv/xenstore-schemas/"
	cp "$top"/tests/xen/dom0/*.sh "$dir/xpv/"
	if [[ -f $XEN_OUT/user-run ]]; then
		cp "$XEN_OUT/user-run" "$dir/xpv/user-run"
		chmod +x "$dir/xpv/user-run"
	fi
	chmod +x "$dir/init" "$dir"/etc/xen/scripts/*
	pack "$dir" "$XEN_OUT/dom0.cpio.gz"
}

mkdir -p "$XEN_OUT"
build_domU
build_dom0
