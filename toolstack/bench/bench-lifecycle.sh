#!/usr/bin/env bash
# bench-lifecycle.sh: `make bench-lifecycle` (bench-lifecycle.c says what
# it measures): a private xpv instance, up; the bench; down.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-guest bench-lifecycle
[[ $(id -u) -eq 0 ]] || xpv_skip "needs root (xpv-hv makes cgroups)"
xpv_rundir xpv-bench-lifecycle
export XPV_RUNDIR=$XPV_RUN/run XPV_LOGDIR=$XPV_RUN/log XPV_PLATFORM=sim
export XENSTORED_PATH=$XPV_RUNDIR/xenstored/socket BIN
XPV_CLEANUP='"$BIN/xpv" down >/dev/null 2>&1'
"$BIN/xpv" up >/dev/null || exit 1
printf 'memory = 32\ninit = [ "/bin/sleep", "1000" ]\n' >"$XPV_RUNDIR/bench.cfg"
echo "bench-lifecycle: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
"$BIN/bench-lifecycle" "${RUNS:-20}"
