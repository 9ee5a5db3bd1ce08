#!/usr/bin/env bash
# test-hotplug-block.sh: hotplug/block run as libxl runs it (add / remove,
# XENBUS_PATH in the environment), against a real xpv-xenstored: an image
# file for a user-space backend (no loop device), the same for the
# kernel's blkback (a loop device, read-only for mode r, detached at
# remove), a block device, and each refusal with one clear hotplug-error
# and nothing left set up: a missing target, a read-only file for mode w,
# a qcow2 image for the kernel's blkback, a file another domain has
# read-write.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv-xenstored
[[ $(id -u) -eq 0 ]] || xpv_skip "needs root (loop devices)"
xpv_rundir xpv-hotplug-block
xpv_start_xenstored "$XPV_RUN/xs.sock" --no-domains || exit 1
export XENSTORED_PATH=$XPV_RUN/xs.sock XPV_RUNDIR=$XPV_RUN
script=$top/hotplug/block
loops=()
XPV_CLEANUP='for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done'

# A vbd's backend directory as the toolstack writes it.
vbd()
{
	local dom=$1 dev=$2 target=$3 mode=$4 be=/local/domain/0/backend/vbd/$1/$2
	xenstore-rm "$be" 2>/dev/null
	xenstore-write "$be/params" "$target" "$be/mode" "$mode" \
		"$be/frontend-id" "$dom" "$be/type" phy "$be/state" 2
	echo "$be"
}

run()
{
	XENBUS_PATH=$1 XENBUS_TYPE=vbd XENBUS_BASE_PATH=backend "$script" "$2"
}

img=$XPV_RUN/disk.img
truncate -s 16M "$img"

be=$(vbd 1 51712 "$img" w)
XPV_BLOCK_LOOP=0 run "$be" add
rc=$?
[[ $rc -eq 0 && $(xenstore-read "$be/hotplug-status") == connected &&
	$(xenstore-read "$be/physical-device-path") == "$img" ]] &&
	! xenstore-exists "$be/node"
check "a file for a user-space backend: no loop device, the file's path" $? "rc $rc"
XPV_BLOCK_LOOP=0 run "$be" add
check "add again does nothing" $?
run "$be" remove
check "remove without a loop device" $?
xenstore-rm "$be" # as the toolstack does after remove

be=$(vbd 2 51712 "$img" r)
XPV_BLOCK_LOOP=1 run "$be" add
rc=$?
loop=$(xenstore-read "$be/node" 2>/dev/null)
[[ -n $loop ]] && loops+=("$loop")
[[ $rc -eq 0 && $loop == /dev/loop* && -b $loop &&
	$(xenstore-read "$be/physical-device") == $(stat -L -c '%t:%T' "$loop") &&
	$(losetup -n -O BACK-FILE "$loop") == "$img" &&
	$(cat "/sys/block/${loop#/dev/}/ro") == 1 ]]
check "a file for the kernel's blkback: a read-only loop device over it" $? "rc $rc loop $loop"

be3=$(vbd 3 51712 "$loop" r)
run "$be3" add
[[ $? -eq 0 && $(xenstore-read "$be3/physical-device") == $(stat -L -c '%t:%T' "$loop") &&
	$(xenstore-read "$be3/physical-device-path") == "$loop" ]]
check "a block device: its major:minor" $?

run "$be3" remove
xenstore-rm "$be3"
XPV_BLOCK_LOOP=1 run "$be" remove
[[ $? -eq 0 ]] && ! losetup "$loop" >/dev/null 2>&1
check "remove detaches the loop device" $?
xenstore-rm "$be"

# busybox's losetup (a small dom0's, as tests/xen's) has no --find
# --show: the loop device is set up with the options both have
# (busybox-static is in DEB_PACKAGES).
{
	mkdir -p "$XPV_RUN/bb"
	ln -sf "$(command -v busybox)" "$XPV_RUN/bb/losetup" ||
		check "busybox is installed" 1
	be=$(vbd 8 51712 "$img" w)
	out=$(PATH=$XPV_RUN/bb:$PATH XPV_BLOCK_LOOP=1 run "$be" add 2>&1)
	rc=$?
	loop=$(xenstore-read "$be/node" 2>/dev/null)
	[[ -n $loop ]] && loops+=("$loop")
	[[ $rc -eq 0 && $loop == /dev/loop* &&
		$(losetup -n -O BACK-FILE "$loop") == "$img" &&
		$(cat "/sys/block/${loop#/dev/}/ro") == 0 ]]
	check "busybox's losetup: a read-write loop device over the file" $? "rc $rc $out"
	PATH=$XPV_RUN/bb:$PATH run "$be" remove
	! losetup "$loop" >/dev/null 2>&1
	check "busybox's losetup: remove detaches it" $?
	xenstore-rm "$be"
}

be=$(vbd 4 51712 /nonexistent.img w)
out=$(run "$be" add 2>&1)
[[ $? -eq 1 && $(xenstore-read "$be/hotplug-status") == error &&
	$(xenstore-read "$be/hotplug-error") == "/nonexistent.img does not exist" ]]
check "a missing target: hotplug-error, exit 1" $? "$out"

# A file on a read-only file system is not writable, even for root.
mkdir "$XPV_RUN/rofs"
mount -t tmpfs -o size=2m tmpfs "$XPV_RUN/rofs" && truncate -s 1M "$XPV_RUN/rofs/ro.img" &&
	mount -o remount,ro "$XPV_RUN/rofs"
XPV_CLEANUP="umount '$XPV_RUN/rofs' 2>/dev/null; $XPV_CLEANUP"
be=$(vbd 4 51713 "$XPV_RUN/rofs/ro.img" w)
out=$(run "$be" add 2>&1)
[[ $? -eq 1 && $(xenstore-read "$be/hotplug-error") == "$XPV_RUN/rofs/ro.img is not writable (the vbd's mode is w)" ]]
check "mode w on a file that is not writable is refused" $? "$out"

q=$XPV_RUN/disk.qcow2
printf 'QFI\xfb\0\0\0\3' >"$q"
truncate -s 1M "$q"
be=$(vbd 5 51712 "$q" w)
before=$(losetup -a | wc -l)
out=$(XPV_BLOCK_LOOP=1 run "$be" add 2>&1)
[[ $? -eq 1 && $(xenstore-read "$be/hotplug-error") == *"qcow2 image"* &&
	$(losetup -a | wc -l) -eq $before ]]
check "qcow2 for the kernel's blkback is refused, no loop left" $? "$out"
XPV_BLOCK_LOOP=0 run "$be" add
check "qcow2 for a user-space backend is fine" $?

be=$(vbd 6 51712 "$img" w)
XPV_BLOCK_LOOP=0 run "$be" add
be7=$(vbd 7 51712 "$img" r)
out=$(XPV_BLOCK_LOOP=0 run "$be7" add 2>&1)
[[ $? -eq 1 && $(xenstore-read "$be7/hotplug-error") == *"in use by domain 6 (mode w)"* ]]
check "a file another domain has read-write is refused" $? "$out"
finish
