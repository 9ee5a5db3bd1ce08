#!/usr/bin/env bash
# test-hostile.sh - bad input to our xenstored over its socket and a ring:
# starts a private xpv-hv and xpv-xenstored, then runs dom0's side
# (test-xenstore-hostile), which starts a good and a hostile guest and
# attacks (see test-xenstore-hostile.c). Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-hv xpv-xenstored test-xenstore-hostile xenstore-hostile-guest

xpv_rundir xpv-xshostile
run=$XPV_RUN
xpv_start_hv || exit 1
xpv_start_xenstored "$run/xs.sock" || exit 1

XENSTORED_PATH=$run/xs.sock "$BIN/test-xenstore-hostile" "$run/xs.sock" \
	"${XPV_PIDS[xpv-xenstored]}" "$BIN/xenstore-hostile-guest" "$run"
rc=$?
if [[ $rc -ne 0 ]]; then
	for log in good hostile xpv-xenstored xpv-hv; do
		echo "--- $log.log"
		tail -n 30 "$run/$log.log" 2>/dev/null
	done
fi
xpv_alive xpv-xenstored || { echo "FAIL xpv-xenstored died"; rc=1; }
exit $rc
