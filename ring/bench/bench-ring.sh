#!/usr/bin/env bash
# bench-ring.sh [bench-ring options] - run bench-ring against a private
# xpv-hv (sim platform), started here and stopped on exit. Without
# options: the front end in a guest domain, the back end in dom0
# (--guest). Without an xpv-hv binary, bench-ring runs on its raw
# memfd+eventfd transport and says so. Used by `make bench-ring`
# (BENCH_RING_ARGS=... to pass options); BIN is the build's bin directory.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$top/build/bin}
run=$(mktemp -d /tmp/xpv-bench-ring.XXXXXX)
hv_pid= bench_pid=
cleanup()
{
	[[ -n $bench_pid ]] && kill "$bench_pid" 2>/dev/null && wait "$bench_pid" 2>/dev/null
	[[ -n $hv_pid ]] && kill "$hv_pid" 2>/dev/null && wait "$hv_pid" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

export XPV_RUNDIR=$run XPV_PLATFORM=sim
if [[ -x $BIN/xpv-hv ]]; then
	"$BIN/xpv-hv" --rundir "$run" --foreground --no-cgroups \
		>"$run/xpv-hv.log" 2>&1 &
	hv_pid=$!
	for _ in $(seq 100); do
		[[ -S $run/hv.sock ]] && break
		kill -0 "$hv_pid" 2>/dev/null || break
		sleep 0.05
	done
	if [[ ! -S $run/hv.sock ]]; then
		echo "bench-ring.sh: xpv-hv did not start:"
		cat "$run/xpv-hv.log"
		exit 1
	fi
	[[ $# -eq 0 ]] && set -- --guest
else
	echo "bench-ring.sh: $BIN/xpv-hv is not built"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
"$BIN/bench-ring" "$@" &
bench_pid=$!
wait "$bench_pid"
rc=$?
bench_pid=
[[ $rc -ne 0 && -n $hv_pid ]] && tail -n 20 "$run/xpv-hv.log"
exit $rc
