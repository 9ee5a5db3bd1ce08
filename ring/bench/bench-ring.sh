#!/usr/bin/env bash
# bench-ring.sh [bench-ring options] - run bench-ring against a private
# xpv-hv (sim platform), started here and stopped on exit. Without
# options: the front end in a guest domain, the back end in dom0
# (--guest). Without an xpv-hv binary, bench-ring runs on its raw
# memfd+eventfd transport and says so. Used by `make bench-ring`
# (BENCH_RING_ARGS=... to pass options); BIN is the build's bin directory.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
xpv_rundir xpv-bench-ring

if [[ -x $BIN/xpv-hv ]]; then
	xpv_start_hv --no-cgroups || exit 1
	[[ $# -eq 0 ]] && set -- --guest
else
	echo "bench-ring.sh: $BIN/xpv-hv is not built"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
"$BIN/bench-ring" "$@" &
xpv_track bench-ring $! "$XPV_RUN/bench-ring.log"
wait "${XPV_PIDS[bench-ring]}"
rc=$?
unset "XPV_PIDS[bench-ring]"
[[ $rc -ne 0 ]] && xpv_alive xpv-hv && tail -n 20 "${XPV_LOGS[xpv-hv]}"
exit $rc
