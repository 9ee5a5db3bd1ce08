#!/usr/bin/env bash
# test-guest.sh - a sim guest uses our xenstored through its own ring:
# starts a private xpv-hv and xpv-xenstored, then runs dom0's side
# (test-xenstore-guest), which creates and introduces the guests and
# checks everything (see test-xenstore-guest.c). Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$top/build/bin}
for prog in xpv-hv xpv-xenstored test-xenstore-guest xenstore-test-guest; do
	if [[ ! -x $BIN/$prog ]]; then
		echo "$BIN/$prog is not built yet"
		exit 77
	fi
done

run=$(mktemp -d /tmp/xpv-xsguest.XXXXXX)
hv_pid= xs_pid=
cleanup()
{
	[[ -n $xs_pid ]] && kill "$xs_pid" 2>/dev/null && wait "$xs_pid" 2>/dev/null
	[[ -n $hv_pid ]] && kill "$hv_pid" 2>/dev/null && wait "$hv_pid" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for PATH PID NAME: up to 10 s for a daemon's socket.
wait_for()
{
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -S $1 ]] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	echo "$3 did not create $1; its log:"
	tail -n 20 "$run/$3.log"
	return 1
}

export XPV_RUNDIR=$run XPV_PLATFORM=sim
"$BIN/xpv-hv" --rundir "$run" --foreground >"$run/xpv-hv.log" 2>&1 &
hv_pid=$!
wait_for "$run/hv.sock" "$hv_pid" xpv-hv || exit 1

"$BIN/xpv-xenstored" --no-fork --socket "$run/xs.sock" \
	--trace "$run/trace" >"$run/xpv-xenstored.log" 2>&1 &
xs_pid=$!
wait_for "$run/xs.sock" "$xs_pid" xpv-xenstored || exit 1

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
kill -0 "$xs_pid" 2>/dev/null || { echo "FAIL xpv-xenstored died"; rc=1; }
exit $rc
