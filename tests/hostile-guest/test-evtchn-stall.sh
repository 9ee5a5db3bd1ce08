#!/usr/bin/env bash
# test-evtchn-stall.sh - no guest can stall xpv-hv, dom0 or xpv-xenstored
# through an event channel: starts a private xpv-hv and xpv-xenstored, then
# runs dom0's side (test-evtchn-stall), which starts the attacking guests
# (evtchn-stall-guest). Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-hv xpv-xenstored test-evtchn-stall evtchn-stall-guest

xpv_rundir xpv-evtchn-stall
run=$XPV_RUN
# A stalled xpv-hv does not act on SIGTERM: after a failure, end it.
XPV_CLEANUP='[[ ${rc:-1} -ne 0 ]] && kill -KILL ${XPV_PIDS[xpv-hv]:-} 2>/dev/null'
xpv_start_hv || exit 1
xpv_start_xenstored "$run/xs.sock" || exit 1

XENSTORED_PATH=$run/xs.sock "$BIN/test-evtchn-stall" \
	"$BIN/evtchn-stall-guest" "$run"
rc=$?
if [[ $rc -ne 0 ]]; then
	for log in evtchn-stall-guest xpv-xenstored xpv-hv; do
		echo "--- $log.log"
		tail -n 30 "$run/$log.log" 2>/dev/null
	done
fi
xpv_alive xpv-hv || { echo "FAIL xpv-hv died"; rc=1; }
xpv_alive xpv-xenstored || { echo "FAIL xpv-xenstored died"; rc=1; }
exit $rc
