#!/usr/bin/env bash
# test-block.sh - hotplug/block's failures that need no root (no loop
# device: XPV_BLOCK_LOOP=0), against a real xpv-xenstored: a key the
# script cannot read ends it with hotplug-status=error and the error that
# names that key. (toolstack/tests/test-hotplug-block.sh covers the rest,
# as root.)
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

((fails == 0)) || exit 1
echo "test-block: ok"
