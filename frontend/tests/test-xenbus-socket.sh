#!/usr/bin/env bash
# test-xenbus-socket.sh - the xenbus client's whole API (xenbus-smoke)
# against our xenstored over a unix socket. Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$top/build/bin}
for prog in xpv-xenstored xenbus-smoke; do
	if [[ ! -x $BIN/$prog ]]; then
		echo "$BIN/$prog is not built yet"
		exit 77
	fi
done

run=$(mktemp -d /tmp/xpv-xbsock.XXXXXX)
xs_pid=
cleanup()
{
	[[ -n $xs_pid ]] && kill "$xs_pid" 2>/dev/null && wait "$xs_pid" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

XPV_RUNDIR=$run "$BIN/xpv-xenstored" --no-fork --no-domains \
	--socket "$run/socket" >"$run/log" 2>&1 &
xs_pid=$!
for ((i = 0; i < 200; i++)); do
	[[ -S $run/socket ]] && break
	sleep 0.05
done
[[ -S $run/socket ]] || { echo "xpv-xenstored did not start:"; cat "$run/log"; exit 1; }

"$BIN/xenbus-smoke" "$run/socket"
