#!/usr/bin/env bash
# test-block.sh - hotplug/block's failures that need no root (no loop
# device: XPV_BLOCK_LOOP=0), against a real xpv-xenstored: a key the
# script cannot read ends it with hotplug-status=error and the error that
# names that key; as root, an image shared through a loop device.
# (toolstack/tests/test-hotplug-block.sh covers the rest, as root.)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
xpv_need xpv-xenstored
command -v xenstore-write >/dev/null || xpv_skip "needs xenstore-utils (make deps)"
xpv_rundir test-hotplug-block-errors
xpv_start_xenstored "$XPV_RUN/xs.sock" --no-domains || exit 1
export XENSTORED_PATH=$XPV_RUN/xs.sock XPV_RUNDIR=$XPV_RUN XPV_BLOCK_LOOP=0

fails=0
check()
{
	if eval "$2"; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		fails=$((fails + 1))
	fi
}

img=$XPV_RUN/disk.img
truncate -s 1M "$img"
script=$top/hotplug/block

# A subshell's fatal used to end only the subshell: without frontend-id,
# the error was written, then hotplug-status=connected over it.
be=/local/domain/0/backend/vbd/5/51712
xenstore-write "$be/params" "$img" "$be/mode" w
XENBUS_PATH=$be "$script" add 2>/dev/null
rc=$?
check "no frontend-id: fails" "[[ $rc -ne 0 ]]"
check "no frontend-id: hotplug-status stays error" \
	"[[ \$(xenstore-read $be/hotplug-status) == error ]]"
check "no frontend-id: hotplug-error names it" \
	"xenstore-read $be/hotplug-error | grep -q frontend-id"
check "no frontend-id: nothing published" \
	"! xenstore-exists $be/physical-device-path"

# Without params: the error names params, not an empty target.
be=/local/domain/0/backend/vbd/6/51712
xenstore-write "$be/mode" w "$be/frontend-id" 6
XENBUS_PATH=$be "$script" add 2>/dev/null
rc=$?
check "no params: fails" "[[ $rc -ne 0 ]]"
check "no params: hotplug-error names it" \
	"xenstore-read $be/hotplug-error | grep -q 'cannot read $be/params'"

# The same vbd once whole: connected (the test itself can succeed).
xenstore-write "$be/params" "$img"
xenstore-rm "$be/hotplug-status" "$be/hotplug-error" 2>/dev/null
XENBUS_PATH=$be "$script" add
check "whole vbd: connected" \
	"[[ \$(xenstore-read $be/hotplug-status) == connected ]]"

# As root: an image one domain has read-write through a loop device (the
# kernel's blkback) is refused to another; its loop device used to be
# compared with the image's path, and the second got a loop of its own.
if [[ $(id -u) -eq 0 ]] && command -v losetup >/dev/null; then
	loops=()
	XPV_CLEANUP='for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done'
	img2=$XPV_RUN/shared.img
	truncate -s 1M "$img2"
	be7=/local/domain/0/backend/vbd/7/51712
	xenstore-write "$be7/params" "$img2" "$be7/mode" w "$be7/frontend-id" 7
	XENBUS_PATH=$be7 XPV_BLOCK_LOOP=1 "$script" add
	loop=$(xenstore-read "$be7/node" 2>/dev/null)
	[[ -n $loop ]] && loops+=("$loop")
	check "a loop device for domain 7" "[[ \$loop == /dev/loop* ]]"
	be8=/local/domain/0/backend/vbd/8/51712
	xenstore-write "$be8/params" "$img2" "$be8/mode" w "$be8/frontend-id" 8
	XENBUS_PATH=$be8 XPV_BLOCK_LOOP=1 "$script" add 2>/dev/null
	rc=$?
	l8=$(xenstore-read "$be8/node" 2>/dev/null)
	[[ -n $l8 ]] && loops+=("$l8")
	check "the same image for domain 8 is refused" \
		"[[ $rc -ne 0 && -z '$l8' ]] && xenstore-read $be8/hotplug-error | grep -q 'in use by domain 7'"
	XENBUS_PATH=$be7 "$script" remove
	check "remove detaches domain 7's loop device" "! losetup '$loop' >/dev/null 2>&1"
else
	echo "skip the loop device case (needs root and losetup)"
fi

((fails == 0)) || exit 1
echo "test-block: ok"
