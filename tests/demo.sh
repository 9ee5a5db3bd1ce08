#!/usr/bin/env bash
# demo.sh: the main job (`make demo`). On the embedded hypervisor, with no
# Xen anywhere: start the hypervisor (xpv-hv) and our xenstored, then let
# xpv-demo create a guest domain whose kernel is an "echo" frontend; it
# grants a ring to dom0's backend, they walk the XenbusState handshake
# through xenstore, exchange 100,000 requests over the ring and event
# channel, and the guest powers itself off. Afterwards the store is shown
# as Debian's xenstore-ls sees it. Everything runs in a private directory
# and is cleaned up at the end.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/build/bin}
run=$(mktemp -d /tmp/xpv-demo.XXXXXX)
hv_pid= xs_pid=

cleanup()
{
	[[ -n $xs_pid ]] && kill "$xs_pid" 2>/dev/null && wait "$xs_pid" 2>/dev/null
	[[ -n $hv_pid ]] && kill "$hv_pid" 2>/dev/null && wait "$hv_pid" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT

# wait_socket PATH PID NAME: a daemon is up once its socket exists.
wait_socket()
{
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -S $1 ]] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	echo "demo: $3 did not start; its log ($run/$3.log):" >&2
	tail -n 20 "$run/$3.log" >&2
	exit 1
}

export XPV_RUNDIR=$run XPV_PLATFORM=sim XENSTORED_PATH=$run/xenstored.sock
echo "== xpv demo: one guest, one split-driver device, no Xen =="
echo "demo: runtime directory $run"

"$BIN/xpv-hv" --rundir "$run" --foreground >"$run/xpv-hv.log" 2>&1 &
hv_pid=$!
wait_socket "$run/hv.sock" "$hv_pid" xpv-hv
echo "demo: embedded hypervisor xpv-hv running (pid $hv_pid)"

"$BIN/xpv-xenstored" --no-fork --socket "$XENSTORED_PATH" \
	>"$run/xpv-xenstored.log" 2>&1 &
xs_pid=$!
wait_socket "$XENSTORED_PATH" "$xs_pid" xpv-xenstored
echo "demo: xenstore daemon xpv-xenstored running (pid $xs_pid)"
xenstore-write /local/domain/0/name Domain-0 /local/domain/0/domid 0

# Watch the store from the side, with Debian's own tool.
xenstore-watch -n 1000 /local/domain >"$run/watch.log" 2>&1 &
watch_pid=$!

echo
"$BIN/xpv-demo" "$BIN/xpv-demo-guest"
rc=$?
echo
kill "$watch_pid" 2>/dev/null || true
echo "demo: xenstore-watch /local/domain saw $(wc -l <"$run/watch.log") events"
echo "demo: what is left in the store (xenstore-ls /local/domain):"
xenstore-ls /local/domain | sed 's/^/    /'
exit $rc
