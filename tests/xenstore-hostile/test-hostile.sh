#!/usr/bin/env bash
# test-hostile.sh - bad input to our xenstored over its socket and a ring:
# starts a private xpv-hv and xpv-xenstored, then runs dom0's side
# (test-xenstore-hostile), which starts a good and a hostile guest and
# attacks (see test-xenstore-hostile.c). Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$top/build/bin}
for prog in xpv-hv xpv-xenstored test-xenstore-hostile xenstore-hostile-guest; do
	if [[ ! -x $BIN/$prog ]]; then
		echo "$BIN/$prog is not built yet"
		exit 77
	fi
done

run=$(mktemp -d /tmp/xpv-xshostile.XXXXXX)
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
	>"$run/xpv-xenstored.log" 2>&1 &
xs_pid=$!
wait_for "$run/xs.sock" "$xs_pid" xpv-xenstored || exit 1

XENSTORED_PATH=$run/xs.sock "$BIN/test-xenstore-hostile" "$run/xs.sock" \
	"$xs_pid" "$BIN/xenstore-hostile-guest" "$run"
rc=$?
if [[ $rc -ne 0 ]]; then
	for log in good hostile xpv-xenstored xpv-hv; do
		echo "--- $log.log"
		tail -n 30 "$run/$log.log" 2>/dev/null
	done
fi
kill -0 "$xs_pid" 2>/dev/null || { echo "FAIL xpv-xenstored died"; rc=1; }
exit $rc
