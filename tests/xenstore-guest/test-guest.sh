#!/usr/bin/env bash
# test-guest.sh - a sim guest uses our xenstored through its own ring:
# starts a private xpv-hv and xpv-xenstored, then runs dom0's side
# (test-xenstore-guest), which creates and introduces the guests and
# checks everything (see test-xenstore-guest.c). Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-hv xpv-xenstored test-xenstore-guest xenstore-test-guest

xpv_rundir xpv-xsguest
run=$XPV_RUN
xpv_start_hv || exit 1
xpv_start_xenstored "$run/xs.sock" --trace "$run/trace" || exit 1

XENSTORED_PATH=$run/xs.sock "$BIN/test-xenstore-guest" \
	"$BIN/xenstore-test-guest" "$run"
rc=$?
if [[ $rc -ne 0 ]]; then
	for log in guest-a guest-b xpv-xenstored xpv-hv; do
		echo "--- $log.log"
		tail -n 30 "$run/$log.log" 2>/dev/null
	done
	echo "--- trace (last 30 lines)"
	tail -n 30 "$run/trace" 2>/dev/null
fi
xpv_alive xpv-xenstored || { echo "FAIL xpv-xenstored died"; rc=1; }
exit $rc
